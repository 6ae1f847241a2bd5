"""Pure SQL builders for orchestration: SYNC_CONFIG, API usage samples, graph-run summaries,
the Snowsight views, and the Snowflake Task graph DDL.

Same conventions as :mod:`lht.warehouse.statements`: every builder returns a
:class:`Statement`, values are bound with ``?`` and identifiers come only through
:mod:`lht.warehouse.identifiers`. Task DDL cannot bind values (Snowflake has no binds in
``CREATE TASK`` properties), so its few literals — the CRON text and the warehouse size — are
checked against strict patterns before they reach the text; everything else is an identifier.
"""

from __future__ import annotations

import re
from datetime import datetime

from lht.errors import ConfigError
from lht.warehouse.identifiers import TableName, quote_identifier, validate_identifier
from lht.warehouse.leftover_statements import leftover_counts
from lht.warehouse.push_statements import PushTables
from lht.warehouse.state_statements import StateTables, timestamp_param
from lht.warehouse.statements import Statement

__all__ = [
    "CONFIG_COLUMNS",
    "GRAPH_RUN_COLUMNS",
    "OrchestrateTables",
    "create_config_table",
    "create_graph_runs_table",
    "create_samples_table",
    "create_views",
    "delete_config",
    "insert_graph_run",
    "insert_sample",
    "select_config",
    "select_runs_since",
    "select_status",
    "upsert_config",
]

CONFIG_COLUMNS = ("SOBJECT", "TARGET_SCHEMA", "TARGET_TABLE", "SYNC_GROUP", "ENABLED",
                  "OPTIONS", "UPDATED_AT")  # fmt: skip
GRAPH_RUN_COLUMNS = ("GRAPH_RUN_ID", "SYNC_GROUP", "STARTED_AT", "FINISHED_AT", "OBJECTS",
                     "SUCCEEDED", "FAILED", "DEFERRED", "NOT_RUN", "DETAILS")  # fmt: skip


class OrchestrateTables:
    """Names of LHT's orchestration tables and views (schema ``LHT`` by default)."""

    def __init__(self, schema: str = "LHT") -> None:
        self.schema = validate_identifier(schema, "orchestration schema")
        self.state = StateTables(self.schema)
        self.push = PushTables(self.schema)
        self.config = TableName.of(self.schema, "SYNC_CONFIG")
        self.samples = TableName.of(self.schema, "API_USAGE_SAMPLES")
        self.graph_runs = TableName.of(self.schema, "SYNC_GRAPH_RUNS")
        self.history = TableName.of(self.schema, "SYNC_HISTORY")
        self.status = TableName.of(self.schema, "SYNC_STATUS")
        self.usage = TableName.of(self.schema, "API_USAGE")
        self.push_history = TableName.of(self.schema, "PUSH_HISTORY")


def create_config_table(t: OrchestrateTables) -> Statement:
    text = (
        f"CREATE TABLE IF NOT EXISTS {t.config.sql} (SOBJECT VARCHAR NOT NULL, "
        "TARGET_SCHEMA VARCHAR NOT NULL, TARGET_TABLE VARCHAR NOT NULL, "
        "SYNC_GROUP VARCHAR NOT NULL, ENABLED BOOLEAN NOT NULL, OPTIONS VARIANT, "
        "UPDATED_AT TIMESTAMP_NTZ)"
    )
    return Statement("create_config_table", text, ddl=True)


def create_samples_table(t: OrchestrateTables) -> Statement:
    text = (
        f"CREATE TABLE IF NOT EXISTS {t.samples.sql} (SAMPLED_AT TIMESTAMP_NTZ, "
        "API_USED NUMBER, API_MAX NUMBER, SYNC_GROUP VARCHAR, SOBJECT VARCHAR)"
    )
    return Statement("create_samples_table", text, ddl=True)


def create_graph_runs_table(t: OrchestrateTables) -> Statement:
    text = (
        f"CREATE TABLE IF NOT EXISTS {t.graph_runs.sql} (GRAPH_RUN_ID VARCHAR, "
        "SYNC_GROUP VARCHAR, STARTED_AT TIMESTAMP_NTZ, FINISHED_AT TIMESTAMP_NTZ, "
        "OBJECTS NUMBER, SUCCEEDED NUMBER, FAILED NUMBER, DEFERRED NUMBER, NOT_RUN NUMBER, "
        "DETAILS VARCHAR)"
    )
    return Statement("create_graph_runs_table", text, ddl=True)


