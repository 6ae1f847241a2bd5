"""SCHEDULE_SYNC / UNSCHEDULE_SYNC: create, replace or drop a group's Snowflake Task graph.

Runs only on Snowflake (tasks cannot be emulated on the local stand-in); locally,
:func:`schedule_sql` shows the DDL and :mod:`lht.orchestrate.local_runner` executes the same
graph model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from lht.errors import ConfigError
from lht.orchestrate.config import (
    ConfigEntry,
    ensure_orchestration_objects,
    list_config,
    validate_group,
)
from lht.orchestrate.graph import Compute, drop_statements, plan_graph, schedule_statements
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse.runner import StatementRunner

__all__ = ["schedule", "schedule_sql", "unschedule"]

log = logging.getLogger(__name__)


def schedule_sql(
    entries: Iterable[ConfigEntry],
    cron: str,
    warehouse: str,
    group: str | None = None,
    *,
    existing: Sequence[str] = (),
    schema: str = "LHT",
    database: str | None = None,
) -> list[str]:
    """The SQL SCHEDULE_SYNC runs for ``entries`` (``warehouse``: a warehouse name or
    ``SERVERLESS[:SIZE]``; ``database``: qualify every name, as SCHEDULE_SYNC does), in
    order. Pure: nothing is executed."""
    graph = plan_graph(entries, group=group, cron=cron, compute=Compute.parse(warehouse),
                       schema=schema, database=database)  # fmt: skip
    return [s.text for s in schedule_statements(graph, existing)]


def _row(row: Any) -> dict[str, Any]:
    return dict(row.as_dict() if hasattr(row, "as_dict") else row)


def _existing_tasks(runner: StatementRunner, schema: str, database: str) -> list[str]:
    return [str(_row(r)["name"]) for r in runner.run(ost.show_tasks(schema, database))]


def _database(runner: StatementRunner) -> str:
    """The database the procedure runs in; the tasks are created there, fully qualified."""
    rows = runner.run(ost.current_database())
    name = next(iter(_row(rows[0]).values()), None) if rows else None
    if not name:
        raise ConfigError("no current database: call SCHEDULE_SYNC with a database in use")
    return str(name)


def schedule(
    session: Any, cron: str, warehouse: str, group: str | None = None, *, schema: str = "LHT"
) -> dict[str, Any]:
    """Create or replace the graph of ``group`` from the current SYNC_CONFIG."""
    runner = StatementRunner(session)
    tables = ost.OrchestrateTables(schema)
    ensure_orchestration_objects(runner, tables)
    entries = list_config(session, group, enabled_only=True, tables=tables)
    database = _database(runner)
    graph = plan_graph(entries, group=group, cron=cron, compute=Compute.parse(warehouse),
                       schema=schema, database=database)  # fmt: skip
    existing = _existing_tasks(runner, schema, database)
    statements = schedule_statements(graph, existing)
    runner.run_all(statements)
    dropped = [s.text.rsplit(".", 1)[-1].strip('"') for s in statements if s.name == "drop_task"]
    log.info(
        "scheduled group %s: %d objects, dropped %s", graph.group, len(graph.children), dropped
    )
    return {
        "group": graph.group,
        "schedule": graph.schedule,
        "root_task": f"{graph.database}.{schema}.{graph.root.name}",
        "tasks": [n.name for n in graph.nodes],
        "dropped": dropped,
    }


def unschedule(session: Any, group: str | None = None, *, schema: str = "LHT") -> dict[str, Any]:
    """Suspend and drop the graph of ``group`` (children, finalizer, root)."""
    runner = StatementRunner(session)
    database = _database(runner)
    statements = drop_statements(group, _existing_tasks(runner, schema, database), schema,
                                 database)  # fmt: skip
    runner.run_all(statements)
    dropped = [s.text.rsplit(".", 1)[-1].strip('"') for s in statements if s.name == "drop_task"]
    return {"group": validate_group(group), "dropped": dropped}
