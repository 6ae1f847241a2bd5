"""Bulk API 2.0 ingest jobs: create, upload CSV, close, wait, read result files, abort, delete.

Result files (successfulResults, failedResults, unprocessedrecords) are streamed and parsed
row by row into ``dict[str, str]``; per-record failures are data, not exceptions.
:meth:`IngestJob.fetch_results` downloads all three at once into spools (memory up to 4 MB
each, then a temp file), so a caller can fetch them on a background thread the moment the
job ends and parse them later without a round trip.
"""

from __future__ import annotations

import codecs
import csv
import logging
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import requests

from lht.errors import ConfigError, SalesforceError, SalesforceJobFailed, SalesforceUnavailable
from lht.salesforce.bulk import PollPolicy, failure_message, wait_for_job
from lht.salesforce.soql import validate_field_path, validate_identifier
from lht.salesforce.transport import Transport

__all__ = [
    "INGEST_OPERATIONS",
    "MAX_UPLOAD_BYTES",
    "IngestJob",
    "IngestResult",
    "create_ingest_job",
]

log = logging.getLogger(__name__)

INGEST_OPERATIONS = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
#: Raw CSV bytes per job (Salesforce allows 150 MB after its base64 encoding).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
_CHUNK = 1 << 16
_SPOOL_MEMORY = 4 << 20
RESULT_FILES = ("successfulResults", "failedResults", "unprocessedrecords")


@dataclass(frozen=True)
class IngestResult:
    """Terminal state of an ingest job and its record counts."""

    job_id: str
    state: str
    records_processed: int
    records_failed: int
    error_message: str | None

    @property
    def records_succeeded(self) -> int:
        return self.records_processed - self.records_failed


def create_ingest_job(
    transport: Transport,
    base: str,
    sobject: str,
    operation: str,
    *,
    external_id_field: str | None = None,
    line_ending: str = "LF",
) -> IngestJob:
    """POST ``jobs/ingest`` (state ``Open``) and return the job handle."""
    name = validate_identifier(sobject, "sObject")
    if operation not in INGEST_OPERATIONS:
        raise ConfigError(f"unknown ingest operation {operation!r} for {name}")
    if line_ending not in ("LF", "CRLF"):
        raise ConfigError(f"line_ending must be LF or CRLF, got {line_ending!r}")
    body: dict[str, Any] = {
        "object": name,
        "operation": operation,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": line_ending,
    }
    if operation == "upsert":
        if not external_id_field:
            raise ConfigError(f"upsert into {name} needs external_id_field")
        body["externalIdFieldName"] = validate_field_path(external_id_field)
    response = transport.send(
        "POST", f"{base}/jobs/ingest", json=body, context=f"create {operation} job on {name}",
        idempotent=False,
    )  # fmt: skip
    info = response.json()
    if not isinstance(info, dict) or not info.get("id"):
        raise SalesforceError(f"create {operation} job on {name}: response has no job id")
    return IngestJob(transport, base, info)