def upsert_config(
    t: OrchestrateTables,
    *,
    sobject: str,
    schema: str,
    table: str,
    group: str,
    enabled: bool,
    options_json: str | None,
    now: datetime,
) -> tuple[Statement, Statement]:
    """DELETE the entry of ``schema.table`` then INSERT it (run both in one transaction):
    one configuration row per target table."""
    delete = delete_config(t, schema, table)
    insert = (
        f"INSERT INTO {t.config.sql} ({', '.join(CONFIG_COLUMNS)}) "
        "SELECT ?, ?, ?, ?, ?, PARSE_JSON(?), TO_TIMESTAMP_NTZ(?)"
    )
    params = (sobject, schema, table, group, enabled, options_json, timestamp_param(now))
    return delete, Statement("insert_config", insert, params)


def delete_config(t: OrchestrateTables, schema: str, table: str) -> Statement:
    text = f"DELETE FROM {t.config.sql} WHERE TARGET_SCHEMA = ? AND TARGET_TABLE = ?"
    return Statement("delete_config", text, (schema, table))


def select_config(t: OrchestrateTables, group: str | None, enabled_only: bool) -> Statement:
    """Entries ordered by group, schema, table; ``OPTIONS`` as JSON text."""
    where, params = [], []
    if group is not None:
        where.append("SYNC_GROUP = ?")
        params.append(group)
    if enabled_only:
        where.append("ENABLED")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    text = (
        "SELECT SOBJECT, TARGET_SCHEMA, TARGET_TABLE, SYNC_GROUP, ENABLED, "
        f"TO_JSON(OPTIONS) AS OPTIONS, UPDATED_AT FROM {t.config.sql}{clause} "
        "ORDER BY SYNC_GROUP, TARGET_SCHEMA, TARGET_TABLE"
    )
    return Statement("select_config", text, tuple(params))


def insert_sample(
    t: OrchestrateTables, now: datetime, usage: tuple[int, int], *, group: str, sobject: str
) -> Statement:
    """One budget-guard reading: ``usage`` = (used, max) of DailyApiRequests."""
    used, maximum = usage
    text = (
        f"INSERT INTO {t.samples.sql} (SAMPLED_AT, API_USED, API_MAX, SYNC_GROUP, SOBJECT) "
        "SELECT TO_TIMESTAMP_NTZ(?), ?, ?, ?, ?"
    )
    return Statement("insert_sample", text, (timestamp_param(now), used, maximum, group, sobject))


def select_runs_since(t: OrchestrateTables, since: datetime) -> Statement:
    text = (
        "SELECT SOBJECT, TARGET_SCHEMA, TARGET_TABLE, STATUS, STARTED_AT "
        f"FROM {t.state.runs.sql} WHERE STARTED_AT >= TO_TIMESTAMP_NTZ(?) ORDER BY STARTED_AT"
    )
    return Statement("select_runs_since", text, (timestamp_param(since),))


def insert_graph_run(t: OrchestrateTables, values: dict[str, object]) -> Statement:
    if set(values) != set(GRAPH_RUN_COLUMNS):
        raise ConfigError(f"graph run row needs exactly {GRAPH_RUN_COLUMNS}")
    exprs = [
        "TO_TIMESTAMP_NTZ(?)" if c in ("STARTED_AT", "FINISHED_AT") else "?"
        for c in GRAPH_RUN_COLUMNS
    ]
    params = tuple(
        timestamp_param(values[c]) if c in ("STARTED_AT", "FINISHED_AT") else values[c]  # type: ignore[arg-type]
        for c in GRAPH_RUN_COLUMNS
    )
    text = (
        f"INSERT INTO {t.graph_runs.sql} ({', '.join(GRAPH_RUN_COLUMNS)}) SELECT {', '.join(exprs)}"
    )
    return Statement("insert_graph_run", text, params)


def select_status(t: OrchestrateTables) -> Statement:
    return Statement(
        "select_status", f"SELECT * FROM {t.status.sql} ORDER BY STATUS_RANK, SOBJECT, TARGET"
    )


# -- views ------------------------------------------------------------------------------------

_NOW = "SYSDATE()"  # UTC, TIMESTAMP_NTZ: the same kind of value LHT stores


def _history_view(t: OrchestrateTables) -> Statement:
    text = (
        f"CREATE OR REPLACE VIEW {t.history.sql} COPY GRANTS AS SELECT r.RUN_ID, r.SOBJECT, "
        "r.TARGET_SCHEMA || '.' || r.TARGET_TABLE AS TARGET, r.STATUS, r.SYNC_METHOD, "
        "r.STARTED_AT, r.ENDED_AT, DATEDIFF(SECOND, r.STARTED_AT, r.ENDED_AT) AS "
        "DURATION_SECONDS, r.ESTIMATED_RECORDS, r.ROWS_EXTRACTED, r.ROWS_INSERTED, "
        "r.ROWS_UPDATED, r.ROWS_DELETED, r.BYTES_STAGED, r.API_CALLS, r.WATERMARK_FROM, "
        f"r.WATERMARK_TO, r.ERROR FROM {t.state.runs.sql} AS r"
    )
    return Statement("create_sync_history_view", text, ddl=True)


