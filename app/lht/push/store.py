"""``WarehousePushStore``: the push executor's warehouse port, built on the push statements.

Results and sent hashes are written as gzip CSV files under
``@LHT.LHT_STAGE/push/<sobject>/<run_id>/{results,sent}/`` while jobs run (memory stays
flat), COPY-ed into per-run transient staging tables before the commit, and moved into
``LHT.PUSH_RESULTS`` / ``LHT.PUSH_HASHES`` in the one transaction that also writes the
``LHT.PUSH_RUNS`` row. Staging tables are dropped after the commit.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from lht.errors import ConfigError, WarehouseError
from lht.push.columns import SourceColumn
from lht.push.plan import PushPlan
from lht.push.render import csv_line
from lht.push.results import ResultRow
from lht.push.source import PushSource
from lht.state.bootstrap import ensure_state_tables
from lht.state.locks import TargetLock
from lht.warehouse import push_statements as ps
from lht.warehouse import reader
from lht.warehouse import statements as st
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter
from lht.warehouse.state_statements import StateTables

__all__ = ["StagedRunWriter", "WarehousePushStore"]

log = logging.getLogger(__name__)
_FLUSH_BYTES = 8 * 1024 * 1024


class _GzipParts:
    """Accumulates CSV lines and uploads them as numbered .csv.gz files."""

    def __init__(self, stage: StageWriter, prefix: Sequence[str], header: Sequence[str]) -> None:
        self.stage, self.prefix = stage, tuple(prefix)
        self.header = csv_line(header)
        self.files = 0
        self._buffer: list[bytes] = []
        self._size = 0

    def add(self, line: bytes) -> None:
        self._buffer.append(line)
        self._size += len(line)
        if self._size >= _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        data = gzip.compress(self.header + b"".join(self._buffer), compresslevel=5)
        self.files += 1
        self.stage.put("/".join((*self.prefix, f"part-{self.files:05d}.csv.gz")), data)
        self._buffer, self._size = [], 0


class StagedRunWriter:
    """One run's results and sent hashes, streamed to the stage."""

    def __init__(self, stage: StageWriter, run_id: str, sobject: str) -> None:
        self.run_id = run_id
        self.prefix = ("push", sobject, run_id)
        names = [c.name for c in ps.RESULT_STAGE_COLUMNS]
        self.results = _GzipParts(stage, (*self.prefix, "results"), names)
        self.sent = _GzipParts(stage, (*self.prefix, "sent"), ["SOURCE_KEY", "ROW_HASH"])

    def add_results(self, rows: Iterable[ResultRow]) -> None:
        for r in rows:
            created = "" if r.created is None else str(r.created).lower()
            self.results.add(csv_line([
                r.source_key or "", r.salesforce_id or "", created, str(r.success).lower(),
                r.outcome, r.error or "", r.job_id or "",
            ]))  # fmt: skip

    def add_sent(self, key: str, row_hash: str) -> None:
        self.sent.add(csv_line([key, row_hash]))

    def flush(self) -> None:
        self.results.flush()
        self.sent.flush()


