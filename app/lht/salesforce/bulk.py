"""Bulk API 2.0 query jobs: create, poll, read result pages, abort, delete.

Downloads live in :mod:`lht.salesforce.bulk_pages`: :meth:`BulkQueryJob.download` yields
pages spooled as served (gzip kept, several at once through ``resultPages``);
:meth:`BulkQueryJob.pages` is the simple form, one inflated, row-counted page after the
other. A page whose body is cut short, does not end on a record boundary, or whose row count
differs from ``Sforce-NumberOfRecords`` is downloaded again, and raises once retries are
exhausted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lht.errors import ConfigError, SalesforceError, SalesforceJobFailed
from lht.salesforce.bulk_pages import RecordCounter, ResultPage, ResultPages, parse_header_line
from lht.salesforce.transport import Transport

__all__ = [
    "BulkPage",
    "BulkQueryJob",
    "PollPolicy",
    "ResultPage",
    "count_csv_records",
    "create_query_job",
    "list_jobs",
    "wait_for_job",
]

log = logging.getLogger(__name__)

MAX_SOQL_CHARS = 100_000
TERMINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


@dataclass(frozen=True)
class PollPolicy:
    """When to look at a job again: after ``fraction`` of the time it has run so far, but at
    least ``min_interval`` and at most ``max_interval`` seconds (README "Job polling").

    A job that finishes just after a poll is noticed one wait later, so completion is noticed
    at most ``max(min_interval, fraction × elapsed)`` late: with the defaults ≤ 1 s for jobs
    shorter than 10 s, ≤ 10% of the elapsed time after that. The waits grow by
    ``1 + fraction`` per poll, so the number of polls grows with the logarithm of the job's
    duration (:meth:`polls_within`), unlike a fixed interval.
    """

    fraction: float = 0.1
    min_interval: float = 1.0
    max_interval: float = 120.0

    def __post_init__(self) -> None:
        if self.fraction < 0 or self.min_interval < 0 or self.max_interval < self.min_interval:
            raise ConfigError("poll policy needs fraction >= 0 and 0 <= min <= max interval")

    def wait(self, elapsed: float) -> float:
        """Seconds to wait before the next poll, ``elapsed`` seconds after job creation."""
        return min(self.max_interval, max(self.min_interval, self.fraction * elapsed))

    def polls_within(self, seconds: float) -> int:
        """Polls made for a job that runs ``seconds`` (the worst case for that duration: it
        finishes just after a poll), counting the first one at creation time."""
        if self.max_interval <= 0:
            raise ConfigError("polls_within needs a positive max_interval")
        elapsed, polls = 0.0, 1
        while elapsed < seconds:
            elapsed += self.wait(elapsed)
            polls += 1
        return polls


@dataclass(frozen=True)
class BulkPage:
    """One result page: raw CSV bytes as served (header included) and its metadata."""

    header: list[str] = field(hash=False)
    raw: bytes
    records: int
    locator: str | None


def count_csv_records(raw: bytes) -> tuple[int, bool]:
    """(data rows, ends cleanly) for RFC-4180 CSV bytes with a header row.

    A record ends at a newline outside quotes. "Ends cleanly" means the body is empty or
    its last byte is a newline that closes a record (no open quote, nothing after it).
    """
    counter = RecordCounter()
    counter.feed(raw)
    return counter.records, counter.clean


def parse_header(raw: bytes) -> list[str]:
    """Column names from the first line of a CSV page (names never contain newlines)."""
    return parse_header_line(raw.split(b"\n", 1)[0])


def wait_for_job(
    transport: Transport,
    url: str,
    describe: str,
    timeout: float,
    poll: PollPolicy,
) -> dict[str, Any]:
    """Poll job info at ``url`` until terminal; return it. Abort and raise on timeout.

    The first poll is sent at once, then each after ``poll.wait(elapsed)``, elapsed counted
    from this call (just after the job was created)."""
    clock = transport.clock
    started = clock()
    deadline = started + timeout
    polls = 0
    while True:
        info = transport.send("GET", url, context=describe).json()
        polls += 1
        state = info.get("state")
        if state in TERMINAL_STATES:
            log.info("%s %s after %.1fs (%d poll(s))", describe, state, clock() - started, polls)
            return dict(info)
        now = clock()
        if now >= deadline:
            _abort_quietly(transport, url, describe)
            raise SalesforceJobFailed(
                f"{describe} still {state} after {timeout:.0f}s ({polls} polls); aborted",
                job_id=info.get("id"),
                state=state,
            )
        wait = min(poll.wait(now - started), deadline - now)  # the last poll at the deadline
        log.debug("%s is %s; polling again in %.2fs", describe, state, wait)
        transport.pause_for(wait)


def _abort_quietly(transport: Transport, url: str, describe: str) -> None:
    try:
        transport.send("PATCH", url, json={"state": "Aborted"}, context=f"abort {describe}")
    except SalesforceError as exc:
        log.warning("could not abort %s: %s", describe, exc)


def failure_message(info: dict[str, Any], describe: str) -> str:
    reason = info.get("errorMessage") or "no errorMessage given"
    return f"{describe} ended {info.get('state')}: {reason}"


def create_query_job(
    transport: Transport, base: str, soql: str, include_deleted: bool = True
) -> dict[str, Any]:
    """POST ``jobs/query``; returns the job info (state ``UploadComplete``)."""
    if len(soql) > MAX_SOQL_CHARS:
        raise ConfigError(f"Bulk query SOQL is {len(soql)} characters; the limit is 100,000")
    body = {
        "operation": "queryAll" if include_deleted else "query",
        "query": soql,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    response = transport.send(
        "POST", f"{base}/jobs/query", json=body, context=f"create bulk query job [{soql}]"
    )
    info = response.json()
    if not isinstance(info, dict) or not info.get("id"):
        raise SalesforceError(f"create bulk query job [{soql}]: response has no job id")
    return info


class BulkQueryJob:
    """A Bulk 2.0 query job that has reached ``JobComplete``."""

    def __init__(
        self,
        transport: Transport,
        base: str,
        info: dict[str, Any],
        max_records: int | None = None,
    ) -> None:
        if max_records is not None and max_records <= 0:
            raise ConfigError(f"max_records must be positive, got {max_records}")
        self._transport = transport
        self.info = info
        self.id: str = str(info["id"])
        self.sobject: str | None = info.get("object")
        self.max_records = max_records
        self._url = f"{base}/jobs/query/{self.id}"
        self._results = ResultPages(transport, self._url, self.describe, _version_number(base))

    @property
    def describe(self) -> str:
        return f"bulk query job {self.id} ({self.sobject})"

    @property
    def records_processed(self) -> int | None:
        value = self.info.get("numberRecordsProcessed")
        return None if value is None else int(value)

    def download(
        self, streams: int = 1, max_records: int | None = None, count: bool = False
    ) -> Iterator[ResultPage]:
        """Result pages spooled as served (close each when done): in order with one stream,
        in completion order with more (``resultPages``, up to ``streams`` downloads at once).
        ``count`` also counts the rows of gzip bodies (plain ones always are)."""
        return self._results.pages(max_records or self.max_records, streams, count)

    def pages(self, max_records: int | None = None) -> Iterator[BulkPage]:
        """Download result pages in order, following ``Sforce-Locator`` until ``null``."""
        for page in self.download(1, max_records, count=True):
            yield BulkPage(page.header, page.read_csv(), page.records, page.next_locator)

    def abort(self) -> None:
        self._transport.send("PATCH", self._url, json={"state": "Aborted"},
                             context=f"abort {self.describe}")  # fmt: skip

    def delete(self) -> None:
        self._transport.send("DELETE", self._url, context=f"delete {self.describe}")


def _version_number(base: str) -> float:
    """``.../services/data/v62.0`` → 62.0."""
    return float(base.rstrip("/").rsplit("/v", 1)[-1])


def list_jobs(transport: Transport, base: str, kind: str) -> Iterator[dict[str, Any]]:
    """All Bulk 2.0 jobs of ``kind`` ("query" or "ingest"), following ``nextRecordsUrl``."""
    if kind not in ("query", "ingest"):
        raise ConfigError(f"job kind must be 'query' or 'ingest', got {kind!r}")
    url: str | None = f"{base}/jobs/{kind}"
    while url:
        body = transport.send("GET", url, context=f"list {kind} jobs").json()
        yield from body.get("records") or ()
        url = None if body.get("done", True) else body.get("nextRecordsUrl")