def _status_view(t: OrchestrateTables) -> Statement:
    rank = (
        "CASE l.STATUS WHEN 'FAILED' THEN 1 WHEN 'DEFERRED' THEN 2 WHEN 'RUNNING' THEN 3 "
        "WHEN 'SUCCESS' THEN 5 ELSE 4 END"
    )
    text = (
        f"CREATE OR REPLACE VIEW {t.status.sql} COPY GRANTS AS WITH targets AS ("
        f"SELECT SOBJECT, TARGET_SCHEMA, TARGET_TABLE FROM {t.config.sql} UNION "
        f"SELECT SOBJECT, TARGET_SCHEMA, TARGET_TABLE FROM {t.state.runs.sql}), "
        f"latest AS (SELECT * FROM {t.state.runs.sql} QUALIFY ROW_NUMBER() OVER ("
        "PARTITION BY SOBJECT, TARGET_SCHEMA, TARGET_TABLE ORDER BY STARTED_AT DESC) = 1), "
        f"leftovers AS ({leftover_counts(t.state)}) "
        f"SELECT {rank} AS STATUS_RANK, COALESCE(l.STATUS, 'NEVER_RUN') AS STATUS, "
        "x.SOBJECT, x.TARGET_SCHEMA || '.' || x.TARGET_TABLE AS TARGET, c.SYNC_GROUP, "
        "c.ENABLED, l.STARTED_AT AS LAST_RUN_AT, l.SYNC_METHOD AS LAST_METHOD, "
        "l.ERROR AS LAST_ERROR, s.LAST_SUCCESS_AT, s.WATERMARK AS DATA_CURRENT_TO, "
        f"DATEDIFF(MINUTE, s.WATERMARK, {_NOW}) AS LAG_MINUTES, "
        f"DATEDIFF(MINUTE, s.LAST_SUCCESS_AT, {_NOW}) AS MINUTES_SINCE_SUCCESS, "
        "l.RUN_ID AS LAST_RUN_ID, COALESCE(o.N, 0) AS LEFTOVER_TABLES FROM targets AS x "
        "LEFT JOIN latest AS l ON l.SOBJECT = x.SOBJECT AND l.TARGET_SCHEMA = x.TARGET_SCHEMA "
        "AND l.TARGET_TABLE = x.TARGET_TABLE "
        "LEFT JOIN leftovers AS o ON o.SOBJECT = x.SOBJECT AND o.TARGET_SCHEMA = x.TARGET_SCHEMA "
        "AND o.TARGET_TABLE = x.TARGET_TABLE "
        f"LEFT JOIN {t.state.state.sql} AS s ON s.SOBJECT = x.SOBJECT "
        "AND s.TARGET_SCHEMA = x.TARGET_SCHEMA AND s.TARGET_TABLE = x.TARGET_TABLE "
        f"LEFT JOIN {t.config.sql} AS c ON c.TARGET_SCHEMA = x.TARGET_SCHEMA "
        "AND c.TARGET_TABLE = x.TARGET_TABLE AND c.SOBJECT = x.SOBJECT "
        "ORDER BY STATUS_RANK, x.SOBJECT, TARGET"
    )
    return Statement("create_sync_status_view", text, ddl=True)


