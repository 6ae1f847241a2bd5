"""The in-process state of one emulated org: schema, data, clock, limits, faults, log, options,
jobs.

Data API (used by REST handlers and the Bulk modules alike): `run_query`, `count`, `insert`,
`update`, `upsert`, `delete`, `undelete`, `purge`; schema change with `add_field`.
"""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from emulator.catalog import DEFAULT_COUNTS, build_schema
from emulator.core import deletelog, mutations
from emulator.core.auth import AuthState
from emulator.core.clock import Clock
from emulator.core.datagen import GenContext
from emulator.core.faults import Faults
from emulator.core.limits import Limits
from emulator.core.options import Options, register_option
from emulator.core.pruning import candidate_indices
from emulator.core.query_exec import (
    RowFn,
    column_blocks,
    compile_condition,
    order_indices,
    project_blocks,
    resolve_semi_joins,
)
from emulator.core.reqlog import RequestLog
from emulator.core.schema import FieldDef, ObjectDef, Schema
from emulator.core.store import ColumnFn, ObjectData, relationship_fn
from emulator.core.writes import RecordError, RecordRule
from emulator.core.writes_org import WriteMixin
from emulator.http import SalesforceHttpError
from emulator.soql import Query, resolve_path
from emulator.soql.syntax import SemiJoin

register_option(
    "clock.frozen", False, "Freeze the org clock (it only moves via /__emulator/clock)."
)
register_option(
    "data.history_end", "2025-01-01T00:00:00Z", "End of the generated data's timeline (UTC)."
)
register_option("data.history_days", 730, "Length of the generated data's timeline in days.")
register_option("request_log.max_entries", 10000, "Request-log ring size.")
register_option(
    "data.recycle_bin_days",
    15,
    "Soft-deleted rows are purged (gone from queryAll) this many days after deletion (0 = never).",
)


