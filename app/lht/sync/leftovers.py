"""Leftovers of ended or dead sync runs: found, judged, removed (#11 item 5).

A failed run keeps its staging table (``LHT.<TABLE>__LHT_STG_<run12>``), a rebuild's
``<SCHEMA>.<TABLE>__LHT_NEW_<run12>`` and its staged files (``@LHT.LHT_STAGE/<sobject>/<run>/``)
for diagnosis and names them in its error; a killed run leaves them unnamed. They are removed

* by the next run of the same target, once it holds the target's lock (:func:`sweep_target`:
  one INFORMATION_SCHEMA query when there is nothing to remove), and
* by ``CALL LHT.CLEANUP_LEFTOVERS()`` / :func:`cleanup_all` for every target, files whose
  table is already gone included (a LIST of the stage).

A leftover is removable when its run is no longer RUNNING, or when it is RUNNING but its
lock went stale: the target's lock is not held by it, or held past its ``EXPIRES_AT`` (a run
takes the lock before it writes its row and releases it only after ending the row, so such a
row belongs to a dead process; it is ended FAILED like :mod:`lht.state.locks` does on
takeover). Anything else is kept: a live run's objects, and objects no run row explains.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lht.errors import WarehouseError
from lht.state.bootstrap import ensure_state_tables
from lht.warehouse import leftover_statements as lft
from lht.warehouse import lock_statements as lst
from lht.warehouse import statements as sql
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter, list_prefix_statement
from lht.warehouse.state_statements import StateTables

__all__ = [
    "LEFTOVER_COLUMNS",
    "Leftover",
    "RunInfo",
    "cleanup_all",
    "cleanup_leftovers",
    "removable",
    "sweep_target",
]

log = logging.getLogger(__name__)

#: Columns of a CLEANUP_LEFTOVERS row (lower-case dict keys, as the job rows).
LEFTOVER_COLUMNS = ("KIND", "NAME", "RUN_ID", "RUN_STATUS", "ACTION", "ERROR")
_SHORT = 12
_TABLE = re.compile(r"(?P<table>.+)__LHT_(?P<kind>STG|NEW)_(?P<short>[A-Z0-9]{1,12})")
_RUN_DIR = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Leftover:
    kind: str  # "table" or "files"
    name: str  # SCHEMA.TABLE, or the stage prefix <sobject>/<run_id>/
    short: str  # the run id's first 12 characters, upper case


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    sobject: str
    target: str  # SCHEMA.TABLE
    status: str
    lock_holders: tuple[tuple[str | None, datetime | None], ...] = ()


def removable(run: RunInfo | None, now: datetime) -> bool:
    """Whether a run's leftovers may go: ended, or RUNNING with a stale lock (never when no
    run row explains them)."""
    if run is None:
        return False
    if run.status != "RUNNING":
        return True
    return not any(holder == run.run_id and (expires is None or _utc(expires) >= now)
                   for holder, expires in run.lock_holders)  # fmt: skip


def sweep_target(
    runner: StatementRunner, stage: StageWriter, t: StateTables, target: TableName, now: datetime
) -> list[dict[str, Any]]:
    """Remove the leftovers of earlier runs of ``target`` (call with its lock held)."""
    cleaner = _Cleaner(runner, stage, t, now)
    found = _tables(runner.run(lft.find_leftover_tables(t, target)))
    runs = cleaner.runs(found)
    mine = [f for f in found if (r := runs.get(f.short)) is not None and r.target == target.display]
    return cleaner.remove(mine, runs, with_files=True)


def cleanup_all(
    runner: StatementRunner, stage: StageWriter, t: StateTables, now: datetime
) -> list[dict[str, Any]]:
    """``CLEANUP_LEFTOVERS``: one row per leftover table or file prefix of any sync run,
    removed (ACTION ``removed``) or kept (``kept``, with the reason in ERROR)."""
    cleaner = _Cleaner(runner, stage, t, now)
    found = _tables(runner.run(lft.find_leftover_tables(t)))
    found += _file_prefixes(runner.run(list_prefix_statement(stage.stage_name)))
    return cleaner.remove(found, cleaner.runs(found), with_files=False)


def cleanup_leftovers(
    session: Any,
    *,
    clock: Callable[[], datetime] | None = None,
    state_schema: str = "LHT",
    stage_name: str = "LHT.LHT_STAGE",
) -> list[dict[str, Any]]:
    """:func:`cleanup_all` on a Snowpark session (the CLEANUP_LEFTOVERS procedure, lht CLI)."""
    runner = StatementRunner(session)
    t = StateTables(state_schema)
    ensure_state_tables(runner, t)
    now = (clock or (lambda: datetime.now(UTC)))()
    return cleanup_all(runner, StageWriter(session, stage_name), t, now)


_ABANDONED = "abandoned: its lock went stale (process gone); ended by the leftover cleanup"


@dataclass
class _Cleaner:
    runner: StatementRunner
    stage: StageWriter
    t: StateTables
    now: datetime

    def remove(
        self, found: list[Leftover], runs: dict[str, RunInfo], *, with_files: bool
    ) -> list[dict[str, Any]]:
        """Drop/remove what may go; ``with_files``: also the staged files of each run whose
        staging table went (the per-target sweep does not LIST the stage)."""
        rows: list[dict[str, Any]] = []
        ended: set[str] = set()
        for item in found:
            run = runs.get(item.short)
            if run is None or not removable(run, self.now):
                reason = "no run row explains it" if run is None else "its run is still RUNNING"
                rows.append(_row(item, run, "kept", reason))
                continue
            if run.status == "RUNNING" and run.run_id not in ended:
                self.runner.run(lst.mark_run_abandoned(self.t.runs, run.run_id, self.now,
                                                       _ABANDONED))  # fmt: skip
                ended.add(run.run_id)
            rows.append(self.drop(item, run))
            if with_files and item.kind == "table" and item.name.startswith(self.t.schema + "."):
                rows.append(self.drop(Leftover("files", _prefix(run), item.short), run))
        return rows

    def drop(self, item: Leftover, run: RunInfo) -> dict[str, Any]:
        try:
            if item.kind == "table":
                schema, table = item.name.split(".", 1)
                self.runner.run(sql.drop_table(TableName.of(schema, table)))
            elif not self.stage.remove_prefix(self.runner, *_segments(item.name)):
                return _row(item, run, "kept", "REMOVE failed (logged)")
        except WarehouseError as exc:
            log.warning("leftover %s of run %s not removed: %s", item.name, run.run_id, exc)
            return _row(item, run, "kept", str(exc))
        log.info("removed leftover %s %s of %s run %s", item.kind, item.name, run.status,
                 run.run_id)  # fmt: skip
        return _row(item, run, "removed", None)

    def runs(self, found: list[Leftover]) -> dict[str, RunInfo]:
        """The run rows (with their target's lock holders) of the leftovers, by short id."""
        shorts = sorted({f.short for f in found})
        if not shorts:
            return {}
        runs: dict[str, RunInfo] = {}
        for row in self.runner.run(lft.runs_by_short_id(self.t, shorts)):
            data = _upper(row)
            run_id = str(data["RUN_ID"])
            short = run_id[:_SHORT].upper()
            known = runs.get(short)
            holders = (known.lock_holders if known else ()) + (
                (data["LOCK_RUN_ID"], data["LOCK_EXPIRES_AT"]),
            )
            target = f"{data['TARGET_SCHEMA']}.{data['TARGET_TABLE']}"
            runs[short] = RunInfo(run_id, str(data["SOBJECT"]), target, str(data["STATUS"]),
                                  holders)  # fmt: skip
        return runs


def _row(item: Leftover, run: RunInfo | None, action: str, error: str | None) -> dict[str, Any]:
    run_id, status = (run.run_id, run.status) if run else (None, None)
    return {"kind": item.kind, "name": item.name, "run_id": run_id, "run_status": status,
            "action": action, "error": error}  # fmt: skip


def _prefix(run: RunInfo) -> str:
    return f"{run.sobject}/{run.run_id}/"


def _segments(prefix: str) -> list[str]:
    return [p for p in prefix.split("/") if p]


def _tables(rows: Iterable[Any]) -> list[Leftover]:
    found: list[Leftover] = []
    for row in rows:
        data = _upper(row)
        match = _TABLE.fullmatch(str(data["TABLE_NAME"]))
        if match:
            name = f"{data['TABLE_SCHEMA']}.{data['TABLE_NAME']}"
            found.append(Leftover("table", name, match["short"]))
    return found


def _file_prefixes(rows: Iterable[Any]) -> list[Leftover]:
    """``<stage>/<sobject>/<run_id>/<file>`` names → one prefix per sync run (push and
    CHECK_SETUP files have other shapes and are not a sync run's)."""
    prefixes: dict[str, Leftover] = {}
    for row in rows:
        parts = str(_upper(row)["NAME"]).split("/")
        if len(parts) >= 4 and parts[1] != "push" and _RUN_DIR.fullmatch(parts[2]):
            prefix = f"{parts[1]}/{parts[2]}/"
            prefixes.setdefault(prefix, Leftover("files", prefix, parts[2][:_SHORT].upper()))
    return list(prefixes.values())


def _upper(row: Any) -> dict[str, Any]:
    data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return {str(k).upper(): v for k, v in data.items()}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