def _usage_view(t: OrchestrateTables) -> Statement:
    day = "CAST(r.STARTED_AT AS DATE)"
    text = (
        f"CREATE OR REPLACE VIEW {t.usage.sql} COPY GRANTS AS WITH runs AS ("
        "SELECT 'sync' AS KIND, RUN_ID, SOBJECT, TARGET_SCHEMA || '.' || TARGET_TABLE AS "
        f"TARGET, STARTED_AT, COALESCE(API_CALLS, 0) AS API_CALLS FROM {t.state.runs.sql} "
        "UNION ALL SELECT 'push' AS KIND, RUN_ID, SOBJECT, SOURCE AS TARGET, STARTED_AT, "
        f"COALESCE(API_CALLS, 0) AS API_CALLS FROM {t.push.runs.sql}), "
        "allowance AS (SELECT CAST(SAMPLED_AT AS DATE) AS DAY, MAX(API_MAX) AS "
        f"DAILY_ALLOWANCE, MAX(API_USED) AS ORG_CALLS_PEAK FROM {t.samples.sql} "
        f"GROUP BY CAST(SAMPLED_AT AS DATE)) SELECT {day} AS DAY, r.KIND, r.RUN_ID, "
        "r.SOBJECT, r.TARGET, r.STARTED_AT, r.API_CALLS, "
        f"SUM(r.API_CALLS) OVER (PARTITION BY {day}) AS LHT_CALLS_DAY, a.DAILY_ALLOWANCE, "
        f"a.ORG_CALLS_PEAK, ROUND(100 * SUM(r.API_CALLS) OVER (PARTITION BY {day}) / "
        "NULLIF(a.DAILY_ALLOWANCE, 0), 2) AS LHT_SHARE_OF_ALLOWANCE_PCT FROM runs AS r "
        f"LEFT JOIN allowance AS a ON a.DAY = {day}"
    )
    return Statement("create_api_usage_view", text, ddl=True)


def _push_history_view(t: OrchestrateTables) -> Statement:
    text = (
        f"CREATE OR REPLACE VIEW {t.push_history.sql} COPY GRANTS AS SELECT p.RUN_ID, p.SOBJECT, "
        "p.OPERATION, p.SOURCE, p.METHOD, p.STATUS, p.SUCCESS, p.STARTED_AT, p.ENDED_AT, "
        "DATEDIFF(SECOND, p.STARTED_AT, p.ENDED_AT) AS DURATION_SECONDS, p.ROWS_READ, "
        "p.ROWS_UNCHANGED, p.ROWS_SENT, p.ROWS_SUCCEEDED, p.ROWS_CREATED, p.ROWS_FAILED, "
        "p.ROWS_UNPROCESSED, p.ROWS_RETRIED, p.JOBS, p.JOB_IDS, p.API_CALLS, p.ERROR "
        f"FROM {t.push.runs.sql} AS p"
    )
    return Statement("create_push_history_view", text, ddl=True)


def create_views(t: OrchestrateTables) -> list[Statement]:
    """SYNC_HISTORY, SYNC_STATUS (failing first: ``ORDER BY STATUS_RANK``), API_USAGE,
    PUSH_HISTORY. The tables they read must exist first."""
    return [_history_view(t), _status_view(t), _usage_view(t), _push_history_view(t)]


# -- identifiers used by the task graph -------------------------------------------------------

_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,\-?LW#]+")
_TIMEZONE = re.compile(r"[A-Za-z_]+(/[A-Za-z0-9_+\-]+){0,2}")


def check_cron(cron: str) -> str:
    """``<5 fields> <time zone>`` (e.g. ``0 */2 * * * UTC``) or ``N MINUTES|HOURS``; returned
    normalised; anything else (quotes, semicolons...) is a ConfigError."""
    parts = str(cron).split()
    if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) > 0:
        unit = parts[1].upper().rstrip("S")
        if unit in ("MINUTE", "HOUR"):  # CREATE TASK's '<num> { HOURS | MINUTES | SECONDS }'
            return f"{int(parts[0])} {unit}S"
    fields_ok = len(parts) == 6 and all(_CRON_FIELD.fullmatch(p) for p in parts[:5])
    if fields_ok and _TIMEZONE.fullmatch(parts[5]):
        return "USING CRON " + " ".join(parts)
    raise ConfigError(
        f"invalid schedule {cron!r}: use '<min> <hour> <day> <month> <weekday> <time zone>' "
        "(e.g. '0 */2 * * * UTC'), 'N MINUTES' or 'N HOURS'"
    )


def task_name(schema: str, name: str, database: str | None = None) -> str:
    """``"<DB>"."LHT"."<NAME>"`` (or ``"LHT"."<NAME>"`` without a database) for a task or a
    procedure (validated identifiers)."""
    parts = [validate_identifier(schema, "schema"), validate_identifier(name, "task name")]
    if database is not None:
        parts.insert(0, validate_identifier(database, "database"))
    return ".".join(quote_identifier(part) for part in parts)


#: Snowflake's range for ``USER_TASK_TIMEOUT_MS`` is 0 – 86,400,000 (one day); 0 means "the
#: maximum" (docs.snowflake.com/en/sql-reference/parameters#user-task-timeout-ms).
MAX_TASK_TIMEOUT_MS = 86_400_000


def current_database() -> Statement:
    """The session's database (where SCHEDULE_SYNC creates the tasks)."""
    return Statement("current_database", "SELECT CURRENT_DATABASE() AS DATABASE_NAME")