class IngestJob:
    """Handle on one Bulk 2.0 ingest job."""

    def __init__(self, transport: Transport, base: str, info: dict[str, Any]) -> None:
        self._transport = transport
        self.info = info
        self.id: str = str(info["id"])
        self.sobject: str | None = info.get("object")
        self.operation: str | None = info.get("operation")
        self._url = f"{base}/jobs/ingest/{self.id}"
        self._fetched: dict[str, IO[bytes]] = {}

    @property
    def describe(self) -> str:
        return f"bulk {self.operation} job {self.id} ({self.sobject})"

    def upload(self, csv_bytes: bytes) -> None:
        """PUT the job's CSV (header + rows). Salesforce answers 201."""
        if len(csv_bytes) > MAX_UPLOAD_BYTES:
            raise ConfigError(
                f"{self.describe}: upload of {len(csv_bytes)} bytes exceeds {MAX_UPLOAD_BYTES}"
            )
        self._transport.send(
            "PUT", f"{self._url}/batches", data=csv_bytes,
            headers={"Content-Type": "text/csv"}, context=f"upload to {self.describe}",
        )  # fmt: skip
        log.info("%s: uploaded %d bytes", self.describe, len(csv_bytes))

    def close(self) -> None:
        """Mark the upload complete so Salesforce queues the job."""
        self._set_state("UploadComplete", "close")

    def abort(self) -> None:
        self._set_state("Aborted", "abort")

    def delete(self) -> None:
        self._transport.send("DELETE", self._url, context=f"delete {self.describe}")

    def _set_state(self, state: str, verb: str) -> None:
        response = self._transport.send(
            "PATCH", self._url, json={"state": state}, context=f"{verb} {self.describe}"
        )
        self.info = {**self.info, **response.json()}

    def wait(
        self,
        timeout: float = 3600.0,
        poll: PollPolicy | None = None,
        raise_on_failure: bool = False,
    ) -> IngestResult:
        """Poll until JobComplete/Failed/Aborted. Times out → abort + SalesforceJobFailed.

        A Failed/Aborted job is returned as data (its result files still matter) unless
        ``raise_on_failure`` is set.
        """
        info = wait_for_job(self._transport, self._url, self.describe, timeout,
                            poll or PollPolicy())  # fmt: skip
        self.info = info
        result = IngestResult(
            job_id=self.id,
            state=str(info.get("state")),
            records_processed=int(info.get("numberRecordsProcessed") or 0),
            records_failed=int(info.get("numberRecordsFailed") or 0),
            error_message=info.get("errorMessage"),
        )
        if result.state != "JobComplete":
            log.warning("%s", failure_message(info, self.describe))
            if raise_on_failure:
                raise SalesforceJobFailed(
                    failure_message(info, self.describe), job_id=self.id, state=result.state
                )
        return result

    def successful_results(self) -> Iterator[dict[str, str]]:
        """Rows with ``sf__Id``, ``sf__Created`` and the uploaded columns."""
        return self._results("successfulResults")

    def failed_results(self) -> Iterator[dict[str, str]]:
        """Rows with ``sf__Id``, ``sf__Error`` and the uploaded columns."""
        return self._results("failedResults")

    def unprocessed_records(self) -> Iterator[dict[str, str]]:
        """Uploaded rows Salesforce never processed (job failed or aborted)."""
        return self._results("unprocessedrecords")

    def fetch_results(self) -> None:
        """Download the three result files now (call it once the job ended); reading them
        afterwards parses the local copies. A file whose download fails is left to be
        streamed when it is read (its error is raised there)."""
        for resource in RESULT_FILES:
            if resource in self._fetched:
                continue
            where = f"{resource} of {self.describe}"
            spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115
            try:
                for chunk in _chunks(self._download(resource), where):
                    spool.write(chunk)
            except SalesforceError as exc:
                spool.close()
                log.warning("%s: fetch failed, read later instead: %s", where, exc)
                continue
            spool.seek(0)
            self._fetched[resource] = spool

    def _download(self, resource: str) -> requests.Response:
        return self._transport.send(
            "GET", f"{self._url}/{resource}", stream=True, context=f"{resource} of {self.describe}",
            headers={"Accept": "text/csv", "Accept-Encoding": "gzip"},
        )  # fmt: skip

    def _results(self, resource: str) -> Iterator[dict[str, str]]:
        where = f"{resource} of {self.describe}"
        fetched = self._fetched.pop(resource, None)
        if fetched is not None:
            body: IO[bytes] | requests.Response = fetched
            chunks: Iterable[bytes] = iter(lambda: fetched.read(_CHUNK), b"")
        else:
            body = self._download(resource)
            chunks = _chunks(body, where)
        try:
            yield from csv.DictReader(_text_lines(chunks), strict=True)
        except csv.Error as exc:
            raise SalesforceError(f"{where}: malformed CSV ({exc})") from None
        finally:
            body.close()


def _chunks(response: requests.Response, where: str) -> Iterator[bytes]:
    """The body's (decoded) bytes; a broken stream is SalesforceUnavailable."""
    try:
        with response:
            yield from response.iter_content(_CHUNK)
    except requests.RequestException as exc:
        raise SalesforceUnavailable(
            f"{where}: download interrupted ({type(exc).__name__})"
        ) from None


def _text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode UTF-8 chunks into lines that keep their line endings."""
    pending = ""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    for chunk in chunks:
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending
