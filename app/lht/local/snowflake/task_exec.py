"""Running task graphs on the local Snowflake, and what a running task can ask.

``EXECUTE TASK <root>`` starts :func:`.task_runner.run_graph` in a background thread (Snowflake
runs it asynchronously, sql/execute-task). Each task body is executed as SQL over a new
connection to the stand-in itself — the real path a client takes — logged in as the system
user with the task owner's role, in the task's database and schema (sql/execute-task: "the
task runs with the privileges of the task owner"). The session knows its task run, so
``SYSTEM$TASK_RUNTIME_INFO(...)`` in the body, or in any procedure the body CALLs (the
procedure's own session inherits it), reads this run's values. On ``USER_TASK_TIMEOUT_MS`` the
runner calls the ``cancel`` callable the running statement left in its session's attributes (a
CALL leaves one that terminates its child process).

``SYSTEM$TASK_RUNTIME_INFO('<what>')`` (functions/system_task_runtime_info) supports
CURRENT_TASK_GRAPH_RUN_GROUP_ID, CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP,
CURRENT_ROOT_TASK_NAME, CURRENT_ROOT_TASK_UUID, CURRENT_TASK_NAME,
LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID and LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP;
outside a task run it fails (LHT treats that as a manual call).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from datetime import UTC
from typing import Any

from lht.local.snowflake import task_history
from lht.local.snowflake.access import control, principal
from lht.local.snowflake.access_checks import Principal, active_roles, check_account
from lht.local.snowflake.access_types import ACCOUNT, Ref
from lht.local.snowflake.context import ACCOUNT_NAME
from lht.local.snowflake.registry import Registry, SessionState, Statement
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.task_model import Task, TaskBook
from lht.local.snowflake.task_runner import RunContext, TaskFailure, run_graph
from lht.local.snowflake.task_store import store

__all__ = ["register", "require_owner_can_run", "start", "task_context", "visible_tasks"]

log = logging.getLogger(__name__)

SYSTEM_USER = "SYSTEM"
_RUNTIME = re.compile(r"SYSTEM\$TASK_RUNTIME_INFO\s*\(\s*'([A-Za-z_]+)'\s*\)", re.I)
_CANDIDATE = re.compile(r"TASK_RUNTIME_INFO|TASK_HISTORY", re.I)
_LOCK = threading.Lock()
_BINDINGS: dict[str, RunContext] = {}  # LHT_TASK_RUN token of a task session → its run
_SESSIONS: dict[str, tuple[Any, str]] = {}  # query id → (connection, seam session token)
_RUNNING: dict[tuple[int, str], int] = {}  # (catalog id, root) → graph runs in progress


def register(registry: Registry) -> None:
    registry.on_login(bind_session)
    registry.rewriter(rewrite)


def bind_session(session: SessionState) -> None:
    """A task body's session: the system user, the owner's role, its run."""
    params = session.attributes.get("login_parameters") or {}
    token = params.get("LHT_TASK_RUN")
    if not token:
        return
    with _LOCK:
        ctx = _BINDINGS.get(str(token))
    if ctx is None:
        raise SqlError(390100, "08004", "Incorrect username or password was specified.")
    session.user = SYSTEM_USER
    session.role = ctx.task.owner
    session.attributes["task_run"] = ctx


def task_context(session: SessionState | None) -> RunContext | None:
    """The task run a session belongs to: its own, or its caller's (a procedure's session)."""
    seen = 0
    while session is not None and seen < 16:
        ctx = session.attributes.get("task_run")
        if ctx is not None:
            return ctx  # type: ignore[no-any-return]
        frame = session.call
        session = getattr(frame, "caller", None) if frame is not None else None
        seen += 1
    return None


# -- privileges ----------------------------------------------------------------------------------


def require_owner_can_run(stmt: Statement, task: Task) -> None:
    """The owner role must hold EXECUTE TASK (+ EXECUTE MANAGED TASK when serverless) and USAGE
    on the task's warehouse (sql/execute-task usage notes; sql/alter-task)."""
    ac = control(stmt.catalog)
    owner = Principal(SYSTEM_USER, task.owner)
    with ac.lock:
        if check_account(ac.state, owner, "EXECUTE TASK") is not None:
            raise SqlError(
                91089,
                "23001",
                "Cannot execute task, EXECUTE TASK privilege must be granted to owner role",
            )
        if task.warehouse is None and check_account(ac.state, owner, "EXECUTE MANAGED TASK"):
            raise SqlError(
                91089,
                "23001",
                "Cannot execute task, EXECUTE MANAGED TASK privilege must be granted to owner role",
            )
        warehouse = Ref("WAREHOUSE", task.warehouse or "")
        roles = ac.state.closure(task.owner)
        if task.warehouse is not None and not ac.state.has(roles, "USAGE", warehouse):
            raise SqlError(
                91089,
                "23001",
                "Cannot execute task, USAGE privilege on the task's "
                "warehouse must be granted to owner role",
            )


def visible_tasks(stmt: Statement) -> set[str]:
    """Tasks the session's role holds any privilege on (owner, MONITOR, OPERATE)."""
    ac = control(stmt.catalog)
    p = principal(stmt.session)
    with ac.lock:
        roles = active_roles(ac.state, p)
        monitor = ac.state.has(roles, "MONITOR EXECUTION", Ref(ACCOUNT, ac.state.account))
        return {
            t.name
            for t in store(stmt.catalog).book().tasks.values()
            if monitor or ac.state.any_privilege(roles, Ref("TASK", t.name))
        }


