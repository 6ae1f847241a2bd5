"""Pure SQL builders for LHT's own state tables: SYNC_STATE, SYNC_RUNS, SYNC_LOCKS (DDL; the
lock protocol's statements are in :mod:`lht.warehouse.lock_statements`).

The DDL has the same columns and types as the state section of ``sql/setup.sql`` (whichever
runs first creates the tables; both use ``IF NOT EXISTS``), so a fresh database or the local
stand-in works without setup. Installs made before a column existed are migrated with
:func:`add_state_column` (``ADD COLUMN IF NOT EXISTS``, docs.snowflake.com/sql-reference/sql/
alter-table), driven by :func:`state_columns`. Timestamps
are TIMESTAMP_NTZ holding UTC and are bound as ``YYYY-MM-DD HH:MM:SS.ffffff`` text converted
with TO_TIMESTAMP_NTZ (identical on Snowflake and the stand-in). In MERGE statements every
bind sits inside the USING source.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lht.errors import ConfigError
from lht.warehouse.identifiers import TableName, validate_identifier
from lht.warehouse.statements import Statement

__all__ = [
    "RUN_COLUMNS",
    "STATE_COLUMNS",
    "StateTables",
    "add_state_column",
    "create_locks_table",
    "create_runs_table",
    "create_state_table",
    "expected_columns",
    "insert_run",
    "mark_formulas_refreshed",
    "read_state",
    "state_columns",
    "timestamp_param",
    "update_run",
    "upsert_state",
]

RUN_COLUMNS = (
    "RUN_ID",
    "SOBJECT",
    "TARGET_SCHEMA",
    "TARGET_TABLE",
    "SYNC_METHOD",
    "STARTED_AT",
    "ENDED_AT",
    "STATUS",
    "ESTIMATED_RECORDS",
    "ROWS_EXTRACTED",
    "ROWS_INSERTED",
    "ROWS_UPDATED",
    "ROWS_DELETED",
    "BYTES_STAGED",
    "API_CALLS",
    "WATERMARK_FROM",
    "WATERMARK_TO",
    "ERROR",
    "DELETE_CHECK",
    "FORMULA_COLUMNS",
)
#: SYNC_STATE columns and types. DELETES_CHECKED_TO: up to when Salesforce's deletions are
#: applied (the next deleted-records window starts there); FORMULAS_REFRESHED_AT: when the
#: table's formula columns were last re-read in full.
STATE_COLUMNS = {
    "SOBJECT": "VARCHAR",
    "TARGET_SCHEMA": "VARCHAR",
    "TARGET_TABLE": "VARCHAR",
    "WATERMARK_FIELD": "VARCHAR",
    "WATERMARK": "TIMESTAMP_NTZ",
    "LAST_RUN_ID": "VARCHAR",
    "LAST_SUCCESS_AT": "TIMESTAMP_NTZ",
    "DELETES_CHECKED_TO": "TIMESTAMP_NTZ",
    "FORMULAS_REFRESHED_AT": "TIMESTAMP_NTZ",
}
_LOCK_COLUMNS = {"TARGET": "VARCHAR", "RUN_ID": "VARCHAR", "ACQUIRED_AT": "TIMESTAMP_NTZ",
                 "EXPIRES_AT": "TIMESTAMP_NTZ"}  # fmt: skip
_TIMESTAMP_COLUMNS = frozenset({"STARTED_AT", "ENDED_AT", "WATERMARK_FROM", "WATERMARK_TO"})
_NUMBER_COLUMNS = frozenset(
    {
        "ESTIMATED_RECORDS",
        "ROWS_EXTRACTED",
        "ROWS_INSERTED",
        "ROWS_UPDATED",
        "ROWS_DELETED",
        "BYTES_STAGED",
        "API_CALLS",
    }
)


class StateTables:
    """Names of the state tables in the LHT schema of the current database."""

    def __init__(self, schema: str = "LHT") -> None:
        self.schema = validate_identifier(schema, "state schema")
        self.state = TableName.of(self.schema, "SYNC_STATE")
        self.runs = TableName.of(self.schema, "SYNC_RUNS")
        self.locks = TableName.of(self.schema, "SYNC_LOCKS")


def timestamp_param(moment: datetime | None) -> str | None:
    """Bind form of a timestamp: aware datetimes are converted to UTC, naive ones are UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def state_columns(t: StateTables) -> Statement:
    """The columns of SYNC_STATE / SYNC_RUNS / SYNC_LOCKS that exist (current database): one
    catalog query tells which tables to create and which columns to add."""
    text = (
        "SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? "
        "AND TABLE_NAME IN (?, ?, ?)"
    )
    names = (t.state.table, t.runs.table, t.locks.table)
    return Statement("state_columns", text, (t.schema, *names))


