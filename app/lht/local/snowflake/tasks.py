"""Task statements of the local Snowflake: CREATE/ALTER/DROP/EXECUTE/SHOW/DESCRIBE TASK and
``SELECT SYSTEM$TASK_DEPENDENTS_ENABLE(...)``.

Definitions and graph rules are :mod:`.task_model`, grammar :mod:`.task_sql`, storage
:mod:`.task_store`, running a graph :mod:`.task_exec`. Privileges (docs.snowflake.com):

* CREATE TASK: CREATE TASK on the schema; USAGE on the warehouse, or EXECUTE MANAGED TASK on
  the account for a serverless task; OR REPLACE also OWNERSHIP of the task (sql/create-task);
* ALTER TASK RESUME/SUSPEND: OWNERSHIP or OPERATE on the task; resuming also needs the owner
  role to hold EXECUTE TASK (and EXECUTE MANAGED TASK when serverless, USAGE on the warehouse
  otherwise): "091089 (23001): Cannot execute task, EXECUTE TASK privilege must be granted to
  owner role" (sql/alter-task; user-guide/tasks-intro#task-security);
* ALTER TASK SET / MODIFY, DROP TASK: OWNERSHIP;
* EXECUTE TASK: OWNERSHIP or OPERATE on the task, and the owner's EXECUTE TASK and warehouse
  USAGE; the run uses the owner role's privileges (sql/execute-task usage notes);
* SHOW TASKS / DESCRIBE TASK list what the role holds any privilege on.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime

from lht.local.snowflake import task_exec
from lht.local.snowflake.catalog import ACCOUNT
from lht.local.snowflake.objects import created, parse_show, show_result
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DESCRIBE, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName, Parser
from lht.local.snowflake.task_model import Task, TaskBook, TaskError
from lht.local.snowflake.task_sql import (
    AlterTask,
    TaskProps,
    check_schedule,
    parse_alter,
    parse_create,
    parse_execute,
)
from lht.local.snowflake.task_store import TaskStore, store

__all__ = ["register"]

_OK = "Statement executed successfully."
SHOW_COLUMNS = tuple(
    Column(n, t)
    for n, t in (
        ("created_on", "timestamp_ltz"),
        ("name", "text"),
        ("id", "text"),
        ("database_name", "text"),
        ("schema_name", "text"),
        ("owner", "text"),
        ("comment", "text"),
        ("warehouse", "text"),
        ("schedule", "text"),
        ("predecessors", "text"),
        ("state", "text"),
        ("definition", "text"),
        ("condition", "text"),
        ("allow_overlapping_execution", "text"),
        ("error_integration", "text"),
        ("last_committed_on", "timestamp_ltz"),
        ("last_suspended_on", "timestamp_ltz"),
        ("owner_role_type", "text"),
        ("config", "text"),
        ("budget", "text"),
        ("task_relations", "text"),
        ("last_suspended_reason", "text"),
    )
)
_ENABLE = re.compile(
    r"^\s*SELECT\s+SYSTEM\$TASK_DEPENDENTS_ENABLE\s*\(\s*'((?:[^']|'')*)'\s*\)"
    r"(?:\s+(?:AS\s+)?(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*))?\s*;?\s*$",
    re.I | re.S,
)


def register(registry: Registry) -> None:
    registry.add("CREATE", "TASK", create)
    registry.add("ALTER", "TASK", alter)
    registry.add("DROP", "TASK", drop)
    registry.add("EXECUTE", "TASK", execute)
    registry.add("SHOW", "TASKS", show, lambda s: list(SHOW_COLUMNS))
    registry.add("DESCRIBE", "TASK", describe, lambda s: list(SHOW_COLUMNS))
    registry.add("SELECT", "SYSTEM$TASK_DEPENDENTS_ENABLE", enable_dependents)
    task_exec.register(registry)


def _qualified(stmt: Statement, name: ObjectName, action: str) -> str:
    return ".".join(stmt.qualify(name, action))


def _change(stmt: Statement, apply: object) -> Result:
    """Run ``apply(book)`` on the tasks under the store's lock and write what changed."""
    tasks = store(stmt.catalog)
    with tasks.lock:
        before = tasks.book()
        after = TaskBook(dict(before.tasks))
        try:
            result = apply(after)  # type: ignore[operator]
        except TaskError as exc:
            d = exc.denial
            raise SqlError(d.errno, d.sqlstate, d.message) from None
        tasks.save(before, after)
    return result  # type: ignore[no-any-return]


# -- CREATE ------------------------------------------------------------------------------------


def create(stmt: Statement) -> Result:
    c = parse_create(stmt.sql)
    database, schema, short = stmt.qualify(c.name, "CREATE TASK")
    name = f"{database}.{schema}.{short}"
    stmt.authorize("CREATE TASK", "SCHEMA", (database, schema))
    task = _task_from(stmt, name, c.props, c.body)
    task = replace(task, after=tuple(_qualified(stmt, a, "CREATE TASK") for a in c.after))
    _authorize_compute(stmt, task)

    def apply(book: TaskBook) -> Result:
        existing = book.tasks.get(name)
        if existing is not None and c.or_replace:
            stmt.authorize("OWNERSHIP", "TASK", (database, schema, short))
        made = book.create(task, or_replace=c.or_replace, if_not_exists=c.if_not_exists)
        return created("Task", short, existed=not made)

    return _change(stmt, apply)


