"""Reading the task statements: CREATE / ALTER / DROP / EXECUTE / SHOW / DESCRIBE TASK.

Grammar (docs.snowflake.com/en/sql-reference/sql/create-task, alter-task, drop-task,
execute-task, show-tasks, desc-task). CREATE TASK properties may come in any order, each once,
before ``AFTER``, ``WHEN`` and ``AS <sql>``; the body is the rest of the statement, verbatim:

* ``WAREHOUSE = <name>`` or ``USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = '<size>'`` (not both);
* ``SCHEDULE = '<num> { HOURS | MINUTES | SECONDS }' | 'USING CRON <expr> <time_zone>'``;
* ``USER_TASK_TIMEOUT_MS`` (0 – 86 400 000), ``TASK_AUTO_RETRY_ATTEMPTS`` (0 – 30),
  ``SUSPEND_TASK_AFTER_NUM_FAILURES``, ``ALLOW_OVERLAPPING_EXECUTION``, ``CONFIG``,
  ``COMMENT``, ``FINALIZE = <root>``, ``ERROR_INTEGRATION``/``SUCCESS_INTEGRATION``,
  ``LOG_LEVEL`` and session parameters (kept, without effect);
* ``WHEN <condition>`` is refused here: the local Snowflake does not evaluate conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import ObjectName, Parser, Token

__all__ = [
    "AlterTask",
    "CreateTask",
    "ExecuteTask",
    "TaskProps",
    "check_schedule",
    "parse_alter",
    "parse_create",
    "parse_execute",
]

SIZES = (
    "XSMALL",
    "SMALL",
    "MEDIUM",
    "LARGE",
    "XLARGE",
    "XXLARGE",
    "XXXLARGE",
    "X4LARGE",
    "X5LARGE",
    "X6LARGE",
)
MAX_TIMEOUT_MS = 86_400_000
_INTERVAL = re.compile(r"^\s*(\d+)\s+(SECOND|SECONDS|MINUTE|MINUTES|HOUR|HOURS)\s*$", re.I)
_CRON_FIELD = re.compile(r"^[0-9*,/\-LW#?A-Za-z]+$")
#: Properties whose value is a number, a boolean, a string, a name.
_NUMBERS = (
    "USER_TASK_TIMEOUT_MS",
    "TASK_AUTO_RETRY_ATTEMPTS",
    "SUSPEND_TASK_AFTER_NUM_FAILURES",
    "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS",
)
_BOOLEANS = ("ALLOW_OVERLAPPING_EXECUTION",)
_STRINGS = (
    "SCHEDULE",
    "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE",
    "CONFIG",
    "COMMENT",
    "LOG_LEVEL",
    "TARGET_COMPLETION_INTERVAL",
    "SERVERLESS_TASK_MIN_STATEMENT_SIZE",
    "SERVERLESS_TASK_MAX_STATEMENT_SIZE",
    "TRACE_LEVEL",
)
_NAMES = ("WAREHOUSE", "FINALIZE", "ERROR_INTEGRATION", "SUCCESS_INTEGRATION")
#: Session parameters a task may set (sql/parameters, session parameters); kept, no effect.
_SESSION = (
    "TIMEZONE",
    "QUERY_TAG",
    "AUTOCOMMIT",
    "TIMESTAMP_INPUT_FORMAT",
    "TIMESTAMP_OUTPUT_FORMAT",
    "STATEMENT_TIMEOUT_IN_SECONDS",
    "BINARY_INPUT_FORMAT",
    "DATE_INPUT_FORMAT",
    "ROWS_PER_RESULTSET",
    "JSON_INDENT",
    "QUOTED_IDENTIFIERS_IGNORE_CASE",
    "WEEK_START",
)


@dataclass(frozen=True)
class TaskProps:
    values: dict[str, object] = field(default_factory=dict)

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)


@dataclass(frozen=True)
class CreateTask:
    name: ObjectName
    props: TaskProps
    after: tuple[ObjectName, ...]
    body: str
    or_replace: bool = False
    if_not_exists: bool = False


@dataclass(frozen=True)
class AlterTask:
    name: ObjectName
    action: str  # RESUME | SUSPEND | SET | UNSET | MODIFY
    props: TaskProps = field(default_factory=TaskProps)
    unset: tuple[str, ...] = ()
    body: str = ""
    if_exists: bool = False


@dataclass(frozen=True)
class ExecuteTask:
    name: ObjectName
    retry_last: bool = False


def check_schedule(text: str) -> str:
    """A valid SCHEDULE value, normalised; Snowflake's invalid-value error otherwise."""
    interval = _INTERVAL.match(text)
    if interval:
        number, unit = int(interval.group(1)), interval.group(2).upper().rstrip("S")
        if number > 0:
            return f"{number} {unit}S" if number != 1 else f"{number} {unit}"
    parts = text.split()
    if (
        len(parts) == 8
        and parts[0].upper() == "USING"
        and parts[1].upper() == "CRON"
        and all(_CRON_FIELD.match(p) for p in parts[2:7])
    ):
        return "USING CRON " + " ".join(parts[2:])
    raise SqlError.invalid_value(f"invalid value '{text}' for property 'SCHEDULE'")