SERVERLESS_SIZES = frozenset({"XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE"})


def create_task(
    qualified: str,
    *,
    body: str,
    warehouse: str | None = None,
    serverless_size: str | None = None,
    schedule: str | None = None,
    timeout_ms: int | None = None,
    after: tuple[str, ...] = (),
    finalize: str | None = None,
    comment: str = "",
) -> Statement:
    """``CREATE OR REPLACE TASK`` with the clauses in the documented order: compute
    (``WAREHOUSE`` or ``USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE``), ``SCHEDULE``,
    ``USER_TASK_TIMEOUT_MS``, ``COMMENT``, ``FINALIZE``, ``AFTER``, ``AS <body>``.
    ``qualified``/``after``/``finalize`` are names from :func:`task_name`; ``schedule`` comes
    from :func:`check_cron`; ``body`` is built by the caller from identifiers only."""
    clauses = [f"CREATE OR REPLACE TASK {qualified}"]
    if warehouse is not None:
        clauses.append(
            f"WAREHOUSE = {quote_identifier(validate_identifier(warehouse, 'warehouse'))}"
        )
    elif serverless_size is not None:
        if serverless_size not in SERVERLESS_SIZES:
            raise ConfigError(
                f"invalid serverless size {serverless_size!r}: {sorted(SERVERLESS_SIZES)}"
            )
        clauses.append(f"USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = '{serverless_size}'")
    if schedule is not None:
        clauses.append(f"SCHEDULE = '{check_cron(schedule.removeprefix('USING CRON '))}'")
    if timeout_ms is not None:
        if isinstance(timeout_ms, bool) or not 0 < int(timeout_ms) <= MAX_TASK_TIMEOUT_MS:
            raise ConfigError(f"task timeout must be 1 .. {MAX_TASK_TIMEOUT_MS} ms")
        clauses.append(f"USER_TASK_TIMEOUT_MS = {int(timeout_ms)}")
    if comment:
        if "'" in comment or "\\" in comment:
            raise ConfigError("task comments may not contain quotes or backslashes")
        clauses.append(f"COMMENT = '{comment}'")
    if finalize is not None:
        clauses.append(f"FINALIZE = {finalize}")
    if after:
        clauses.append(f"AFTER {', '.join(after)}")
    clauses.append(f"AS {body}")
    return Statement("create_task", "\n  ".join(clauses), ddl=True)


def suspend_task(qualified: str) -> Statement:
    return Statement("suspend_task", f"ALTER TASK IF EXISTS {qualified} SUSPEND", ddl=True)


def drop_task(qualified: str) -> Statement:
    return Statement("drop_task", f"DROP TASK IF EXISTS {qualified}", ddl=True)


def enable_graph(schema: str, root: str, database: str | None = None) -> Statement:
    """Resume the root and every dependent task (``SYSTEM$TASK_DEPENDENTS_ENABLE``); the
    name is validated identifiers, inlined so the script reads as it runs."""
    parts = [validate_identifier(schema, "schema"), validate_identifier(root, "task name")]
    if database is not None:
        parts.insert(0, validate_identifier(database, "database"))
    name = ".".join(parts)
    return Statement("enable_graph", f"SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('{name}') AS RESULT")


def show_tasks(schema: str, database: str | None = None) -> Statement:
    name = quote_identifier(validate_identifier(schema, "schema"))
    if database is not None:
        name = f"{quote_identifier(validate_identifier(database, 'database'))}.{name}"
    return Statement("show_tasks", f"SHOW TASKS LIKE 'LHT_SYNC_%' IN SCHEMA {name}")


def call_text(procedure: str, *args: str) -> str:
    """``CALL "LHT"."PROC"('A', 'B')`` from a task-name-style procedure and identifier args."""
    literals = ", ".join(f"'{validate_identifier(a, 'procedure argument')}'" for a in args)
    return f"CALL {procedure}({literals})"


def resume_task(qualified: str) -> Statement:
    return Statement("resume_task", f"ALTER TASK IF EXISTS {qualified} RESUME", ddl=True)


def task_runtime_info() -> Statement:
    """Inside a task run: the graph run id and the root's original scheduled time (UTC NTZ).
    Fails outside a task run (Snowflake raises), which callers treat as a manual call."""
    scheduled = "SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP')"
    text = (
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID') AS GRAPH_RUN_ID, "
        f"CONVERT_TIMEZONE('UTC', TO_TIMESTAMP_TZ({scheduled}))::TIMESTAMP_NTZ AS STARTED_AT"
    )
    return Statement("task_runtime_info", text)
