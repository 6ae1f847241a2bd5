"""In-memory fakes of the executor's ports (Salesforce client, warehouse store)."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from lht.errors import ConcurrentRunError, ConfigError, SalesforceJobFailed, WarehouseError
from lht.salesforce.bulk_pages import ResultPage, parse_header_line
from lht.salesforce.describe import Field, SObjectDescribe
from lht.sync.plan import PriorState, SyncPlan
from lht.sync.ports import LoadCounts, RunRecord, Target


@dataclass(frozen=True)
class Page:
    raw: bytes
    records: int


@dataclass
class Usage:
    calls: int = 0


class FakeJob:
    """Serves ``pages`` as gzip bodies, the way Salesforce answers ``Accept-Encoding: gzip``."""

    def __init__(self, pages: list[Page | Exception]) -> None:
        self.id = "750000000000001AAA"
        self._pages = pages
        self.deleted = False
        self.streams: list[int] = []

    def download(self, streams: int = 1) -> Iterator[ResultPage]:
        self.streams.append(streams)
        for number, page in enumerate(self._pages, start=1):
            if isinstance(page, Exception):
                raise page
            body = gzip.compress(page.raw)
            header = parse_header_line(page.raw.split(b"\n", 1)[0])
            yield ResultPage(number, page.records, header, True, io.BytesIO(body), len(body),
                             None, counted=False)  # fmt: skip

    def delete(self) -> None:
        self.deleted = True


class FakeSalesforce:
    def __init__(self, describe: SObjectDescribe, records: list[dict[str, Any]]) -> None:
        self._describe = describe
        self.records = records
        self.usage = Usage()
        self.page_size = 2
        self.bulk_pages: list[Page | Exception] | None = None
        self.fail_job = False
        self.jobs: list[FakeJob] = []
        self.soql: list[str] = []
        self.server_now: datetime | None = None
        self.count_error: Exception | None = None  # raised by count() when set

    def server_time(self) -> datetime | None:
        return self.server_now

    def describe(self, sobject: str) -> SObjectDescribe:
        self.usage.calls += 1
        if sobject.lower() != self._describe.name.lower():
            raise ConfigError(f"unknown sObject {sobject}")
        return self._describe

    def count(self, sobject: str, where: str | None = None) -> int:
        self.usage.calls += 1
        if self.count_error is not None:
            raise self.count_error
        return len(self.records)

    def query_records(self, soql: str, include_deleted: bool = True) -> Iterator[dict[str, Any]]:
        self.soql.append(soql)
        self.usage.calls += 1
        yield from self.records

    def bulk_query(self, soql: str, include_deleted: bool = True, max_records: int | None = None,
                   poll_timeout: float = 3600.0) -> FakeJob:  # fmt: skip
        self.soql.append(soql)
        self.usage.calls += 2
        if self.fail_job:
            raise SalesforceJobFailed("job failed: boom", job_id="750X", state="Failed")
        job = FakeJob(self.bulk_pages if self.bulk_pages is not None else self._csv_pages(soql))
        self.jobs.append(job)
        return job

    def _csv_pages(self, soql: str) -> list[Page | Exception]:
        names = [n.strip() for n in soql[len("SELECT ") : soql.index(" FROM ")].split(",")]
        pages: list[Page | Exception] = []
        for start in range(0, len(self.records), self.page_size):
            chunk = self.records[start : start + self.page_size]
            buf = io.StringIO()
            writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(names)
            for rec in chunk:
                writer.writerow(["" if rec.get(n) is None else str(rec.get(n)) for n in names])
            pages.append(Page(buf.getvalue().encode(), len(chunk)))
        return pages


@dataclass
class FakeStore:
    """Records every call; the "table" is a dict Id → row of strings."""

    columns: dict[str, str] | None = None
    prior: PriorState = field(default_factory=PriorState)
    calls: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    staged_rows: list[list[str]] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    lock_held: bool = False
    locked_by_other: bool = False
    fail_on: str | None = None
    drop_rows: int = 0
    staging_name: str | None = None
    cleaned: bool = False

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_on == name:
            raise WarehouseError(f"injected failure in {name}")

    def target(self, schema: str, table: str) -> Target:
        self._call("target")
        for name in (schema, table):
            if not name.replace("_", "").isalnum() or not name.isascii():
                raise ConfigError(f"invalid identifier {name!r}")
        return Target(schema.upper(), table.upper())

    def ensure_state(self) -> None:
        self._call("ensure_state")

    def acquire_lock(self, target: Target, run_id: str, stale_seconds: int) -> None:
        self._call("acquire_lock")
        if self.locked_by_other:
            raise ConcurrentRunError(f"{target.name} is being synced by another run")
        self.lock_held = True

    def release_lock(self, target: Target, run_id: str) -> None:
        self._call("release_lock")
        self.lock_held = False

    def abandon_lock(self, target: Target, run_id: str) -> None:
        self._call("abandon_lock")
        self.lock_held = False

    def read_state(self, sobject: str, target: Target) -> PriorState:
        return self.prior

    def table_columns(self, target: Target) -> dict[str, str] | None:
        return self.columns

    def column_type(self, f: Field) -> str:
        return "VARCHAR"

    def stage_prefix(self, sobject: str, run_id: str) -> str:
        return f"@LHT.LHT_STAGE/{sobject}/{run_id}/"

    def put_file(self, prefix: str, name: str, gz: bytes | IO[bytes]) -> None:
        self._call("put_file")
        self.files[prefix + name] = gz if isinstance(gz, bytes) else gz.read()

    def create_staging(self, target: Target, run_id: str, columns: tuple[str, ...]) -> str:
        self._call("create_staging")
        self.staging_name = f'LHT."{target.table}__LHT_STG_{run_id[:8]}"'
        return self.staging_name

    def copy_staging(self, staging: str, path: str) -> dict[str, int]:
        """Loads every not yet loaded file under ``path``; ``drop_rows`` are lost from the
        first file (as a truncated page would be)."""
        self._call("copy_staging")
        loaded: dict[str, int] = {}
        for name in sorted(self.files):
            if name.startswith(path) and not name.endswith(".loaded"):
                rows = list(csv.reader(io.StringIO(gzip.decompress(self.files[name]).decode())))
                lost = self.drop_rows if not loaded else 0
                self.staged_rows.extend(rows[1 + lost :])
                loaded[name.rsplit("/", 1)[-1]] = len(rows) - 1 - lost
                self.files[name + ".loaded"] = b""
        return loaded

    def apply_incremental(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts:
        self._call("apply_incremental")
        self.runs.append(run)
        return LoadCounts(inserted=len(self.staged_rows))

    def apply_full(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts:
        self._call("apply_full")
        self.runs.append(run)
        return LoadCounts(inserted=len(self.staged_rows))

    def start_run(self, run: RunRecord) -> None:
        self._call("start_run")
        self.runs.append(run)

    def record_failure(self, run: RunRecord, started: bool) -> None:
        self._call("record_failure")
        self.runs.append(run)

    def cleanup(self, staging: str, prefix: str) -> None:
        self._call("cleanup")
        self.cleaned = True

    def leftovers(self) -> tuple[str, ...]:
        if self.staging_name is None or self.cleaned:
            return ()
        prefix = next(iter(self.files), "").rsplit("/", 1)[0]
        return (f"table {self.staging_name}", f"files {prefix}/")
