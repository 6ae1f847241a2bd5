"""In-memory fakes of the push ports: a Salesforce with ingest jobs and Collections, a store."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lht.errors import ConcurrentRunError, SalesforceUnavailable
from lht.push.columns import SourceColumn
from lht.push.plan import PushPlan
from lht.push.results import ResultRow
from lht.push.source import PushSource
from lht.salesforce.describe import SObjectDescribe
from lht.salesforce.rest import RecordError, RecordResult


@dataclass
class FakeResult:
    state: str = "JobComplete"
    error_message: str | None = None


class FakeJob:
    """Outcome per row decided by the first cell: FAIL* fails, LOCK* hits a lock once."""

    def __init__(self, sf: FakeSalesforce, number: int, operation: str, ext: str | None) -> None:
        self.sf, self.id, self.operation, self.ext = sf, f"750J{number:014d}", operation, ext
        self.rows: list[dict[str, str]] = []
        self.header: list[str] = []
        self.closed = False
        self.fail_state: str | None = None

    def upload(self, data: bytes) -> None:
        if self.sf.fail_upload_at == len(self.sf.jobs):
            raise SalesforceUnavailable("upload refused")
        self.sf.uploads.append(data)
        reader = csv.DictReader(io.StringIO(data.decode()))
        self.header = list(reader.fieldnames or [])
        self.rows = list(reader)

    def close(self) -> None:
        self.closed = True

    def wait(self, timeout: float = 3600.0, poll: Any = None) -> FakeResult:
        self.sf.waits.append(timeout)
        if self.fail_state:
            return FakeResult(self.fail_state, "InvalidBatch : boom")
        return FakeResult()

    def fetch_results(self) -> None:
        self.sf.events.append(("fetch", self.id))

    def _split(self) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        ok, bad = [], []
        for row in self.rows:
            first = next(iter(row.values()))
            if first.startswith("FAIL") or (
                first.startswith("LOCK") and first not in self.sf.locked
            ):
                bad.append(row)
            else:
                ok.append(row)
        return ok, bad

    def successful_results(self) -> Iterator[dict[str, str]]:
        self.sf.events.append(("read", self.id))
        if self.fail_state:
            return iter([])
        ok, _ = self._split()
        return iter(
            [{"sf__Id": f"003{i:015d}", "sf__Created": "true", **r} for i, r in enumerate(ok)]
        )

    def failed_results(self) -> Iterator[dict[str, str]]:
        if self.fail_state:
            return iter([])
        _, bad = self._split()
        out = []
        for row in bad:
            first = next(iter(row.values()))
            if first.startswith("LOCK"):
                self.sf.locked.add(first)
                err = "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"
            else:
                err = "FIELD_CUSTOM_VALIDATION_EXCEPTION:no FAIL values please:LastName --"
            out.append({"sf__Id": "", "sf__Error": err, **row})
        return iter(out)

    def unprocessed_records(self) -> Iterator[dict[str, str]]:
        return iter(self.rows if self.fail_state else [])

    def abort(self) -> None:
        self.sf.aborted.append(self.id)

    def delete(self) -> None:
        pass


@dataclass
class Usage:
    calls: int = 7


class FakeSalesforce:
    def __init__(self, describe: SObjectDescribe) -> None:
        self._describe = describe
        self.jobs: list[FakeJob] = []
        self.uploads: list[bytes] = []
        self.waits: list[float] = []
        self.aborted: list[str] = []
        self.events: list[tuple[str, str]] = []  # ("fetch" | "read", job id) in order
        self.locked: set[str] = set()
        self.collection_calls: list[tuple[str, list[Any]]] = []
        self.fail_upload_at: int | None = None
        self.fail_job_state: str | None = None
        self.usage = Usage()
        self.described: list[str] = []

    def describe(self, sobject: str) -> SObjectDescribe:
        self.described.append(sobject)
        if sobject == "Account":
            from push_builders import account_describe  # noqa: PLC0415

            return account_describe()
        return self._describe

    def ingest_job(self, sobject: str, operation: str, external_id_field: str | None = None):
        job = FakeJob(self, len(self.jobs) + 1, operation, external_id_field)
        job.fail_state = self.fail_job_state
        self.jobs.append(job)
        return job

    def _answers(self, kind: str, records: list[Any]) -> list[RecordResult]:
        self.collection_calls.append((kind, records))
        out = []
        for i, rec in enumerate(records):
            first = str(next(iter(rec.values())) if isinstance(rec, dict) else rec)
            if first.startswith("FAIL") or (first.startswith("LOCK") and first not in self.locked):
                code = "UNABLE_TO_LOCK_ROW" if first.startswith("LOCK") else "INVALID_FIELD"
                self.locked.add(first)
                out.append(RecordResult(None, False, None, (RecordError(code, "nope", ()),)))
            else:
                out.append(RecordResult(f"003C{i:014d}", True, kind == "insert", ()))
        return out

    def collection_create(self, sobject, records, all_or_none=False):
        return self._answers("insert", list(records))

    def collection_update(self, sobject, records, all_or_none=False):
        return self._answers("update", list(records))

    def collection_upsert(self, sobject, external_id_field, records, all_or_none=False):
        return self._answers("upsert", list(records))

    def collection_delete(self, ids, all_or_none=False):
        return self._answers("delete", list(ids))


@dataclass
class MemoryWriter:
    run_id: str
    results: list[ResultRow] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)

    def add_results(self, rows: Iterable[ResultRow]) -> None:
        self.results.extend(rows)

    def add_sent(self, key: str, row_hash: str) -> None:
        self.sent.append((key, row_hash))


class MemoryStore:
    def __init__(self, columns: list[SourceColumn], rows: list[tuple[Any, ...]]) -> None:
        self.columns = columns
        self.source_rows = rows
        self.hashes: dict[tuple[str, str, str], str] = {}
        self.runs: list[dict[str, Any]] = []
        self.results: list[ResultRow] = []
        self.failed_runs: list[dict[str, Any]] = []
        self.unknown: list[str] = []
        self.commit_error: Exception | None = None
        self.read_count = 0
        self.locked_by: str | None = None

    def ensure_tables(self) -> None:
        pass

    def source_columns(self, source: PushSource) -> list[SourceColumn]:
        return self.columns

    def rows(self, plan: PushPlan) -> Iterator[tuple[tuple[Any, ...], str | None]]:
        index = plan.columns.match_index
        for row in self.source_rows:
            self.read_count += 1
            stored = None
            if plan.options.only_changed and index is not None:
                stored = self.hashes.get((plan.source.identity, plan.sobject, str(row[index])))
            yield row, stored

    @contextlib.contextmanager
    def lock(self, plan: PushPlan, run_id: str) -> Iterator[None]:
        if self.locked_by:
            raise ConcurrentRunError(f"held by {self.locked_by}")
        self.locked_by = run_id
        try:
            yield
        finally:
            self.locked_by = None

    def writer(self, run_id: str, sobject: str) -> MemoryWriter:
        return MemoryWriter(run_id)

    def commit(
        self, writer: MemoryWriter, plan: PushPlan, run: Mapping[str, Any], *, failed: bool = False
    ) -> int:
        if self.commit_error:
            raise self.commit_error
        self.results.extend(writer.results)
        answered = {r.source_key for r in writer.results}
        unknown = {k for k, _ in writer.sent if k not in answered} if failed else set()
        self.unknown.extend(sorted(unknown))
        if plan.options.only_changed:
            accepted = {r.source_key for r in writer.results if r.success}
            for key, digest in writer.sent:
                if key in accepted:
                    self.hashes[(plan.source.identity, plan.sobject, key)] = digest
        self.runs.append(dict(run))
        return len(unknown)

    def record_failed_run(self, run: Mapping[str, Any]) -> None:
        self.failed_runs.append(dict(run))
