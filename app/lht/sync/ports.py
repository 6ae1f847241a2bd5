"""The two ports the sync executor talks through, and the values crossing them.

``SalesforcePort`` is the subset of :class:`lht.salesforce.client.SalesforceClient` a sync
uses. ``SyncStore`` is the warehouse side, expressed as whole steps (create staging, COPY,
commit a MERGE with its watermark and run row...) so the executor reads as the sequence of a
run; :mod:`lht.sync.store` implements it with the warehouse statement builders and runner.
Unit tests implement both with in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Protocol

from lht.salesforce.describe import Field, SObjectDescribe
from lht.sync.plan import PriorState, SyncPlan

__all__ = [
    "BulkJobPort",
    "BulkPagePort",
    "LoadCounts",
    "RunRecord",
    "SalesforcePort",
    "SyncStore",
    "Target",
]


class BulkPagePort(Protocol):
    @property
    def raw(self) -> bytes: ...
    @property
    def records(self) -> int: ...


class BulkJobPort(Protocol):
    @property
    def id(self) -> str: ...
    def pages(self) -> Iterator[Any]: ...
    def delete(self) -> None: ...


class SalesforcePort(Protocol):
    def describe(self, sobject: str) -> SObjectDescribe: ...
    def count(self, sobject: str, where: str | None = None) -> int: ...
    def query_records(
        self, soql: str, include_deleted: bool = True
    ) -> Iterator[dict[str, Any]]: ...
    def bulk_query(
        self,
        soql: str,
        include_deleted: bool = True,
        max_records: int | None = None,
        poll_timeout: float = 3600.0,
    ) -> Any: ...
    @property
    def usage(self) -> Any: ...  # ApiUsage: ``.calls`` = API calls made by this client
    def server_time(self) -> datetime | None: ...  # Salesforce's clock (HTTP Date), if known


@dataclass(frozen=True)
class Target:
    """A validated target: upper-cased unquoted names (SQL quoting is the store's job)."""

    schema: str
    table: str

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class LoadCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class RunRecord:
    """One SYNC_RUNS row."""

    run_id: str
    sobject: str
    target: Target
    method: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    estimated_records: int | None = None
    rows_extracted: int = 0
    counts: LoadCounts = LoadCounts()
    bytes_staged: int = 0
    api_calls: int = 0
    watermark_from: datetime | None = None
    watermark_to: datetime | None = None
    error: str | None = None


class SyncStore(Protocol):
    def target(self, schema: str, table: str) -> Target: ...
    def ensure_state(self) -> None: ...
    def acquire_lock(self, target: Target, run_id: str, stale_seconds: int) -> None: ...
    def release_lock(self, target: Target, run_id: str) -> None: ...
    def abandon_lock(self, target: Target, run_id: str) -> None: ...
    def read_state(self, sobject: str, target: Target) -> PriorState: ...
    def start_run(self, run: RunRecord) -> None: ...
    def table_columns(self, target: Target) -> dict[str, str] | None: ...
    def column_type(self, field: Field) -> str: ...
    def stage_prefix(self, sobject: str, run_id: str) -> str: ...
    def put_file(self, prefix: str, name: str, gz: bytes | IO[bytes]) -> None: ...
    def create_staging(self, target: Target, run_id: str, columns: tuple[str, ...]) -> str: ...
    def copy_staging(self, staging: str, path: str) -> dict[str, int]: ...  # file → rows
    def apply_incremental(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts: ...
    def apply_full(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts: ...
    def record_failure(self, run: RunRecord, started: bool) -> None: ...
    def cleanup(self, staging: str, prefix: str) -> None: ...
    def leftovers(self) -> tuple[str, ...]: ...