# -- running -------------------------------------------------------------------------------------


def start(stmt: Statement, book: TaskBook, root: Task) -> None:
    """Start one run of ``root``'s graph in the background (EXECUTE TASK)."""
    tasks = store(stmt.catalog)
    key = (id(stmt.catalog), root.name)
    with _LOCK:
        busy = _RUNNING.get(key, 0) > 0
        if not busy or root.allow_overlapping:
            _RUNNING[key] = _RUNNING.get(key, 0) + 1
    if busy and not root.allow_overlapping:
        task_history.record_skipped(tasks, root)
        return
    graph = book.graph(root.name)
    server = stmt.server
    db_path = stmt.session.db_path

    def body() -> None:
        try:
            run_graph(
                graph,
                execute=lambda ctx: _execute(server, db_path, ctx),
                cancel=lambda ctx: _cancel(server, ctx),
                record=tasks.record,
                scheduled_from="EXECUTE TASK",
            )
        except Exception:  # a runner bug must not kill the server thread silently
            log.exception("task graph %s failed to run", root.name)
        finally:
            with _LOCK:
                _RUNNING[key] -= 1

    threading.Thread(target=body, name=f"lht-graph-{root.short}", daemon=True).start()


def _execute(server: Any, db_path: str | None, ctx: RunContext) -> str | None:
    """Run one task body as its owner over a new connection to the stand-in."""
    import snowflake.connector  # noqa: PLC0415 - local mode only

    from lht.local.runtime import CLIENT_TIMEOUTS  # noqa: PLC0415

    token = secrets.token_urlsafe(16)
    with _LOCK:
        _BINDINGS[token] = ctx
    database, schema, _ = ctx.task.name.split(".")
    params: dict[str, Any] = {"LHT_TASK_RUN": token}
    if db_path:
        params["FAKESNOW_DB_PATH"] = db_path
    try:
        conn = snowflake.connector.connect(
            user=SYSTEM_USER,
            password="local",
            account=ACCOUNT_NAME,
            host=server.host,
            port=server.port,
            protocol="http",
            role=ctx.task.owner,
            database=database,
            schema=schema,
            warehouse=ctx.task.warehouse,
            session_parameters=params,
            **CLIENT_TIMEOUTS,
        )
        session_token = str(conn.rest.token) if conn.rest is not None else ""
        with _LOCK:
            _SESSIONS[ctx.query_id] = (conn, session_token)
        try:
            conn.cursor().execute(ctx.task.body)
        except snowflake.connector.errors.Error as exc:
            if ctx.cancelled.is_set():
                raise TaskFailure("000604", "SQL execution canceled") from None
            raise TaskFailure(f"{exc.errno or 0:06d}", exc.msg or str(exc)) from None
        finally:
            with _LOCK:
                _SESSIONS.pop(ctx.query_id, None)
            conn.close()
    finally:
        with _LOCK:
            _BINDINGS.pop(token, None)
    return None


def _cancel(server: Any, ctx: RunContext) -> None:
    """Stop the task's running statement: whatever runs a long statement in a session leaves a
    ``cancel`` callable in its attributes while it runs (a CALL: terminate its child process)."""
    with _LOCK:
        found = _SESSIONS.get(ctx.query_id)
    if found is None:
        return
    session = getattr(server, "sessions", {}).get(found[1])
    cancel = session.attributes.get("cancel") if session is not None else None
    if cancel is not None:
        log.info("task %s timed out: cancelling its statement", ctx.task.name)
        cancel()


# -- what a running task can ask -----------------------------------------------------------------


def rewrite(sql: str, statement: Statement) -> str:
    """SYSTEM$TASK_RUNTIME_INFO(...) → this run's value; TASK_HISTORY(...) → its rows."""
    if not _CANDIDATE.search(sql):
        return sql
    if _RUNTIME.search(sql):
        ctx = task_context(statement.session)
        sql = _RUNTIME.sub(lambda m: _literal(_runtime_value(statement, ctx, m.group(1))), sql)
    return task_history.rewrite(sql, statement)


def _runtime_value(statement: Statement, ctx: RunContext | None, what: str) -> str | None:
    key = what.upper()
    if ctx is None:
        raise SqlError(
            2141,
            "22000",
            f"SYSTEM$TASK_RUNTIME_INFO('{key}') can only be called within a task run.",
        )
    stamp = ctx.scheduled_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"
    values: dict[str, str | None] = {
        "CURRENT_TASK_GRAPH_RUN_GROUP_ID": ctx.graph_run_group_id,
        "CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": stamp,
        "CURRENT_ROOT_TASK_NAME": ctx.root.name,
        "CURRENT_ROOT_TASK_UUID": ctx.root.id,
        "CURRENT_TASK_NAME": ctx.task.name,
    }
    if key.startswith("LAST_SUCCESSFUL_"):
        last = store(statement.catalog).last_success(ctx.root.id)
        values["LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID"] = last[0] if last else None
        values["LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP"] = (
            last[1].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"
            if last
            else None
        )
    if key not in values:
        raise SqlError.invalid_value(f"invalid argument '{what}' for SYSTEM$TASK_RUNTIME_INFO")
    return values[key]


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"
