"""The two ports the push executor talks through.

``PushSalesforce`` is the subset of :class:`lht.salesforce.client.SalesforceClient` a push
uses (describe, Bulk 2.0 ingest jobs, sObject Collections, usage). ``PushStore`` is the
warehouse side as whole steps (read the source's columns, stream its rows, collect results,
commit the run); :mod:`lht.push.store` implements it with the push statement builders.
Unit tests implement both with in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from lht.push.columns import SourceColumn
from lht.push.plan import PushPlan
from lht.push.results import ResultRow
from lht.push.source import PushSource
from lht.salesforce.describe import SObjectDescribe

__all__ = ["IngestJobPort", "PushSalesforce", "PushStore", "RunWriter"]


class IngestJobPort(Protocol):
    @property
    def id(self) -> str: ...
    def upload(self, csv_bytes: bytes) -> None: ...
    def close(self) -> None: ...
    def wait(self, timeout: float = 3600.0) -> Any: ...  # IngestResult
    def fetch_results(self) -> None:
        """Download the three result files now (the job ended); read them later."""
        ...

    def successful_results(self) -> Iterator[dict[str, str]]: ...
    def failed_results(self) -> Iterator[dict[str, str]]: ...
    def unprocessed_records(self) -> Iterator[dict[str, str]]: ...
    def abort(self) -> None: ...
    def delete(self) -> None: ...


class PushSalesforce(Protocol):
    def describe(self, sobject: str) -> SObjectDescribe: ...
    def ingest_job(
        self, sobject: str, operation: str, external_id_field: str | None = None
    ) -> Any: ...  # IngestJobPort
    def collection_create(
        self, sobject: str, records: Iterable[Mapping[str, Any]], all_or_none: bool = False
    ) -> list[Any]: ...
    def collection_update(
        self, sobject: str, records: Iterable[Mapping[str, Any]], all_or_none: bool = False
    ) -> list[Any]: ...
    def collection_upsert(
        self,
        sobject: str,
        external_id_field: str,
        records: Iterable[Mapping[str, Any]],
        all_or_none: bool = False,
    ) -> list[Any]: ...
    def collection_delete(self, ids: Iterable[str], all_or_none: bool = False) -> list[Any]: ...
    @property
    def usage(self) -> Any: ...  # ApiUsage: ``.calls``


class RunWriter(Protocol):
    """Collects one run's per-row results and sent hashes until the commit."""

    def add_results(self, rows: Iterable[ResultRow]) -> None: ...
    def add_sent(self, key: str, row_hash: str) -> None: ...


class PushStore(Protocol):
    def ensure_tables(self) -> None: ...
    def source_columns(self, source: PushSource) -> list[SourceColumn]: ...
    def rows(self, plan: PushPlan) -> Iterator[tuple[tuple[Any, ...], str | None]]:
        """(values in plan column order, stored hash or None) per source row."""
        ...

    def writer(self, run_id: str, sobject: str) -> RunWriter: ...
    def lock(self, plan: PushPlan, run_id: str) -> AbstractContextManager[Any]:
        """Held while the run sends and commits; a second push of the same source → object
        fails fast with ConcurrentRunError."""
        ...

    def commit(
        self, writer: RunWriter, plan: PushPlan, run: Mapping[str, Any], *, failed: bool = False
    ) -> int:
        """One transaction: results, accepted hashes (diff mode), the PUSH_RUNS row; with
        ``failed``, sent rows without a result recorded ``unknown`` (returns how many)."""
        ...

    def record_failed_run(self, run: Mapping[str, Any]) -> None: ...
