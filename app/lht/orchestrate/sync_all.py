"""SYNC_ALL: sync every enabled SYNC_CONFIG entry of a group, one result row per object.

Each object is isolated: a failure (bad entry, Salesforce or warehouse error) becomes that
object's ``FAILED`` row and the next object runs. Before each object the API budget guard
reads the org's usage; above the share the object is recorded as ``DEFERRED`` (a SYNC_RUNS row
with the reason) and is simply synced again by the next run — incremental from its unchanged
watermark. The same per-object step (:func:`sync_entry`) is what each child task of the
Snowflake Task graph runs, and :func:`finalize_graph` is the graph's finalizer.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from lht.errors import LhtError
from lht.orchestrate.budget import DEFAULT_SHARE, BudgetGuard
from lht.orchestrate.config import (
    ConfigEntry,
    ensure_orchestration_objects,
    list_config,
    validate_group,
)
from lht.orchestrate.graph import sync_task_timeout_ms
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import run_sync
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner

__all__ = [
    "RESULT_COLUMNS",
    "Orchestration",
    "finalize_graph",
    "status",
    "sync_all",
    "sync_entry",
    "sync_target",
]

log = logging.getLogger(__name__)

#: Columns of a SYNC_ALL result row (and of the procedure's TABLE return type).
RESULT_COLUMNS = ("SOBJECT", "TARGET", "SYNC_GROUP", "STATUS", "SYNC_METHOD", "ROWS_SYNCED",
                  "API_CALLS", "SECONDS", "RUN_ID", "ERROR")  # fmt: skip


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Orchestration:
    """What one SYNC_ALL / task run shares: session, client, tables, guard, clock."""

    session: Any
    client: Any
    tables: ost.OrchestrateTables
    guard: BudgetGuard
    clock: Callable[[], datetime] = _utc_now

    @classmethod
    def create(cls, session: Any, client: Any, *, budget_share: float = DEFAULT_SHARE,
               tables: ost.OrchestrateTables | None = None,
               clock: Callable[[], datetime] = _utc_now) -> Orchestration:  # fmt: skip
        return cls(session, client, tables or ost.OrchestrateTables(),
                   BudgetGuard(client, budget_share), clock)  # fmt: skip

    @property
    def runner(self) -> StatementRunner:
        return StatementRunner(self.session)


def sync_all(
    session: Any,
    client: Any,
    group: str | None = None,
    *,
    budget_share: float = DEFAULT_SHARE,
    tables: ost.OrchestrateTables | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Sync every enabled entry of ``group`` (DEFAULT when None): entries the previous run
    deferred first, then in target order; one row per entry with the :data:`RESULT_COLUMNS`
    keys in lower case. ``on_result`` is called after each object (progress for the CLI)."""
    orch = Orchestration.create(session, client, budget_share=budget_share, tables=tables)
    ensure_orchestration_objects(orch.runner, orch.tables)
    entries = list_config(session, validate_group(group), enabled_only=True, tables=orch.tables)
    entries = _deferred_first(orch, entries)
    rows = []
    for entry in entries:
        row = sync_entry(orch, entry)
        rows.append(row)
        if on_result is not None:
            on_result(row)
    return rows


def _deferred_first(orch: Orchestration, entries: list[ConfigEntry]) -> list[ConfigEntry]:
    """Objects whose latest run was DEFERRED go first, so a tight budget cannot starve the
    same objects run after run (stable: otherwise target order)."""
    latest = orch.runner.run(ost.select_status(orch.tables))
    deferred = {(r["SOBJECT"], r["TARGET"]) for r in latest if r["STATUS"] == "DEFERRED"}
    return sorted(entries, key=lambda e: (e.sobject, e.target) not in deferred)


def sync_target(orch: Orchestration, schema: str, table: str) -> dict[str, Any]:
    """Sync the configured entry of ``schema.table`` (what one child task runs; the LHT
    tables exist already: setup.sql, SCHEDULE_SYNC or the graph's root created them)."""
    wanted = (schema.upper(), table.upper())
    for entry in list_config(orch.session, tables=orch.tables, ensure=False):
        if (entry.schema, entry.table) == wanted:
            if not entry.enabled:
                return _row(entry, "SKIPPED", error="entry is disabled in SYNC_CONFIG")
            return sync_entry(orch, entry, in_task=True)
    missing = ConfigEntry("?", wanted[0], wanted[1])
    return _row(missing, "FAILED", error=f"no SYNC_CONFIG entry for {'.'.join(wanted)}")


def sync_entry(orch: Orchestration, entry: ConfigEntry, *, in_task: bool = False) -> dict[str, Any]:
    """Budget check, then the sync; every LhtError becomes this entry's FAILED row. In a
    child task (``in_task``) the run's lock lives as long as the task may (unless the entry
    sets ``stale_lock_seconds``), so a timed-out child does not block the next run."""
    started = time.monotonic()
    try:
        check = orch.guard.check()
        if check.used is not None and check.maximum is not None:
            sample = ost.insert_sample(orch.tables, orch.clock(), (check.used, check.maximum),
                                       group=entry.group, sobject=entry.sobject)  # fmt: skip
            orch.runner.run(sample)
        if not check.allowed:
            log.warning("deferring %s -> %s: %s", entry.sobject, entry.target, check.reason)
            run_id = _record(orch, entry, "DEFERRED", f"deferred: {check.reason}")
            return _row(entry, "DEFERRED", run_id=run_id, error=f"deferred: {check.reason}")
        request = SyncRequest(entry.sobject, entry.schema, entry.table,
                              _options(entry, in_task))  # fmt: skip
    except LhtError as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.error("%s -> %s failed before syncing: %s", entry.sobject, entry.target, error)
        run_id = _record(orch, entry, "FAILED", error)
        return _row(entry, "FAILED", run_id=run_id, error=error,
                    seconds=time.monotonic() - started)  # fmt: skip
    return _from_result(entry, run_sync(orch.session, orch.client, request))