def _task_from(stmt: Statement, name: str, props: TaskProps, body: str) -> Task:
    v = props.values
    warehouse = v.get("WAREHOUSE")
    finalize = v.get("FINALIZE")
    size = v.get("USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE")
    schedule = v.get("SCHEDULE")
    return Task(
        name=name,
        owner=stmt.session.role or "PUBLIC",
        body=body,
        warehouse=warehouse.name if isinstance(warehouse, ObjectName) else None,
        serverless_size=str(size).upper().replace("-", "")
        if size
        else (None if warehouse else "XSMALL"),
        schedule=check_schedule(str(schedule)) if schedule else None,
        finalize=_qualified(stmt, finalize, "CREATE TASK")
        if isinstance(finalize, ObjectName)
        else None,
        timeout_ms=int(v.get("USER_TASK_TIMEOUT_MS", 3_600_000)),  # type: ignore[call-overload]
        retry_attempts=int(v.get("TASK_AUTO_RETRY_ATTEMPTS", 0)),  # type: ignore[call-overload]
        suspend_after_failures=int(v.get("SUSPEND_TASK_AFTER_NUM_FAILURES", 10)),  # type: ignore[call-overload]
        allow_overlapping=bool(v.get("ALLOW_OVERLAPPING_EXECUTION", False)),
        comment=str(v.get("COMMENT") or ""),
        config=v.get("CONFIG"),  # type: ignore[arg-type]
    )


def _authorize_compute(stmt: Statement, task: Task) -> None:
    """USAGE on the task's warehouse (which must exist), or EXECUTE MANAGED TASK."""
    if task.warehouse is None:
        stmt.authorize("EXECUTE MANAGED TASK", "ACCOUNT")
        return
    if stmt.catalog.get("WAREHOUSE", ACCOUNT, ACCOUNT, task.warehouse) is None:
        raise SqlError.does_not_exist("Warehouse", task.warehouse)
    stmt.authorize("USAGE", "WAREHOUSE", (task.warehouse,))


# -- ALTER / DROP ------------------------------------------------------------------------------


def alter(stmt: Statement) -> Result:
    a = parse_alter(stmt.sql)
    database, schema, short = stmt.qualify(a.name, "ALTER TASK")
    name = f"{database}.{schema}.{short}"
    parts = (database, schema, short)

    def apply(book: TaskBook) -> Result:
        task = book.tasks.get(name)
        if task is None:
            if a.if_exists:
                return status(_OK)
            raise SqlError.does_not_exist("Task", name)
        if a.action in ("RESUME", "SUSPEND"):
            stmt.authorize("OPERATE", "TASK", parts)
            if a.action == "RESUME":
                task_exec.require_owner_can_run(stmt, task)
                book.resume(name)
            else:
                book.suspend(name)
            return status(_OK)
        stmt.authorize("OWNERSHIP", "TASK", parts)
        _alter_definition(stmt, book, task, a)
        return status(_OK)

    return _change(stmt, apply)


def _alter_definition(stmt: Statement, book: TaskBook, task: Task, a: AlterTask) -> None:
    """SET / UNSET / MODIFY AS: the task is re-validated as if created again (suspended)."""
    if task.state == "started":
        raise SqlError(
            91421,
            "22000",
            "Unable to update graph with root task "
            f"{book.root_of(task.name)} since that root task is not suspended.",
        )
    if a.action == "MODIFY":
        changed = replace(task, body=a.body)
    elif a.action == "UNSET":
        defaults = _task_from(stmt, task.name, TaskProps({}), task.body)
        changed = task
        for key in a.unset:
            field = _FIELDS.get(key)
            if field:
                changed = replace(changed, **{field: getattr(defaults, field)})
    else:
        merged = _task_from(stmt, task.name, a.props, task.body)
        changed = task
        for key in a.props.values:
            field = _FIELDS.get(key)
            if field:
                changed = replace(changed, **{field: getattr(merged, field)})
        if "WAREHOUSE" in a.props.values:
            changed = replace(changed, serverless_size=None)
        _authorize_compute(stmt, changed)
    book.create(replace(changed, owner=task.owner), or_replace=True)


_FIELDS = {
    "WAREHOUSE": "warehouse",
    "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE": "serverless_size",
    "SCHEDULE": "schedule",
    "USER_TASK_TIMEOUT_MS": "timeout_ms",
    "TASK_AUTO_RETRY_ATTEMPTS": "retry_attempts",
    "SUSPEND_TASK_AFTER_NUM_FAILURES": "suspend_after_failures",
    "ALLOW_OVERLAPPING_EXECUTION": "allow_overlapping",
    "COMMENT": "comment",
    "CONFIG": "config",
}


