"""Snowpark handlers for orchestration: SYNC_ALL, SYNC_TARGET, FINALIZE_SYNC, SCHEDULE_SYNC,
UNSCHEDULE_SYNC, SET_SYNC_CONFIG, REMOVE_SYNC_CONFIG, LIST_BULK_JOBS, ABORT_BULK_JOB,
CLEANUP_BULK_JOBS, CLEANUP_LEFTOVERS (see README "Scheduling many objects").

Table-returning procedures (``SYNC_ALL``, ``*_BULK_JOB*``) return a Snowpark DataFrame whose
columns match the ``returns: table(...)`` of snowflake.yml; a failure before any object ran
is one row with ``STATUS = 'FAILED'`` / an ``ERROR``. VARIANT procedures return a dict; on
failure ``{"success": false, "error": ...}``. Handlers never raise.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from snowflake.snowpark.types import DoubleType, LongType, StringType, StructField, StructType

from lht.errors import LhtError
from lht.orchestrate import config, jobs, schedule
from lht.orchestrate import sync_all as orchestration
from lht.sync import leftovers
from lht.sync.service import client_from_secret
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse.runner import StatementRunner

__all__ = [
    "abort_bulk_job",
    "cleanup_bulk_jobs",
    "cleanup_leftovers",
    "finalize_sync",
    "list_bulk_jobs",
    "remove_sync_config",
    "schedule_sync",
    "schedule_sync_group",
    "set_sync_config",
    "set_sync_config_full",
    "sync_all",
    "sync_all_group",
    "sync_all_group_share",
    "sync_target",
    "unschedule_sync",
    "unschedule_sync_group",
]

log = logging.getLogger(__name__)

_NUMBERS = {"ROWS_SYNCED": LongType(), "API_CALLS": LongType(), "SECONDS": DoubleType(),
            "AGE_HOURS": DoubleType()}  # fmt: skip
JOB_TABLE = (*jobs.JOB_COLUMNS, "ACTION", "ERROR")


def _table(session: Any, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> Any:
    schema = StructType([StructField(c, _NUMBERS.get(c, StringType())) for c in columns])
    data = [[_cell(row.get(c.lower()), c) for c in columns] for row in rows]
    return session.create_dataframe(data, schema=schema)


def _cell(value: Any, column: str) -> Any:
    if value is None or column in _NUMBERS:
        return value
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _failed(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


# -- SYNC_ALL ----------------------------------------------------------------------------------


def sync_all(session: Any) -> Any:
    return sync_all_group_share(session, None, None)


def sync_all_group(session: Any, group_name: str | None) -> Any:
    return sync_all_group_share(session, group_name, None)


def sync_all_group_share(session: Any, group_name: str | None, budget_share: float | None) -> Any:
    share = orchestration.DEFAULT_SHARE if budget_share is None else float(budget_share)
    try:
        rows = orchestration.sync_all(session, client_from_secret(), group_name, budget_share=share)
    except Exception as exc:  # handler boundary: one FAILED row instead of an exception
        log.exception("SYNC_ALL(%s) failed before running", group_name)
        rows = [{"sync_group": group_name, "status": "FAILED", "error": _failed(exc)}]
    return _table(session, orchestration.RESULT_COLUMNS, rows)


def sync_target(session: Any, schema_name: str, table_name: str) -> dict[str, Any]:
    """One child task of the graph: the configured entry of ``schema_name.table_name``."""
    try:
        orch = orchestration.Orchestration.create(session, client_from_secret())
        return orchestration.sync_target(orch, schema_name, table_name)
    except Exception as exc:  # handler boundary
        log.exception("SYNC_TARGET(%s, %s) failed", schema_name, table_name)
        return {"status": "FAILED", "success": False, "error": _failed(exc)}


def finalize_sync(session: Any, group_name: str) -> dict[str, Any]:
    """The graph's finalizer. Outside a task run (a manual CALL) it summarises the last 24 h."""
    try:
        started, run_id = _graph_run(StatementRunner(session))
        orch = orchestration.Orchestration(session, None, ost.OrchestrateTables(),
                                           orchestration.BudgetGuard(_NoLimits()))  # fmt: skip
        return orchestration.finalize_graph(orch, group_name, started, run_id)
    except Exception as exc:  # handler boundary
        log.exception("FINALIZE_SYNC(%s) failed", group_name)
        return {"success": False, "error": _failed(exc)}


