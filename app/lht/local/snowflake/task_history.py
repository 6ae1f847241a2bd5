"""``INFORMATION_SCHEMA.TASK_HISTORY()``: the recorded task runs, as a table function.

``SELECT ... FROM TABLE([<db>.]INFORMATION_SCHEMA.TASK_HISTORY(<args>))`` is rewritten, before
fakesnow runs it, so the ``TABLE(...)`` becomes a subquery over the runs this role may see
(functions/task_history: the task owner, a role with MONITOR or OPERATE on the task, or the
global MONITOR EXECUTION), in the database of that INFORMATION_SCHEMA. Arguments
(``name => value``) become conditions fakesnow evaluates: SCHEDULED_TIME_RANGE_START/END,
TASK_NAME (case-insensitive, unqualified), ERROR_ONLY, ROOT_TASK_ID, RESULT_LIMIT (default
100, newest first). Columns are Snowflake's: QUERY_ID, NAME, DATABASE_NAME, SCHEMA_NAME,
QUERY_TEXT, CONDITION_TEXT, STATE, ERROR_CODE, ERROR_MESSAGE, SCHEDULED_TIME,
QUERY_START_TIME, NEXT_SCHEDULED_TIME, COMPLETED_TIME, ROOT_TASK_ID, GRAPH_VERSION, RUN_ID,
RETURN_VALUE, SCHEDULED_FROM, ATTEMPT_NUMBER, CONFIG, GRAPH_RUN_GROUP_ID.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lht.local.snowflake.access import control, principal
from lht.local.snowflake.access_checks import active_roles
from lht.local.snowflake.access_types import ACCOUNT, Ref
from lht.local.snowflake.registry import Statement
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import Token, tokenize
from lht.local.snowflake.task_model import Task
from lht.local.snowflake.task_runner import TaskRun
from lht.local.snowflake.task_store import TaskStore, store

__all__ = ["record_skipped", "rewrite"]

#: (column, type, history field or None for a constant NULL)
COLUMNS = (
    ("QUERY_ID", "VARCHAR", "query_id"),
    ("NAME", "VARCHAR", "name"),
    ("DATABASE_NAME", "VARCHAR", "database_name"),
    ("SCHEMA_NAME", "VARCHAR", "schema_name"),
    ("QUERY_TEXT", "VARCHAR", "query_text"),
    ("CONDITION_TEXT", "VARCHAR", None),
    ("STATE", "VARCHAR", "state"),
    ("ERROR_CODE", "VARCHAR", "error_code"),
    ("ERROR_MESSAGE", "VARCHAR", "error_message"),
    ("SCHEDULED_TIME", "TIMESTAMP_LTZ", "scheduled_time"),
    ("QUERY_START_TIME", "TIMESTAMP_LTZ", "query_start_time"),
    ("NEXT_SCHEDULED_TIME", "TIMESTAMP_LTZ", None),
    ("COMPLETED_TIME", "TIMESTAMP_LTZ", "completed_time"),
    ("ROOT_TASK_ID", "VARCHAR", "root_task_id"),
    ("GRAPH_VERSION", "NUMBER", None),
    ("RUN_ID", "NUMBER", "run_id"),
    ("RETURN_VALUE", "VARCHAR", "return_value"),
    ("SCHEDULED_FROM", "VARCHAR", "scheduled_from"),
    ("ATTEMPT_NUMBER", "NUMBER", "attempt_number"),
    ("CONFIG", "VARCHAR", "config"),
    ("GRAPH_RUN_GROUP_ID", "VARCHAR", "graph_run_group_id"),
)
_ARGS = (
    "SCHEDULED_TIME_RANGE_START",
    "SCHEDULED_TIME_RANGE_END",
    "RESULT_LIMIT",
    "TASK_NAME",
    "ERROR_ONLY",
    "ROOT_TASK_ID",
)
MAX_LIMIT = 10_000


def record_skipped(tasks: TaskStore, root: Task) -> None:
    """A run of ``root`` that did not start because its previous run is still executing
    (ALLOW_OVERLAPPING_EXECUTION = FALSE, sql/create-task)."""
    now = datetime.now(UTC)
    tasks.record(
        TaskRun(
            str(uuid.uuid4()),
            root,
            root,
            "SKIPPED",
            now,
            str(uuid.uuid4()),
            1,
            "EXECUTE TASK",
            completed_at=now,
            error_message="Skipped: the previous run of this task graph is still "
            "executing (ALLOW_OVERLAPPING_EXECUTION = FALSE).",
        )
    )


def rewrite(sql: str, statement: Statement) -> str:
    """Every ``TABLE(INFORMATION_SCHEMA.TASK_HISTORY(...))`` replaced by a subquery."""
    while True:
        found = _find(sql)
        if found is None:
            return sql
        start, end, database, args = found
        sql = sql[:start] + "(" + _subquery(statement, database, args) + ")" + sql[end:]


def _offsets(sql: str) -> list[int]:
    offsets = [0]
    for line in sql.split("\n")[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    return offsets


def _find(sql: str) -> tuple[int, int, str | None, dict[str, str]] | None:
    """(start, end, database, {arg: expression text}) of the first TASK_HISTORY call."""
    tokens = tokenize(sql)
    offsets = _offsets(sql)

    def at(t: Token) -> int:
        return offsets[t.line - 1] + t.column

    for i, token in enumerate(tokens):
        if not (token.kind == "word" and token.value == "TASK_HISTORY" and i >= 4):
            continue
        if not (tokens[i - 1].value == "." and tokens[i - 2].value == "INFORMATION_SCHEMA"):
            continue
        j = i - 3
        database = None
        if tokens[j].value == "." and tokens[j - 1].kind in ("word", "qident"):
            database, j = tokens[j - 1].value, j - 2
        if not (tokens[j].value == "(" and tokens[j - 1].value == "TABLE"):
            continue
        close, args = _arguments(sql, tokens, i + 1, at)
        if close + 1 >= len(tokens) or tokens[close + 1].value != ")":
            continue
        end_token = tokens[close + 1]
        return at(tokens[j - 1]), at(end_token) + 1, database, args
    return None


def _arguments(
    sql: str, tokens: list[Token], open_index: int, at: Any
) -> tuple[int, dict[str, str]]:
    """Index of the call's closing parenthesis and its ``name => expression`` arguments."""
    depth, i, args = 0, open_index, {}
    start = at(tokens[open_index]) + 1
    name: str | None = None
    while i < len(tokens) - 1:
        t = tokens[i]
        if t.value == "(":
            depth += 1
        elif t.value == ")":
            depth -= 1
        if depth == 0 or (depth == 1 and t.value == ","):
            if name is not None:
                args[name] = sql[start : at(t)].strip()
            if depth == 0:
                return i, args
            name = None
        elif depth == 1 and t.value == "=>" and tokens[i - 1].kind == "word":
            name = tokens[i - 1].value
            start = at(t) + 2
            if name not in _ARGS:
                raise SqlError(
                    1003,
                    "42000",
                    f"SQL compilation error:\ninvalid argument "
                    f"'{name}' for function 'TASK_HISTORY'",
                )
        i += 1
    raise SqlError.syntax_eof(tokens[-1].line, tokens[-1].column)