def _run_types() -> dict[str, str]:
    types = {c: "VARCHAR" for c in RUN_COLUMNS}
    types |= {c: "TIMESTAMP_NTZ" for c in _TIMESTAMP_COLUMNS}
    return types | {c: "NUMBER" for c in _NUMBER_COLUMNS}


def expected_columns(t: StateTables) -> dict[str, dict[str, str]]:
    """Table name → {column: type} of the current state-table layout."""
    return {t.state.table: dict(STATE_COLUMNS), t.runs.table: _run_types(),
            t.locks.table: dict(_LOCK_COLUMNS)}  # fmt: skip


def _create(name: str, table: TableName, columns: dict[str, str]) -> Statement:
    defs = ", ".join(f"{c} {kind}" for c, kind in columns.items())
    return Statement(name, f"CREATE TABLE IF NOT EXISTS {table.sql} ({defs})", ddl=True)


def add_state_column(t: StateTables, table: str, column: str) -> Statement:
    """Migrate an older install: ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` one column of
    the current layout (idempotent, so two first runs racing both succeed)."""
    tables = {n.table: n for n in (t.state, t.runs, t.locks)}
    kind = expected_columns(t).get(table, {}).get(column)
    if table not in tables or kind is None:
        raise ConfigError(f"{column} is not a column of the state table {table}")
    text = f"ALTER TABLE {tables[table].sql} ADD COLUMN IF NOT EXISTS {column} {kind}"
    return Statement("add_state_column", text, ddl=True)


def create_state_table(t: StateTables) -> Statement:
    return _create("create_state_table", t.state, STATE_COLUMNS)


def create_runs_table(t: StateTables) -> Statement:
    return _create("create_runs_table", t.runs, _run_types())


def create_locks_table(t: StateTables) -> Statement:
    return _create("create_locks_table", t.locks, _LOCK_COLUMNS)


def read_state(t: StateTables, sobject: str, schema: str, table: str) -> Statement:
    text = (
        "SELECT WATERMARK_FIELD, WATERMARK, LAST_RUN_ID, LAST_SUCCESS_AT, DELETES_CHECKED_TO, "
        f"FORMULAS_REFRESHED_AT FROM {t.state.sql} "
        "WHERE SOBJECT = ? AND TARGET_SCHEMA = ? AND TARGET_TABLE = ?"
    )
    return Statement("read_state", text, (sobject, schema, table))