class WarehousePushStore:
    """The warehouse side of a push on one Snowpark session."""

    def __init__(
        self, session: Any, schema: str = "LHT", stage_name: str = "LHT.LHT_STAGE",
        now: Any = None,
    ) -> None:  # fmt: skip
        self.runner = StatementRunner(session)
        self.tables = ps.PushTables(schema)
        self.stage = StageWriter(session, stage_name)
        self.stage_name = stage_name
        self._now = now or (lambda: datetime.now(UTC))
        self._state = StateTables(schema)

    def ensure_tables(self) -> None:
        for stmt in (ps.create_runs_table(self.tables), ps.create_results_table(self.tables),
                     ps.create_hashes_table(self.tables)):  # fmt: skip
            self.runner.run(stmt)

    def source_columns(self, source: PushSource) -> list[SourceColumn]:
        relation = ps.source_relation(source.kind, source.parts, source.query)
        try:
            found = reader.source_columns(self.runner, ps.probe_source(relation))
        except WarehouseError as exc:
            what = "table/view" if source.kind == "table" else "SELECT"
            raise ConfigError(
                f"push source {what} {source.identity[:80]!r} cannot be read: {exc}"
            ) from exc
        return [SourceColumn(name, kind) for name, kind in found]

    def rows(self, plan: PushPlan) -> Iterator[tuple[tuple[Any, ...], str | None]]:
        source = plan.source
        relation = ps.source_relation(source.kind, source.parts, source.query)
        order = plan.columns.order_by
        width = len(plan.columns.mappings)
        if not plan.options.only_changed:
            stmt = ps.read_source(relation, order_by=order)
            for row in reader.stream_rows(self.runner, stmt):
                yield row[:width], None
            return
        index = plan.columns.match_index
        if index is None:
            raise ConfigError("only_changed needs a key column")  # the planner ensures one
        key = plan.source_columns[index]
        diff = (self.tables, source.identity, plan.sobject, key)
        stmt = ps.read_source(relation, order_by=order, diff=diff)
        for row in reader.stream_rows(self.runner, stmt):
            yield row[:width], row[width]

    def lock(self, plan: PushPlan, run_id: str) -> TargetLock:
        """A row in LHT.SYNC_LOCKS for ``PUSH <sobject> <source>`` (shared lock table)."""
        ensure_state_tables(self.runner, self._state)
        digest = hashlib.sha256(plan.source.identity.encode("utf-8")).hexdigest()[:16]
        name = plan.source.identity if plan.source.kind == "table" else f"query {digest}"
        return TargetLock(self.runner, self._state, f"PUSH {plan.sobject} {name}", run_id,
                          clock=self._now, runs=self.tables.runs)  # fmt: skip

    def writer(self, run_id: str, sobject: str) -> StagedRunWriter:
        return StagedRunWriter(self.stage, run_id, sobject)

    def commit(
        self, writer: Any, plan: PushPlan, run: Mapping[str, Any], *, failed: bool = False
    ) -> int:
        """Results, hashes and the run row in one transaction. ``failed``: the run raised, so
        every sent row without a result gets outcome ``unknown`` (counted in the run's
        ERROR); returns how many did."""
        if not isinstance(writer, StagedRunWriter):
            raise TypeError("WarehousePushStore.commit needs its own StagedRunWriter")
        writer.flush()
        results_stg = st.staging_table("PUSH_RESULTS", writer.run_id, self.tables.schema)
        sent_stg = st.staging_table("PUSH_SENT", writer.run_id, self.tables.schema)
        self._load_staging(results_stg, ps.RESULT_STAGE_COLUMNS, writer.results)
        self._load_staging(sent_stg, ps.SENT_STAGE_COLUMNS, writer.sent)
        unknown = self._unknown(sent_stg, results_stg) if failed else 0
        if unknown:
            note = f"{unknown} sent row(s) have outcome unknown in {self.tables.results.display}"
            run = {**run, "ERROR": f"{run.get('ERROR') or 'failed'}; {note}"[:4000]}
        now = self._now()
        with self.runner.transaction() as tx:
            tx.run(ps.insert_results(self.tables, results_stg, writer.run_id, now))
            if unknown:
                tx.run(ps.insert_unknown_results(
                    self.tables, sent_stg, results_stg, run_id=writer.run_id, recorded_at=now,
                    error=f"no answer arrived for this row: {run['ERROR']}"[:4000],
                ))  # fmt: skip
            if plan.options.only_changed:
                self._replace_hashes(
                    tx,
                    plan,
                    run_id=writer.run_id,
                    results_stg=results_stg,
                    sent_stg=sent_stg,
                    now=now,
                )
            tx.run(ps.insert_push_run(self.tables, run))
        for table in (results_stg, sent_stg):
            self.runner.run(st.drop_table(table))
        self.stage.remove_prefix(self.runner, *writer.prefix)
        return unknown

    def _unknown(self, sent_stg: TableName, results_stg: TableName) -> int:
        found = self.runner.run(ps.count_unknown_results(sent_stg, results_stg))
        return int(found[0]["N"]) if found else 0

    def _load_staging(self, table: TableName, columns: Sequence[Any], parts: _GzipParts) -> None:
        self.runner.run(st.drop_table(table))
        self.runner.run(st.create_staging_table(table, columns))
        if parts.files:
            self.runner.run(st.copy_into_staging(table, self.stage_name, *parts.prefix))

    def _replace_hashes(
        self, tx: StatementRunner, plan: PushPlan, *, run_id: str, results_stg: TableName,
        sent_stg: TableName, now: datetime,
    ) -> None:  # fmt: skip
        source_id = plan.source.identity
        tx.run(ps.delete_replaced_hashes(self.tables, results_stg, source_id, plan.sobject))
        tx.run(ps.insert_accepted_hashes(
            self.tables, results_stg, sent_stg, source_id=source_id, sobject=plan.sobject,
            run_id=run_id, now=now,
        ))  # fmt: skip

    def record_failed_run(self, run: Mapping[str, Any]) -> None:
        self.runner.run(ps.insert_push_run(self.tables, run))
