"""Where tasks and their runs live: catalog rows (kind ``TASK``) and a ``task_history`` table.

A task is a catalog object (database, schema, name, owner) whose properties hold the rest of
its definition and its state, so tasks survive a restart like the other objects and their
owner is the catalog's ``owner`` column (GRANT OWNERSHIP moves it). Every task run (one row per
task, attempt and graph run) is a row of ``task_history`` in the catalog's DuckDB file, read by
``INFORMATION_SCHEMA.TASK_HISTORY()`` (:mod:`.task_history`).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import Any

from lht.local.snowflake.catalog import Catalog, CatalogObject
from lht.local.snowflake.task_model import DEFAULT_TIMEOUT_MS, Task, TaskBook
from lht.local.snowflake.task_runner import TaskRun

__all__ = ["HISTORY_COLUMNS", "TaskStore", "store"]

KIND = "TASK"
_HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS task_history (
    query_id VARCHAR PRIMARY KEY, name VARCHAR, database_name VARCHAR, schema_name VARCHAR,
    query_text VARCHAR, state VARCHAR, error_code VARCHAR, error_message VARCHAR,
    scheduled_time TIMESTAMPTZ, query_start_time TIMESTAMPTZ, completed_time TIMESTAMPTZ,
    root_task_id VARCHAR, run_id BIGINT, return_value VARCHAR, scheduled_from VARCHAR,
    attempt_number INTEGER, graph_run_group_id VARCHAR, owner VARCHAR, config VARCHAR
)
"""
HISTORY_COLUMNS = (
    "query_id",
    "name",
    "database_name",
    "schema_name",
    "query_text",
    "state",
    "error_code",
    "error_message",
    "scheduled_time",
    "query_start_time",
    "completed_time",
    "root_task_id",
    "run_id",
    "return_value",
    "scheduled_from",
    "attempt_number",
    "graph_run_group_id",
    "owner",
    "config",
)
_STORES: dict[int, TaskStore] = {}
_STORES_LOCK = threading.Lock()


def _object(task: Task) -> CatalogObject:
    database, schema, name = task.name.split(".")
    props: dict[str, Any] = {
        "body": task.body,
        "warehouse": task.warehouse,
        "serverless_size": task.serverless_size,
        "schedule": task.schedule,
        "after": list(task.after),
        "finalize": task.finalize,
        "timeout_ms": task.timeout_ms,
        "retry_attempts": task.retry_attempts,
        "suspend_after_failures": task.suspend_after_failures,
        "allow_overlapping": task.allow_overlapping,
        "config": task.config,
        "state": task.state,
        "id": task.id,
    }
    return CatalogObject(
        KIND,
        database,
        schema,
        name,
        owner=task.owner,
        created_on=task.created_on,
        comment=task.comment or None,
        properties=props,
    )


def _task(obj: CatalogObject) -> Task:
    p = obj.properties
    return Task(
        name=f"{obj.database}.{obj.schema}.{obj.name}",
        owner=obj.owner or "",
        body=p["body"],
        warehouse=p.get("warehouse"),
        serverless_size=p.get("serverless_size"),
        schedule=p.get("schedule"),
        after=tuple(p.get("after") or ()),
        finalize=p.get("finalize"),
        timeout_ms=int(p.get("timeout_ms") or DEFAULT_TIMEOUT_MS),
        retry_attempts=int(p.get("retry_attempts") or 0),
        suspend_after_failures=int(p.get("suspend_after_failures") or 10),
        allow_overlapping=bool(p.get("allow_overlapping")),
        comment=obj.comment or "",
        config=p.get("config"),
        state=p.get("state", "suspended"),
        id=p.get("id") or "",
        created_on=obj.created_on,
    )


class TaskStore:
    """The tasks of one catalog, read into a TaskBook and written back after a change."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.lock = threading.RLock()
        catalog.execute(_HISTORY_DDL)

    def book(self) -> TaskBook:
        return TaskBook({t.name: t for t in map(_task, self.catalog.find(KIND))})

    def save(self, before: TaskBook, after: TaskBook) -> None:
        """Write the tasks that changed between two books, delete the ones that went."""
        for name, task in after.tasks.items():
            old = before.tasks.get(name)
            current = self.catalog.get(KIND, *name.split("."))
            owner = current.owner if current is not None and old is not None else task.owner
            if old != task or current is None:
                self.catalog.put(_object(replace(task, owner=owner or task.owner)))
        for name in set(before.tasks) - set(after.tasks):
            self.catalog.delete(KIND, *name.split("."))

    def record(self, run: TaskRun) -> None:
        """Insert or update one TASK_HISTORY row."""
        task = run.task
        database, schema, name = task.name.split(".")
        values = [
            run.query_id,
            name,
            database,
            schema,
            task.body,
            run.state,
            run.error_code,
            run.error_message,
            run.scheduled_at,
            run.started_at,
            run.completed_at,
            run.root.id,
            run.run_id,
            run.return_value,
            run.scheduled_from,
            run.attempt,
            run.graph_run_group_id,
            task.owner,
            task.config,
        ]
        with self.lock:
            self.catalog.execute("DELETE FROM task_history WHERE query_id = ?", [run.query_id])
            self.catalog.execute(
                f"INSERT INTO task_history ({', '.join(HISTORY_COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in HISTORY_COLUMNS)})",
                values,
            )

    def history(self, database: str | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM task_history"
        params: list[Any] = []
        if database is not None:
            sql += " WHERE database_name = ?"
            params.append(database)
        rows = self.catalog.execute(
            sql + " ORDER BY scheduled_time DESC, query_start_time DESC", params
        )
        return [dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in rows]

    def last_success(self, root_id: str) -> tuple[str, datetime] | None:
        """(graph run group id, scheduled time) of the root's last fully successful run."""
        rows = self.catalog.execute(
            "SELECT graph_run_group_id, min(scheduled_time) FROM task_history WHERE "
            "root_task_id = ? GROUP BY graph_run_group_id HAVING bool_and(state = 'SUCCEEDED') "
            "ORDER BY 2 DESC LIMIT 1",
            [root_id],
        )
        return (str(rows[0][0]), rows[0][1]) if rows else None


def store(catalog: Catalog) -> TaskStore:
    with _STORES_LOCK:
        found = _STORES.get(id(catalog))
        if found is None or found.catalog is not catalog:
            found = _STORES[id(catalog)] = TaskStore(catalog)
        return found