def _graph_run(runner: StatementRunner) -> tuple[datetime, str]:
    try:
        row = runner.run(ost.task_runtime_info())[0]
        return row["STARTED_AT"], str(row["GRAPH_RUN_ID"])
    except LhtError:
        return datetime.now(UTC) - timedelta(hours=24), f"manual-{uuid.uuid4().hex}"


class _NoLimits:
    """The finalizer makes no Salesforce calls; its guard is never consulted."""

    usage = None

    def limits(self) -> dict[str, Any]:
        return {}


# -- schedule ----------------------------------------------------------------------------------


def schedule_sync(session: Any, cron: str, warehouse: str) -> dict[str, Any]:
    return schedule_sync_group(session, cron, warehouse, None)


def schedule_sync_group(
    session: Any, cron: str, warehouse: str, group_name: str | None
) -> dict[str, Any]:
    try:
        return {"success": True, **schedule.schedule(session, cron, warehouse, group_name)}
    except Exception as exc:  # handler boundary
        log.exception("SCHEDULE_SYNC(%s) failed", group_name)
        return {"success": False, "error": _failed(exc)}


def unschedule_sync(session: Any) -> dict[str, Any]:
    return unschedule_sync_group(session, None)


def unschedule_sync_group(session: Any, group_name: str | None) -> dict[str, Any]:
    try:
        return {"success": True, **schedule.unschedule(session, group_name)}
    except Exception as exc:  # handler boundary
        log.exception("UNSCHEDULE_SYNC(%s) failed", group_name)
        return {"success": False, "error": _failed(exc)}


# -- configuration -----------------------------------------------------------------------------


def set_sync_config(
    session: Any, sobject: str, schema_name: str, table_name: str
) -> dict[str, Any]:
    return set_sync_config_full(session, sobject, schema_name, table_name, None, None, True)


def set_sync_config_full(  # noqa: PLR0917 - mirrors the SQL signature
    session: Any,
    sobject: str,
    schema_name: str,
    table_name: str,
    options: Any,
    group_name: str | None,
    enabled: bool | None,
) -> dict[str, Any]:
    try:
        entry = config.set_config(session, sobject, schema_name, table_name, options=options,
                                  group=group_name, enabled=enabled is not False)  # fmt: skip
        return {"success": True, **entry}
    except Exception as exc:  # handler boundary
        return {"success": False, "error": _failed(exc)}


def remove_sync_config(session: Any, schema_name: str, table_name: str) -> dict[str, Any]:
    try:
        removed = config.remove_config(session, schema_name, table_name)
        return {"success": True, "removed": removed}
    except Exception as exc:  # handler boundary
        return {"success": False, "error": _failed(exc)}


# -- Bulk jobs ---------------------------------------------------------------------------------


def list_bulk_jobs(session: Any) -> Any:
    try:
        rows = jobs.list_jobs(client_from_secret())
    except Exception as exc:  # handler boundary
        rows = [{"action": "list", "error": _failed(exc)}]
    return _table(session, JOB_TABLE, rows)


def abort_bulk_job(session: Any, job_id: str) -> Any:
    try:
        rows = [jobs.abort_job(client_from_secret(), job_id)]
    except Exception as exc:  # handler boundary
        rows = [{"id": job_id, "action": "abort", "error": _failed(exc)}]
    return _table(session, JOB_TABLE, rows)


def cleanup_bulk_jobs(session: Any, max_age_hours: float) -> Any:
    try:
        rows = jobs.cleanup_jobs(client_from_secret(), float(max_age_hours))
    except Exception as exc:  # handler boundary
        rows = [{"action": "cleanup", "error": _failed(exc)}]
    return _table(session, JOB_TABLE, rows)


# -- warehouse leftovers -----------------------------------------------------------------------


def cleanup_leftovers(session: Any) -> Any:
    """Staging/rebuild tables and staged files of sync runs that ended or died (README
    "Failures and leftovers"); one row per object, removed or kept (with the reason)."""
    try:
        rows = leftovers.cleanup_leftovers(session)
    except Exception as exc:  # handler boundary
        rows = [{"action": "cleanup", "error": _failed(exc)}]
    return _table(session, leftovers.LEFTOVER_COLUMNS, rows)