def drop(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("DROP", "TASK")
    if_exists = parser.accept("IF", "EXISTS")
    name_parts = parser.object_name()
    parser.end()
    database, schema, short = stmt.qualify(name_parts, "DROP TASK")
    name = f"{database}.{schema}.{short}"

    def apply(book: TaskBook) -> Result:
        if name not in book.tasks:
            if if_exists:
                return status(f"Drop statement executed successfully ({short} already dropped).")
            raise SqlError.does_not_exist("Task", name)
        stmt.authorize("OWNERSHIP", "TASK", (database, schema, short))
        book.drop(name)
        return status(f"{short} successfully dropped.")

    return _change(stmt, apply)


# -- EXECUTE / SYSTEM$TASK_DEPENDENTS_ENABLE ---------------------------------------------------


def execute(stmt: Statement) -> Result:
    e = parse_execute(stmt.sql)
    database, schema, short = stmt.qualify(e.name, "EXECUTE TASK")
    name = f"{database}.{schema}.{short}"
    tasks = store(stmt.catalog)
    with tasks.lock:
        book = tasks.book()
        if name not in book.tasks:
            raise SqlError.does_not_exist("Task", name)
        stmt.authorize("OPERATE", "TASK", (database, schema, short))
        try:
            root = book.runnable_root(name)
        except TaskError as exc:
            raise SqlError(exc.denial.errno, exc.denial.sqlstate, exc.denial.message) from None
        task_exec.require_owner_can_run(stmt, root)
        if e.retry_last:
            raise SqlError(
                2029,
                "0A000",
                "SQL compilation error:\nEXECUTE TASK ... RETRY LAST "
                "is not supported by the local Snowflake.",
            )
        task_exec.start(stmt, book, root)
    return status(_OK, 0)


def enable_dependents(stmt: Statement) -> Result:
    match = _ENABLE.match(stmt.sql)
    if match is None:
        raise SqlError(
            1003,
            "42000",
            "SQL compilation error:\nSYSTEM$TASK_DEPENDENTS_ENABLE "
            "takes one string literal argument here (the root task's name).",
        )
    written = match.group(1).replace("''", "'")
    alias = (match.group(2) or f"SYSTEM$TASK_DEPENDENTS_ENABLE('{written}')").strip('"')
    names = Parser(written).object_name()
    database, schema, short = stmt.qualify(names, "SYSTEM$TASK_DEPENDENTS_ENABLE")
    name = f"{database}.{schema}.{short}"

    def apply(book: TaskBook) -> Result:
        if name not in book.tasks:
            raise SqlError.does_not_exist("Task", name)
        for task in book.graph(name):
            stmt.authorize("OPERATE", "TASK", tuple(task.name.split(".")))
        task_exec.require_owner_can_run(stmt, book.tasks[name])
        book.enable_dependents(name)
        return Result((Column(alias),), [[""]])

    return _change(stmt, apply)


# -- SHOW / DESCRIBE ---------------------------------------------------------------------------


def _row(t: Task, tasks: TaskStore) -> list[object]:
    database, schema, name = t.name.split(".")
    predecessors = json.dumps([a for a in t.after], indent=2) if t.after else "[]"
    relations = json.dumps(
        {"Predecessors": list(t.after), **({"FinalizedRootTask": t.finalize} if t.finalize else {})}
    )
    return [
        t.created_on,
        name,
        t.id,
        database,
        schema,
        t.owner,
        t.comment or None,
        t.warehouse,
        t.schedule,
        predecessors,
        t.state,
        t.body,
        None,
        "true" if t.allow_overlapping else "false",
        "null",
        t.created_on,
        datetime.now(UTC) if t.state == "suspended" else None,
        "ROLE",
        t.config,
        None,
        relations,
        None,
    ]


def show(stmt: Statement) -> Result:
    flt = parse_show(stmt, ("TASKS",), schema_objects=True)
    tasks = store(stmt.catalog)
    visible = task_exec.visible_tasks(stmt)
    rows = [
        _row(t, tasks)
        for t in tasks.book().tasks.values()
        if (flt.database is None or t.name.split(".")[0] == flt.database)
        and (flt.schema is None or t.name.split(".")[1] == flt.schema)
        and flt.keep(t.short)
        and t.name in visible
    ]
    rows.sort(key=lambda r: (str(r[3]), str(r[4]), str(r[1])))
    return show_result(SHOW_COLUMNS, rows[: flt.limit] if flt.limit else rows)


def describe(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.one_of("DESCRIBE", "DESC")
    parser.expect("TASK")
    name_parts = parser.object_name()
    parser.end()
    database, schema, short = stmt.qualify(name_parts, "DESCRIBE TASK")
    name = f"{database}.{schema}.{short}"
    tasks = store(stmt.catalog)
    task = tasks.book().tasks.get(name)
    if task is None or name not in task_exec.visible_tasks(stmt):
        raise SqlError.does_not_exist("Task", name)
    return Result(SHOW_COLUMNS, [_row(task, tasks)], DESCRIBE)