def _parse_moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class Org(WriteMixin):
    """State of the emulated org. Thread-safe for concurrent HTTP handlers (writes take `lock`)."""

    def __init__(
        self,
        seed: int = 42,
        datasets: dict[str, int] | None = None,
        options: dict[str, Any] | None = None,
        work_dir: Path | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.options = Options(options)
        self.clock = Clock(frozen=bool(self.options["clock.frozen"]))
        self.limits = Limits()
        self.faults = Faults()
        self.request_log = RequestLog(int(self.options["request_log.max_entries"]))
        self.auth = AuthState()
        self.rules: list[RecordRule] = []
        self.jobs: dict[str, Any] = {}
        self.cursors: dict[str, Any] = {}  # REST query locators
        self._initial_seed = seed
        self._initial_counts = dict(datasets or {})
        self._rule_ids = itertools.count(1)
        self.seed = seed
        self.base_url = "http://127.0.0.1"
        self.schema_changed_at = self.clock.now()
        self.counts: dict[str, int] = {}
        self.schema: Schema = build_schema()
        self._data: dict[str, ObjectData] = {}
        self.load(seed, self._initial_counts)
        self._own_work_dir = work_dir is None  # created last: a bad argument leaves nothing behind
        self.work_dir = work_dir or Path(tempfile.mkdtemp(prefix="lht-emulator-"))

    # -- lifecycle ---
    def load(
        self, seed: int, datasets: dict[str, int] | None = None, keep_counts: bool = False
    ) -> None:
        """(Re)generate all data from `seed`; dataset sizes default to DEFAULT_COUNTS."""
        with self.lock:
            counts = dict(DEFAULT_COUNTS if not keep_counts else self.counts)
            for name, count in (datasets or {}).items():
                obj = self.schema.get(name)
                if obj is None:
                    raise ValueError(f"unknown sObject {name!r} in datasets")
                if obj.name == "Organization" and int(count) != 1:
                    raise ValueError("Organization has exactly one row")
                counts[obj.name] = int(count)
            self.seed, self.counts = seed, counts
            self.schema = build_schema()
            self._data = {obj.name: ObjectData(obj, self._context(obj.name)) for obj in self.schema}
            self.schema_changed_at = self.clock.now().replace(microsecond=0)

    def _context(self, sobject: str) -> GenContext:
        return GenContext(
            seed=self.seed,
            sobject=sobject,
            counts=self.counts,
            prefixes={obj.name: obj.key_prefix for obj in self.schema},
            history_end=_parse_moment(str(self.options["data.history_end"])),
            history_days=int(self.options["data.history_days"]),
            settings=self.options.as_dict(),
        )

    def reset(self) -> None:
        """Back to the state right after construction (data, schema, limits, faults, jobs,
        options)."""
        with self.lock:
            self.options.reset()
            self.clock = Clock(frozen=bool(self.options["clock.frozen"]))
            self.limits.reset()
            self.faults.clear()
            self.request_log.clear()
            self.rules.clear()
            self.jobs.clear()
            self.cursors.clear()
            self.auth.reset_counters()
            self.clear_work_dir()
            self.load(self._initial_seed, self._initial_counts)

    def clear_work_dir(self) -> None:
        for child in self.work_dir.iterdir() if self.work_dir.exists() else []:
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the work dir (if the org created it)."""
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        else:
            self.clear_work_dir()

    # -- schema ---
    def object(self, sobject: str) -> ObjectDef:
        """Object metadata; unknown names raise 404 NOT_FOUND (as sObject URLs do)."""
        obj = self.schema.get(sobject)
        if obj is None:
            raise SalesforceHttpError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj

    def data(self, sobject: str) -> ObjectData:
        return self._data[self.object(sobject).name]

    def add_field(self, sobject: str, fdef: FieldDef) -> FieldDef:
        """Schema change: the field appears in describe; existing rows read its default
        (usually null)."""
        with self.lock:
            self.object(sobject).add_field(fdef)
            self.schema_changed_at = self.clock.now().replace(microsecond=0)
            for other in self._data.values():
                other.invalidate()
        return fdef

    def field_of(self, sobject: str, path: str) -> FieldDef:
        resolved = resolve_path(self.schema, self.object(sobject), path)
        if isinstance(resolved, str):
            raise KeyError(path)
        return resolved[1]

    def empty_recycle_bin(self, sobject: str) -> list[str]:
        """Purge soft-deleted rows deleted more than `data.recycle_bin_days` ago (org clock)."""
        days = int(self.options["data.recycle_bin_days"])
        if days <= 0:
            return []
        data = self.data(sobject)
        cutoff = self.clock.now() - timedelta(days=days)
        stamp = data.field_fn("SystemModstamp")
        expired = [data.make_id(i) for i in list(data.deleted) if stamp(i) < cutoff]
        for record_id in expired:
            self.purge(sobject, record_id)
        return expired

    # -- reading ---
    def path_fn(self, sobject: str, path: str) -> RowFn:
        """index -> value of a (dotted) field path on `sobject`."""
        return relationship_fn(self._by_id_fn, self.data(sobject), path)

    def _by_id_fn(self, sobject: str, path: str) -> Callable[[str], Any]:
        data, fn = self.data(sobject), self.path_fn(sobject, path)

        def value(record_id: str) -> Any:
            index = data.index_of(record_id)
            return None if index is None else fn(index)

        return value

    def matching_indices(self, query: Query, include_deleted: bool) -> Iterable[int]:
        """Row indices matching the query's WHERE, ORDER BY, OFFSET and LIMIT."""
        data = self.data(query.sobject)
        if data.deleted:
            self.empty_recycle_bin(data.obj.name)
        rows: Iterable[int] = candidate_indices(data, query.where)
        deleted = data.deleted
        if not include_deleted and deleted:
            rows = (i for i in rows if i not in deleted)
        if query.where is not None:
            predicate = compile_condition(
                resolve_semi_joins(query.where, self._semi_join_values),
                lambda p: self.path_fn(query.sobject, p),
                lambda p: self.field_of(query.sobject, p),
                self.clock.now(),
            )
            rows = filter(predicate, rows)
        if query.order_by:
            ordered = list(rows)
            order_indices(
                ordered,
                query.order_by,
                lambda p: self.path_fn(query.sobject, p),
                lambda p: self.field_of(query.sobject, p),
            )
            rows = ordered
        start = query.offset or 0
        if start or query.limit is not None:
            stop = None if query.limit is None else start + query.limit
            rows = itertools.islice(rows, start, stop)
        return rows

    def _semi_join_values(self, semi: SemiJoin) -> tuple[Any, ...]:
        """The distinct non-null values a semi/anti-join sub-select selects (live rows)."""
        return tuple({row[0] for row in self.run_query(semi.sub, False) if row[0] is not None})

    def run_query(self, query: Query, include_deleted: bool) -> Iterator[tuple[Any, ...]]:
        """Rows of plain select fields, in select order, as Python values (UTC-aware datetimes)."""
        data = self.data(query.sobject)
        columns = [self._column_fn(data, path) for path in query.fields]
        return project_blocks(self.matching_indices(query, include_deleted), columns)

    def csv_blocks(
        self, query: Query, include_deleted: bool, formats: list[Callable[[Any], str] | None]
    ) -> Iterator[list[list[str | None]]]:
        """Matching rows as blocks of columns already rendered as Bulk CSV cell text (None for
        null): `formats[k]` renders column k's values (None: the values are text already)."""
        data = self.data(query.sobject)
        columns = [
            self._column_fn(data, path, fmt)
            for path, fmt in zip(query.fields, formats, strict=True)
        ]
        return column_blocks(self.matching_indices(query, include_deleted), columns)

    def _column_fn(
        self, data: ObjectData, path: str, fmt: Callable[[Any], str] | None = None
    ) -> ColumnFn:
        if "." not in path:
            return data.csv_fn(path, fmt)
        fn = self.path_fn(data.obj.name, path)
        if fmt is None:
            return lambda arr, idx: [fn(i) for i in idx]
        return lambda arr, idx: [None if (v := fn(i)) is None else fmt(v) for i in idx]

    def count(self, query: Query, include_deleted: bool) -> int:
        if query.where is None and query.limit is None and not query.offset:
            return self.data(query.sobject).live_count(include_deleted)
        unordered = dataclasses.replace(query, order_by=()) if query.limit is None else query
        return sum(1 for _ in self.matching_indices(unordered, include_deleted))

    def get_record(
        self, sobject: str, record_id: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        """Field values of one live record (describe order), or RecordError
        NOT_FOUND/MALFORMED_ID."""
        data = self.data(sobject)
        index = self.require_index(data, record_id)
        if index in data.deleted:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        return data.record(index, fields)

    def purge_delete_log(self, sobject: str, before: datetime | None = None) -> int:
        """`emulator.core.deletelog.purge_delete_log` on this org."""
        return deletelog.purge_delete_log(self, sobject, before)

    def mutate(self, sobject: str, action: str, **kwargs: Any) -> list[str]:
        """`emulator.core.mutations.mutate` on this org (kwargs: ids=, count=, values=)."""
        return mutations.mutate(self, sobject, action, **kwargs)

    # -- record-error rules ---
    def add_rule(self, rule: RecordRule) -> RecordRule:
        with self.lock:
            rule = RecordRule(**{**rule.__dict__, "id": next(self._rule_ids)})
            self.rules.append(rule)
            return rule

    def check_rules(
        self, sobject: str, operation: str, values: dict[str, Any], record_id: str | None
    ) -> None:
        for rule in list(self.rules):
            rule.check(sobject, operation, values, record_id)
