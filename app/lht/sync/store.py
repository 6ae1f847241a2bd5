"""``WarehouseSyncStore``: the executor's warehouse port, built from the warehouse builders.

This module sequences statements; it writes no SQL itself (every statement comes from
:mod:`lht.warehouse.statements` / :mod:`lht.warehouse.state_statements` and runs through one
:class:`~lht.warehouse.runner.StatementRunner`, the only place driver errors are mapped).

Incremental apply: drift ``ADD COLUMN`` (DDL, so before BEGIN) → BEGIN → one deduplicated,
typed MERGE from staging (a matched row changes only when the staged SystemModstamp is not
older; conversions fail loudly and roll back) → watermark → run row → COMMIT.

Full apply, live table with unchanged column types: the same, with an unguarded MERGE plus
the rows absent from Salesforce flagged ISDELETED (soft) or deleted (hard), all in that one
transaction — atomic with the watermark, grants untouched, unchanged rows not copied.

Full apply, no live table (first sync) or changed column types: ``<TABLE>__LHT_NEW_<run>``
is loaded from staging (soft policy: absent rows carried over flagged ISDELETED), then put
in place — ``ALTER TABLE ... RENAME TO`` when there is no live table (no second copy),
``CREATE OR REPLACE TABLE ... COPY GRANTS AS SELECT`` otherwise — then BEGIN → watermark →
run row → COMMIT. The rename/replace is DDL and commits on its own: a process dying after it
leaves the new data with the old watermark (none on a first sync) and a RUNNING run row; the
rerun re-reads from that watermark (a first sync: full again) and converges.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import IO, Any

from lht.errors import LhtError, WarehouseError
from lht.model import Column
from lht.salesforce.describe import Field
from lht.state.bootstrap import ensure_state_tables, refuse_state_schema
from lht.state.locks import TargetLock
from lht.state.watermarks import advance_watermark, read_sync_state
from lht.sync import leftovers
from lht.sync.plan import PriorState, SyncPlan, column_name
from lht.sync.ports import LoadCounts, RunRecord, Target
from lht.warehouse import conversion_statements as cst
from lht.warehouse import state_statements as st
from lht.warehouse import statements as sql
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner, merge_counts
from lht.warehouse.stage import StageWriter
from lht.warehouse.types import declared_type, snowflake_type

__all__ = ["WarehouseSyncStore"]

log = logging.getLogger(__name__)
_MAX_ERROR = 4000


class WarehouseSyncStore:
    """SyncStore on a Snowpark session (real Snowflake or the local stand-in)."""

    def __init__(
        self,
        runner: StatementRunner,
        stage: StageWriter,
        clock: Callable[[], datetime],
        state_schema: str = "LHT",
    ) -> None:
        self.runner = runner
        self.stage = stage
        self.clock = clock
        self.tables = st.StateTables(state_schema)
        self._locks: dict[tuple[str, str], TargetLock] = {}
        self._tables: list[str] = []  # tables this run created and has not dropped/renamed
        self._prefixes: list[str] = []  # stage prefixes this run uploaded to

    # -- target, state, locks -------------------------------------------------------------
    def target(self, schema: str, table: str) -> Target:
        name = TableName.of(schema, table)
        refuse_state_schema(name.schema, self.tables.schema)
        return Target(name.schema, name.table)

    def ensure_state(self) -> None:
        ensure_state_tables(self.runner, self.tables)

    def acquire_lock(self, target: Target, run_id: str, stale_seconds: int) -> None:
        lock = TargetLock(self.runner, self.tables, target.name, run_id, clock=self.clock,
                          stale_after=timedelta(seconds=stale_seconds))  # fmt: skip
        lock.acquire()
        self._locks[(target.name, run_id)] = lock
        self._sweep_leftovers(target)

    def _sweep_leftovers(self, target: Target) -> None:
        """With the lock held: remove what earlier, ended (or dead) runs of this target left
        (:mod:`lht.sync.leftovers`, which logs each removal); a failure is logged only."""
        try:
            leftovers.sweep_target(self.runner, self.stage, self.tables, _table(target),
                                   self.clock())  # fmt: skip
        except LhtError as exc:
            log.warning("leftovers of earlier runs of %s not swept: %s", target.name, exc)

    def release_lock(self, target: Target, run_id: str) -> None:
        lock = self._locks.pop((target.name, run_id), None)
        if lock is not None:
            lock.release()

    def abandon_lock(self, target: Target, run_id: str) -> None:
        lock = self._locks.pop((target.name, run_id), None)
        if lock is not None:
            lock.abandon()

    def read_state(self, sobject: str, target: Target) -> PriorState:
        found = read_sync_state(self.runner, self.tables, sobject, target.schema, target.table)
        if found is None:
            return PriorState()
        return PriorState(found.watermark_field, found.watermark)

    def start_run(self, run: RunRecord) -> None:
        self.runner.run(st.insert_run(self.tables, _run_values(run, run.counts)))

    def table_columns(self, target: Target) -> dict[str, str] | None:
        rows = self.runner.run(sql.table_columns(_table(target)))
        if not rows:
            return None
        return {
            str(r["COLUMN_NAME"]).upper(): declared_type(
                str(r["DATA_TYPE"]),
                r["NUMERIC_PRECISION"],
                r["NUMERIC_SCALE"],
                r["CHARACTER_MAXIMUM_LENGTH"],
            )
            for r in rows
        }

    def column_type(self, field: Field) -> str:
        found = snowflake_type(field.type, length=field.length, precision=field.precision,
                               scale=field.scale, digits=field.digits)  # fmt: skip
        return found or "VARCHAR"

    # -- stage and staging ------------------------------------------------------------------
    def stage_prefix(self, sobject: str, run_id: str) -> str:
        return f"{sobject}/{run_id}/"

    def put_file(self, prefix: str, name: str, gz: bytes | IO[bytes]) -> None:
        if prefix not in self._prefixes:
            self._prefixes.append(prefix)
        self.stage.put(f"{prefix}{name}", gz)

    def create_staging(self, target: Target, run_id: str, columns: tuple[str, ...]) -> str:
        staging = sql.staging_table(target.table, run_id, self.tables.schema)
        raw = [Column(c, "VARCHAR") for c in columns]
        self.runner.run(sql.create_staging_table(staging, raw))
        self._tables.append(staging.display)
        return staging.display

    def leftovers(self) -> tuple[str, ...]:
        """Every object this run created and has not removed (named in a failure's error)."""
        tables = tuple(f"table {t}" for t in self._tables)
        files = tuple(f"files @{self.stage.stage_name}/{p}" for p in self._prefixes)
        return tables + files

    def copy_staging(self, staging: str, path: str) -> dict[str, int]:
        """COPY every file under ``path``; rows loaded per file name (its last segment)."""
        stmt = sql.copy_into_staging(_name(staging), self.stage.stage_name, *_segments(path))
        return _rows_loaded(self.runner.run(stmt))

    # -- apply ------------------------------------------------------------------------------
    def apply_incremental(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts:
        live = _table(run.target)
        self._alter_live(plan, live)
        columns = [self._column(f) for f in plan.fields if column_name(f.name) in plan.load_columns]
        policy = plan.request.options.delete_policy
        merge = sql.merge_from_staging(live, _name(staging), columns, key=plan.match_column,
                                       order=self._order(plan), delete_policy=policy)  # fmt: skip
        with self._naming_bad_values(staging, columns), self.runner.transaction() as tx:
            counts = LoadCounts()
            if run.rows_extracted:  # an empty staging table changes nothing: no MERGE
                found = merge_counts(tx.run(merge))
                counts = LoadCounts(found.inserted, found.updated, found.deleted)
            self._commit_state(tx, plan, run, counts)
        return counts

    def apply_full(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts:
        if plan.table_exists and not plan.drift.type_changes:
            return self._full_in_place(plan, staging, run)
        return self._full_rebuild(plan, staging, run)

    def _full_in_place(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts:
        """Same column types: MERGE + absent rows flagged/deleted + watermark + run row in
        ONE transaction (atomic, grants untouched, unchanged rows not copied)."""
        live = _table(run.target)
        self._alter_live(plan, live)
        columns = [self._column(f) for f in plan.fields]
        key, policy = plan.match_column, plan.request.options.delete_policy
        merge = sql.merge_from_staging(live, _name(staging), columns, key=key,
                                       order=self._order(plan), delete_policy=policy,
                                       guard=False)  # fmt: skip
        soft = policy == "soft" and any(c.target_name == sql.IS_DELETED for c in columns)
        absent = (sql.flag_absent_rows if soft else sql.delete_absent_rows)(
            live, _name(staging), columns, key=key
        )
        with self._naming_bad_values(staging, columns), self.runner.transaction() as tx:
            found = merge_counts(tx.run(merge))
            gone = merge_counts(tx.run(absent))
            counts = LoadCounts(found.inserted, found.updated,
                                found.deleted + gone.updated + gone.deleted)  # fmt: skip
            self._commit_state(tx, plan, run, counts)
        return counts

    def _full_rebuild(self, plan: SyncPlan, staging: str, run: RunRecord) -> LoadCounts:
        """No live table (first sync: rename into place, no copy) or changed column types
        (rebuild + ``CREATE OR REPLACE ... COPY GRANTS``). The swap is DDL and commits on its
        own; the watermark + run row follow in their own transaction (README: a crash between
        the two leaves the old watermark, and the rerun converges)."""
        live = _table(run.target)
        new = TableName.of(live.schema, f"{live.table}__LHT_NEW_{run.run_id[:12]}")
        columns = [self._column(f) for f in plan.fields]
        kept = [Column(c, t) for c, t in self._removed_types(plan).items()]
        if not plan.table_exists:
            self.runner.run(sql.create_schema(live.schema))
        self.runner.run(sql.create_table(new, columns + kept, if_not_exists=False))
        self._tables.append(new.display)
        policy = plan.request.options.delete_policy
        with self._naming_bad_values(staging, columns):
            inserted = merge_counts(self.runner.run(sql.insert_from_staging(
                new, _name(staging), columns, key=plan.match_column, order=self._order(plan),
                delete_policy=policy))).inserted  # fmt: skip
        if plan.table_exists:
            deleted = self._carry_over(plan, live, new, columns + kept)
            self.runner.run(sql.replace_table(live, new))
        else:
            deleted = 0
            self.runner.run(sql.rename_table(new, live))
            self._tables.remove(new.display)
        counts = LoadCounts(inserted=inserted, deleted=deleted)
        with self.runner.transaction() as tx:
            self._commit_state(tx, plan, run, counts)
        if new.display in self._tables:
            self.runner.run(sql.drop_table(new))
            self._tables.remove(new.display)
        return counts

    def _carry_over(
        self, plan: SyncPlan, live: TableName, new: TableName, columns: list[Column]
    ) -> int:
        """Count live rows absent from the new load (hard-deleted in Salesforce); with the
        soft policy copy them into the new table flagged ISDELETED = TRUE."""
        key = plan.match_column
        rows = self.runner.run(sql.count_absent_rows(live, new, key=key, only_live=True))
        absent = int(rows[0]["ABSENT"]) if rows else 0
        existing = {c.upper() for c in self._live_columns(plan)}
        changed = {c.column for c in plan.drift.type_changes}
        common = [c for c in columns if c.target_name in existing - changed]
        if plan.request.options.delete_policy == "soft" and any(
            c.target_name == "ISDELETED" for c in common
        ):
            self.runner.run(sql.insert_absent_rows_as_deleted(new, live, common, key=key))
        return absent

    def _commit_state(
        self, tx: StatementRunner, plan: SyncPlan, run: RunRecord, counts: LoadCounts
    ) -> None:
        target = run.target
        for stmt in advance_watermark(self.tables, sobject=run.sobject, schema=target.schema,
                                      table=target.table, watermark_field=plan.watermark_field,
                                      upper_bound=plan.new_watermark, run_id=run.run_id,
                                      success_at=self.clock()):  # fmt: skip
            tx.run(stmt)
        tx.run(_update_run(self.tables, run, counts))

    def record_failure(self, run: RunRecord, started: bool) -> None:
        if started:
            self.runner.run(_update_run(self.tables, run, run.counts))
        else:
            self.runner.run(st.insert_run(self.tables, _run_values(run, run.counts)))

    def cleanup(self, staging: str, prefix: str) -> None:
        self.runner.run(sql.drop_table(_name(staging)))
        self._tables.remove(staging)
        if prefix in self._prefixes:  # no REMOVE when nothing was uploaded
            self.stage.remove_prefix(self.runner, *_segments(prefix))
            self._prefixes.remove(prefix)

    # -- helpers ----------------------------------------------------------------------------
    def _alter_live(self, plan: SyncPlan, live: TableName) -> None:
        """Drift DDL before the load's transaction: new columns, NUMBER columns widened."""
        for field in plan.drift.add_columns:
            self.runner.run(sql.add_column(live, self._column(field)))
        for change in plan.drift.widen_columns:
            self.runner.run(sql.widen_column(live, change.column, change.expected))

    @contextmanager
    def _naming_bad_values(self, staging: str, columns: list[Column]) -> Iterator[None]:
        """A failed typed load re-raised naming the value behind it (column, record Id,
        offending text truncated), when the staging table shows one."""
        try:
            yield
        except WarehouseError as exc:
            named = self._unconvertible(staging, columns)
            if named is None:
                raise
            raise WarehouseError(f"{named}; {exc}") from exc

    def _unconvertible(self, staging: str, columns: list[Column]) -> str | None:
        stmt = cst.first_unconvertible(_name(staging), columns)
        if stmt is None:
            return None
        try:
            rows = self.runner.run(stmt)
        except WarehouseError as probe:
            log.warning("could not look for the value the load refused: %s", probe)
            return None
        if not rows:
            return None
        row = _as_dict(rows[0])
        text = str(row["VALUE"])
        shown = text[: cst.VALUE_CHARS] + ("…" if len(text) > cst.VALUE_CHARS else "")
        return (f"column {row['COLUMN_NAME']} of record {row['RECORD_ID']}: value {shown!r} "
                f"does not convert to {row['SQL_TYPE']}")  # fmt: skip

    def _column(self, field: Field) -> Column:
        return Column(field.name, self.column_type(field), field.type, field.calculated)

    def _order(self, plan: SyncPlan) -> Column | None:
        for field in plan.fields:
            if plan.watermark_field and field.name == plan.watermark_field:
                return self._column(field)
        return None

    def _removed_types(self, plan: SyncPlan) -> dict[str, str]:
        """Columns Salesforce no longer has keep existing in the rebuilt table (NULL for the
        re-extracted rows: the field has no value in Salesforce any more)."""
        if not plan.drift.removed_columns:
            return {}
        live = self._live_columns(plan)
        return {c: live[c] for c in plan.drift.removed_columns if c in live}

    def _live_columns(self, plan: SyncPlan) -> dict[str, str]:
        found = self.table_columns(self.target(plan.request.schema, plan.request.table))
        return found or {}


def _table(target: Target) -> TableName:
    return TableName.of(target.schema, target.table)


def _name(display: str) -> TableName:
    schema, table = display.split(".", 1)
    return TableName.of(schema, table)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _as_dict(row: Any) -> dict[str, Any]:
    data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return {str(k).upper(): v for k, v in data.items()}


def _rows_loaded(rows: list[Any]) -> dict[str, int]:
    """COPY's result: one row per file (``file``, ``status``, ``rows_loaded``, ...); a COPY
    that found no file answers one ``status`` row without ``file``."""
    loaded: dict[str, int] = {}
    for row in rows:
        data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
        lowered = {str(k).lower(): v for k, v in data.items()}
        if lowered.get("file") is None:
            continue
        name = str(lowered["file"]).rsplit("/", 1)[-1]
        loaded[name] = loaded.get(name, 0) + int(lowered.get("rows_loaded") or 0)
    return loaded


def _update_run(tables: st.StateTables, run: RunRecord, counts: LoadCounts) -> sql.Statement:
    values = _run_values(run, counts)
    del values["RUN_ID"]
    return st.update_run(tables, run.run_id, values)


def _run_values(run: RunRecord, counts: LoadCounts) -> dict[str, Any]:
    return {
        "RUN_ID": run.run_id,
        "SOBJECT": run.sobject,
        "TARGET_SCHEMA": run.target.schema,
        "TARGET_TABLE": run.target.table,
        "SYNC_METHOD": run.method,
        "STARTED_AT": run.started_at,
        "ENDED_AT": run.ended_at,
        "STATUS": run.status,
        "ESTIMATED_RECORDS": run.estimated_records,
        "ROWS_EXTRACTED": run.rows_extracted,
        "ROWS_INSERTED": counts.inserted,
        "ROWS_UPDATED": counts.updated,
        "ROWS_DELETED": counts.deleted,
        "BYTES_STAGED": run.bytes_staged,
        "API_CALLS": run.api_calls,
        "WATERMARK_FROM": run.watermark_from,
        "WATERMARK_TO": run.watermark_to,
        "ERROR": run.error[:_MAX_ERROR] if run.error else None,
    }