def upsert_state(
    t: StateTables,
    *,
    sobject: str,
    schema: str,
    table: str,
    watermark_field: str | None,
    watermark: datetime | None,
    run_id: str,
    success_at: datetime,
    deletes_checked_to: datetime | None = None,
    formulas_refreshed_at: datetime | None = None,
) -> Statement:
    """Record a successful run: the watermark (the plan's upper bound) and the run id, plus
    how far deletions are applied and when formulas were refreshed (None keeps the stored
    value: a run without that pass leaves it alone).

    One MERGE, run inside the commit transaction with the data MERGE and the run row."""
    keep = ("DELETES_CHECKED_TO", "FORMULAS_REFRESHED_AT")
    text = (
        f"MERGE INTO {t.state.sql} AS t USING (SELECT ? AS SOBJECT, ? AS TARGET_SCHEMA, "
        "? AS TARGET_TABLE, ? AS WATERMARK_FIELD, TO_TIMESTAMP_NTZ(?) AS WATERMARK, "
        "? AS LAST_RUN_ID, TO_TIMESTAMP_NTZ(?) AS LAST_SUCCESS_AT, "
        "TO_TIMESTAMP_NTZ(?) AS DELETES_CHECKED_TO, TO_TIMESTAMP_NTZ(?) AS FORMULAS_REFRESHED_AT"
        ") AS s ON t.SOBJECT = s.SOBJECT AND t.TARGET_SCHEMA = s.TARGET_SCHEMA "
        "AND t.TARGET_TABLE = s.TARGET_TABLE "
        "WHEN MATCHED THEN UPDATE SET t.WATERMARK_FIELD = s.WATERMARK_FIELD, "
        "t.WATERMARK = s.WATERMARK, t.LAST_RUN_ID = s.LAST_RUN_ID, "
        "t.LAST_SUCCESS_AT = s.LAST_SUCCESS_AT, "
        + ", ".join(f"t.{c} = COALESCE(s.{c}, t.{c})" for c in keep)
        + f" WHEN NOT MATCHED THEN INSERT ({', '.join(STATE_COLUMNS)}) VALUES ("
        + ", ".join(f"s.{c}" for c in STATE_COLUMNS)
        + ")"
    )
    params = (
        sobject,
        schema,
        table,
        watermark_field,
        timestamp_param(watermark),
        run_id,
        timestamp_param(success_at),
        timestamp_param(deletes_checked_to),
        timestamp_param(formulas_refreshed_at),
    )
    return Statement("upsert_state", text, params)


def mark_formulas_refreshed(
    t: StateTables, *, sobject: str, schema: str, table: str, at: datetime
) -> Statement:
    """A formula-only refresh (REFRESH_FORMULAS): record when; the watermark, the deletions
    checkpoint and LAST_RUN_ID (the run that set the watermark) stay as they are."""
    text = (
        f"UPDATE {t.state.sql} SET FORMULAS_REFRESHED_AT = TO_TIMESTAMP_NTZ(?) "
        "WHERE SOBJECT = ? AND TARGET_SCHEMA = ? AND TARGET_TABLE = ?"
    )
    params = (timestamp_param(at), sobject, schema, table)
    return Statement("mark_formulas_refreshed", text, params)


def _run_value(column: str, value: Any) -> tuple[str, Any]:
    if column in _TIMESTAMP_COLUMNS:
        return "TO_TIMESTAMP_NTZ(?)", timestamp_param(value)
    return "?", value


def insert_run(t: StateTables, values: dict[str, Any]) -> Statement:
    """INSERT one SYNC_RUNS row; ``values`` keys are RUN_COLUMNS names (others NULL)."""
    unknown = set(values) - set(RUN_COLUMNS)
    if unknown or "RUN_ID" not in values:
        raise ConfigError(f"bad run-log columns: {sorted(unknown) or 'RUN_ID missing'}")
    columns = [c for c in RUN_COLUMNS if c in values]
    pairs = [_run_value(c, values[c]) for c in columns]
    text = (
        f"INSERT INTO {t.runs.sql} ({', '.join(columns)}) SELECT {', '.join(p for p, _ in pairs)}"
    )
    return Statement("insert_run", text, tuple(v for _, v in pairs))


def update_run(t: StateTables, run_id: str, values: dict[str, Any]) -> Statement:
    """UPDATE the SYNC_RUNS row of ``run_id`` with ``values`` (RUN_COLUMNS names)."""
    if not values or set(values) - set(RUN_COLUMNS) or "RUN_ID" in values:
        raise ConfigError(f"bad run-log update columns: {sorted(values)}")
    columns = [c for c in RUN_COLUMNS if c in values]
    pairs = [_run_value(c, values[c]) for c in columns]
    sets = ", ".join(f"{c} = {p}" for c, (p, _) in zip(columns, pairs, strict=True))
    text = f"UPDATE {t.runs.sql} SET {sets} WHERE RUN_ID = ?"
    return Statement("update_run", text, (*(v for _, v in pairs), run_id))