def _props(p: Parser, *, stop: tuple[str, ...]) -> TaskProps:
    values: dict[str, object] = {}
    while p.peek().kind == "word" and p.peek().value not in stop:
        token = p.next()
        key = token.value
        if key in values or key not in (*_NUMBERS, *_BOOLEANS, *_STRINGS, *_NAMES, *_SESSION):
            raise p.error(token)
        p.expect_punct("=")
        values[key] = _value(p, key, token)
        p.accept_punct(",")
    return TaskProps(values)


def _value(p: Parser, key: str, token: Token) -> object:
    if key in _NUMBERS:
        number = p.number()
        if not number.isdigit():
            raise SqlError.invalid_value(f"invalid value [{number}] for parameter '{key}'")
        return int(number)
    if key in _BOOLEANS:
        return p.boolean()
    if key in _NAMES:
        return p.object_name()
    if key in _STRINGS:
        return p.string()
    nxt = p.next()  # a session parameter: any literal
    if nxt.kind not in ("string", "number", "word"):
        raise p.error(nxt)
    return nxt.value


def validate(props: TaskProps) -> None:
    """Cross-property rules of CREATE/ALTER TASK (invalid values → Snowflake's 001008)."""
    v = props.values
    if "WAREHOUSE" in v and "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE" in v:
        raise SqlError(
            2029,
            "42601",
            "SQL compilation error:\nConflicting properties: "
            "WAREHOUSE and USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE.",
        )
    size = v.get("USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE")
    if size is not None and str(size).upper().replace("-", "") not in SIZES:
        raise SqlError.invalid_value(
            f"invalid value '{size}' for property 'USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE'"
        )
    timeout = v.get("USER_TASK_TIMEOUT_MS")
    if isinstance(timeout, int) and not 0 < timeout <= MAX_TIMEOUT_MS:
        raise SqlError.invalid_value(
            f"invalid value [{timeout}] for parameter 'USER_TASK_TIMEOUT_MS'"
        )
    retries = v.get("TASK_AUTO_RETRY_ATTEMPTS")
    if isinstance(retries, int) and retries > 30:
        raise SqlError.invalid_value(
            f"invalid value [{retries}] for parameter 'TASK_AUTO_RETRY_ATTEMPTS'"
        )
    if "SCHEDULE" in v:
        check_schedule(str(v["SCHEDULE"]))


def _body(sql: str, p: Parser) -> str:
    """The statement text after ``AS`` (verbatim, without a trailing semicolon)."""
    token = p.peek()
    lines = sql.split("\n")
    offset = sum(len(line) + 1 for line in lines[: token.line - 1]) + token.column
    body = sql[offset:].strip().rstrip(";").strip()
    if not body:
        raise p.error()
    return body


def parse_create(sql: str) -> CreateTask:
    p = Parser(sql)
    p.expect("CREATE")
    replace = p.accept("OR", "REPLACE")
    p.expect("TASK")
    if_not_exists = p.accept("IF", "NOT", "EXISTS")
    name = p.object_name()
    props = _props(p, stop=("AFTER", "WHEN", "AS"))
    after: list[ObjectName] = []
    if p.accept("AFTER"):
        after.append(p.object_name())
        while p.accept_punct(","):
            after.append(p.object_name())
    if p.at("WHEN"):
        raise SqlError(
            2029,
            "0A000",
            "SQL compilation error:\nWHEN conditions of tasks are "
            "not supported by the local Snowflake.",
        )
    p.expect("AS")
    validate(props)
    return CreateTask(name, props, tuple(after), _body(sql, p), replace, if_not_exists)


def parse_alter(sql: str) -> AlterTask:
    p = Parser(sql)
    p.expect("ALTER", "TASK")
    if_exists = p.accept("IF", "EXISTS")
    name = p.object_name()
    action = p.one_of("RESUME", "SUSPEND", "SET", "UNSET", "MODIFY")
    if action == "SET":
        props = _props(p, stop=())
        if not props.values:
            raise p.error()
        validate(props)
        p.end()
        return AlterTask(name, action, props, if_exists=if_exists)
    if action == "UNSET":
        keys = [p.one_of(*_NUMBERS, *_BOOLEANS, *_STRINGS, *_NAMES, *_SESSION)]
        while p.accept_punct(","):
            keys.append(p.one_of(*_NUMBERS, *_BOOLEANS, *_STRINGS, *_NAMES, *_SESSION))
        p.end()
        return AlterTask(name, action, unset=tuple(keys), if_exists=if_exists)
    if action == "MODIFY":
        p.expect("AS")
        return AlterTask(name, action, body=_body(sql, p), if_exists=if_exists)
    p.end()
    return AlterTask(name, action, if_exists=if_exists)


def parse_execute(sql: str) -> ExecuteTask:
    p = Parser(sql)
    p.expect("EXECUTE", "TASK")
    name = p.object_name()
    retry = p.accept("RETRY", "LAST")
    p.end()
    return ExecuteTask(name, retry)