def _options(entry: ConfigEntry, in_task: bool) -> SyncOptions:
    options = SyncOptions.from_mapping(entry.options)
    explicit = any(str(k).lower() == "stale_lock_seconds" for k in entry.options or {})
    if not in_task or explicit:
        return options
    lifetime = sync_task_timeout_ms(entry.options) // 1000  # the task's USER_TASK_TIMEOUT_MS
    return replace(options, stale_lock_seconds=lifetime)


def _record(orch: Orchestration, entry: ConfigEntry, status: str, error: str) -> str | None:
    """A SYNC_RUNS row for an object that did not sync (DEFERRED, or FAILED before the
    sync could start); None if even that cannot be written (logged)."""
    run_id = uuid.uuid4().hex
    now = orch.clock()
    values = {"RUN_ID": run_id, "SOBJECT": entry.sobject, "TARGET_SCHEMA": entry.schema,
              "TARGET_TABLE": entry.table, "SYNC_METHOD": status.lower(), "STARTED_AT": now,
              "ENDED_AT": now, "STATUS": status, "API_CALLS": 0, "ERROR": error[:4000]}  # fmt: skip
    try:
        orch.runner.run(sst.insert_run(orch.tables.state, values))
    except LhtError:
        log.exception("could not record the %s run of %s", status, entry.target)
        return None
    return run_id


def _row(entry: ConfigEntry, status_: str, *, run_id: str | None = None,
         error: str | None = None, seconds: float = 0.0) -> dict[str, Any]:  # fmt: skip
    return {"sobject": entry.sobject, "target": entry.target, "sync_group": entry.group,
            "status": status_, "sync_method": status_.lower(), "rows_synced": 0, "api_calls": 0,
            "seconds": round(seconds, 3), "run_id": run_id, "error": error}  # fmt: skip


def _from_result(entry: ConfigEntry, result: Mapping[str, Any]) -> dict[str, Any]:
    row = _row(entry, "SUCCESS" if result.get("success") else "FAILED",
               run_id=result.get("run_id"), error=result.get("error"),
               seconds=float(result.get("sync_duration_seconds") or 0.0))  # fmt: skip
    row["sync_method"] = result.get("sync_method")
    row["rows_synced"] = int(result.get("actual_records") or 0)
    row["api_calls"] = int(result.get("api_calls") or 0)
    return row


def status(session: Any, tables: ost.OrchestrateTables | None = None) -> list[dict[str, Any]]:
    """Rows of LHT.SYNC_STATUS, failing objects first (timestamps as ISO text)."""
    tables = tables or ost.OrchestrateTables()
    runner = StatementRunner(session)
    ensure_orchestration_objects(runner, tables)
    return [_plain(r) for r in runner.run(ost.select_status(tables))]


def _plain(row: Any) -> dict[str, Any]:
    data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return {k: v.isoformat(sep=" ") if isinstance(v, datetime) else v for k, v in data.items()}


def finalize_graph(
    orch: Orchestration, group: str | None, started_at: datetime, graph_run_id: str
) -> dict[str, Any]:
    """The finalizer: one LHT.SYNC_GRAPH_RUNS row summarising the group's objects since
    ``started_at`` (latest run of each enabled entry; NOT_RUN when it has none)."""
    name = validate_group(group)
    entries = list_config(orch.session, name, enabled_only=True, tables=orch.tables,
                          ensure=False)  # fmt: skip
    latest: dict[tuple[str, str, str], str] = {}
    for r in orch.runner.run(ost.select_runs_since(orch.tables, started_at)):
        latest[(r["SOBJECT"], r["TARGET_SCHEMA"], r["TARGET_TABLE"])] = r["STATUS"]
    outcome = {e.target: latest.get((e.sobject, e.schema, e.table), "NOT_RUN") for e in entries}
    counts = {s: sum(1 for v in outcome.values() if v == s)
              for s in ("SUCCESS", "FAILED", "DEFERRED", "NOT_RUN")}  # fmt: skip
    counts["NOT_RUN"] += sum(1 for v in outcome.values() if v == "RUNNING")
    summary = {"GRAPH_RUN_ID": graph_run_id, "SYNC_GROUP": name, "STARTED_AT": started_at,
               "FINISHED_AT": orch.clock(), "OBJECTS": len(entries),
               "SUCCEEDED": counts["SUCCESS"], "FAILED": counts["FAILED"],
               "DEFERRED": counts["DEFERRED"], "NOT_RUN": counts["NOT_RUN"],
               "DETAILS": json.dumps(outcome, sort_keys=True)}  # fmt: skip
    orch.runner.run(ost.insert_graph_run(orch.tables, summary))
    return {k.lower(): v.isoformat() if isinstance(v, datetime) else v
            for k, v in summary.items()}  # fmt: skip