def _subquery(statement: Statement, database: str | None, args: dict[str, str]) -> str:
    database = database or statement.session.database
    rows = _visible(statement, store(statement.catalog).history(database))
    union = (
        " UNION ALL ".join(_select(row) for row in rows) if rows else (_select({}) + " WHERE 1 = 0")
    )
    where = []
    if "SCHEDULED_TIME_RANGE_START" in args:
        where.append(f"SCHEDULED_TIME >= ({args['SCHEDULED_TIME_RANGE_START']})")
    if "SCHEDULED_TIME_RANGE_END" in args:
        where.append(f"SCHEDULED_TIME < ({args['SCHEDULED_TIME_RANGE_END']})")
    if "TASK_NAME" in args:
        where.append(f"UPPER(NAME) = UPPER({args['TASK_NAME']})")
    if "ROOT_TASK_ID" in args:
        where.append(f"ROOT_TASK_ID = ({args['ROOT_TASK_ID']})")
    if "ERROR_ONLY" in args:
        where.append(
            f"(NOT ({args['ERROR_ONLY']}) OR STATE IN ('FAILED', "
            "'FAILED_AND_AUTO_SUSPENDED', 'CANCELLED'))"
        )
    limit = args.get("RESULT_LIMIT", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise SqlError.invalid_value(f"invalid value [{limit}] for argument 'RESULT_LIMIT'")
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    return (
        f"SELECT * FROM ({union}) AS TASK_HISTORY{condition} ORDER BY SCHEDULED_TIME DESC, "
        f"QUERY_START_TIME DESC LIMIT {int(limit)}"
    )


def _visible(statement: Statement, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ac = control(statement.catalog)
    p = principal(statement.session)
    with ac.lock:
        roles = active_roles(ac.state, p)
        if ac.state.has(roles, "MONITOR EXECUTION", Ref(ACCOUNT, ac.state.account)):
            return rows
        return [
            r
            for r in rows
            if r["owner"] in roles
            or ac.state.any_privilege(
                roles, Ref("TASK", f"{r['database_name']}.{r['schema_name']}.{r['name']}")
            )
        ]


def _select(row: dict[str, Any]) -> str:
    return "SELECT " + ", ".join(
        f"CAST({_literal(row.get(field) if field else None)} AS {kind}) AS {name}"
        for name, kind, field in COLUMNS
    )


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return "'" + stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00:00'"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
