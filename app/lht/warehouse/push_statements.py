"""SQL for the push feature (Snowflake → Salesforce): source reads and LHT.PUSH_* tables.

Builders are pure and return :class:`~lht.warehouse.statements.Statement` (values bound with
``?``, identifiers through :mod:`lht.warehouse.identifiers`). They are executed by the runner,
or read without collecting by :mod:`lht.warehouse.reader` (the probe's schema, streamed rows).

Tables (same DDL as ``sql/setup.sql``; created at runtime with IF NOT EXISTS):

* ``PUSH_RUNS``: one row per run (counts per outcome, jobs, status, error).
* ``PUSH_RESULTS``: one row per pushed source row (key, Salesforce Id, created, outcome, error).
* ``PUSH_HASHES``: diff-mode state, the content hash per (source, object, source key) of the
  last row Salesforce accepted.

Per-run transient staging tables (all VARCHAR, filled by COPY from the stage) collect result
rows and sent hashes while jobs run; one transaction then inserts the results, replaces the
accepted rows' hashes (DELETE + INSERT: MERGE inside a transaction is not available on the
local stand-in, and both are valid Snowflake) and writes the run row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lht.errors import ConfigError
from lht.model import Column
from lht.warehouse.identifiers import TableName, quote_identifier, validate_identifier
from lht.warehouse.state_statements import timestamp_param
from lht.warehouse.statements import Statement

__all__ = [
    "PUSH_RUN_COLUMNS",
    "RESULT_STAGE_COLUMNS",
    "SENT_STAGE_COLUMNS",
    "PushTables",
    "count_unknown_results",
    "create_hashes_table",
    "create_results_table",
    "create_runs_table",
    "delete_replaced_hashes",
    "insert_accepted_hashes",
    "insert_push_run",
    "insert_results",
    "insert_unknown_results",
    "probe_source",
    "read_source",
    "source_relation",
]

PUSH_RUN_COLUMNS: dict[str, str] = {
    "RUN_ID": "VARCHAR NOT NULL",
    "SOBJECT": "VARCHAR",
    "OPERATION": "VARCHAR",
    "SOURCE": "VARCHAR",
    "METHOD": "VARCHAR",
    "STARTED_AT": "TIMESTAMP_NTZ(3)",
    "ENDED_AT": "TIMESTAMP_NTZ(3)",
    "STATUS": "VARCHAR",
    "SUCCESS": "BOOLEAN",
    "ROWS_READ": "NUMBER(38,0)",
    "ROWS_UNCHANGED": "NUMBER(38,0)",
    "ROWS_SENT": "NUMBER(38,0)",
    "ROWS_SUCCEEDED": "NUMBER(38,0)",
    "ROWS_CREATED": "NUMBER(38,0)",
    "ROWS_FAILED": "NUMBER(38,0)",
    "ROWS_UNPROCESSED": "NUMBER(38,0)",
    "ROWS_RETRIED": "NUMBER(38,0)",
    "JOBS": "NUMBER(38,0)",
    "JOB_IDS": "VARCHAR",
    "API_CALLS": "NUMBER(38,0)",
    "ERROR": "VARCHAR",
}
_RESULT_COLUMNS: dict[str, str] = {
    "RUN_ID": "VARCHAR NOT NULL",
    "SOURCE_KEY": "VARCHAR",
    "SALESFORCE_ID": "VARCHAR(18)",
    "CREATED": "BOOLEAN",
    "SUCCESS": "BOOLEAN NOT NULL",
    "OUTCOME": "VARCHAR NOT NULL",
    "ERROR": "VARCHAR",
    "JOB_ID": "VARCHAR",
    "RECORDED_AT": "TIMESTAMP_NTZ(3)",
}
_HASH_COLUMNS: dict[str, str] = {
    "SOURCE": "VARCHAR NOT NULL",
    "SOBJECT": "VARCHAR NOT NULL",
    "SOURCE_KEY": "VARCHAR NOT NULL",
    "ROW_HASH": "VARCHAR NOT NULL",
    "RUN_ID": "VARCHAR",
    "UPDATED_AT": "TIMESTAMP_NTZ(3)",
}
#: Column order of the result staging files/table (all VARCHAR).
RESULT_STAGE_COLUMNS = (
    Column("SOURCE_KEY", "VARCHAR"),
    Column("SALESFORCE_ID", "VARCHAR"),
    Column("CREATED", "VARCHAR"),
    Column("SUCCESS", "VARCHAR"),
    Column("OUTCOME", "VARCHAR"),
    Column("ERROR", "VARCHAR"),
    Column("JOB_ID", "VARCHAR"),
)
#: Column order of the sent-hash staging files/table (all VARCHAR).
SENT_STAGE_COLUMNS = (Column("SOURCE_KEY", "VARCHAR"), Column("ROW_HASH", "VARCHAR"))
_PREV_HASH = "__LHT_PREV_HASH"


class PushTables:
    """Names of the push tables in the LHT schema of the current database."""

    def __init__(self, schema: str = "LHT") -> None:
        self.schema = validate_identifier(schema, "push schema")
        self.runs = TableName.of(self.schema, "PUSH_RUNS")
        self.results = TableName.of(self.schema, "PUSH_RESULTS")
        self.hashes = TableName.of(self.schema, "PUSH_HASHES")


def _create(name: str, table: TableName, columns: Mapping[str, str]) -> Statement:
    defs = ", ".join(f"{c} {t}" for c, t in columns.items())
    return Statement(name, f"CREATE TABLE IF NOT EXISTS {table.sql} ({defs})", ddl=True)


def create_runs_table(t: PushTables) -> Statement:
    return _create("create_push_runs_table", t.runs, PUSH_RUN_COLUMNS)


def create_results_table(t: PushTables) -> Statement:
    return _create("create_push_results_table", t.results, _RESULT_COLUMNS)


def create_hashes_table(t: PushTables) -> Statement:
    return _create("create_push_hashes_table", t.hashes, _HASH_COLUMNS)


def source_relation(kind: str, parts: Sequence[str] = (), query: str = "") -> str:
    """SQL for a push source: a quoted ``[DB.][SCHEMA.]NAME`` or a parenthesised query.

    ``query`` must come from :func:`lht.push.source.classify_source` (one SELECT, no
    separators); the newline before ``)`` keeps a trailing ``--`` comment harmless."""
    if kind == "table":
        if not 1 <= len(parts) <= 3:
            raise ConfigError(f"invalid source name {'.'.join(parts)!r}")
        return ".".join(quote_identifier(validate_identifier(p, "source name")) for p in parts)
    if kind == "query" and query.strip():
        return f"(\n{query}\n)"
    raise ConfigError("source must be a table/view name or a SELECT statement")


def probe_source(relation: str) -> Statement:
    """Zero rows of the source: its schema, and a syntax/existence check by Snowflake."""
    return Statement("probe_push_source", f"SELECT * FROM {relation} AS s LIMIT 0")


def read_source(
    relation: str,
    *,
    order_by: str | None = None,
    diff: tuple[PushTables, str, str, str] | None = None,
) -> Statement:
    """All source columns (in order), optionally sorted, optionally with the stored hash.

    ``diff`` = (tables, source identity, sobject, key column): appends ``__LHT_PREV_HASH``,
    the hash stored for the row's key (NULL when none), matched on ``TO_VARCHAR(key)``."""
    order = f" ORDER BY s.{quote_identifier(order_by)}" if order_by else ""
    if diff is None:
        return Statement("read_push_source", f"SELECT s.* FROM {relation} AS s{order}")
    tables, source_id, sobject, key = diff
    text = (
        f"SELECT s.*, h.ROW_HASH AS {_PREV_HASH} FROM {relation} AS s "
        f"LEFT JOIN {tables.hashes.sql} AS h ON h.SOURCE = ? AND h.SOBJECT = ? "
        f"AND h.SOURCE_KEY = TO_VARCHAR(s.{quote_identifier(key)}){order}"
    )
    return Statement("read_push_source_with_hashes", text, (source_id, sobject))


def insert_results(
    t: PushTables, staging: TableName, run_id: str, recorded_at: datetime
) -> Statement:
    text = (
        f"INSERT INTO {t.results.sql} (RUN_ID, SOURCE_KEY, SALESFORCE_ID, CREATED, SUCCESS, "
        "OUTCOME, ERROR, JOB_ID, RECORDED_AT) SELECT ?, SOURCE_KEY, SALESFORCE_ID, "
        "TO_BOOLEAN(CREATED), TO_BOOLEAN(SUCCESS), OUTCOME, ERROR, JOB_ID, "
        f"TO_TIMESTAMP_NTZ(?) FROM {staging.sql}"
    )
    return Statement("insert_push_results", text, (run_id, timestamp_param(recorded_at)))


def _unanswered(sent_staging: TableName, results_staging: TableName) -> str:
    """Keys sent in this run without any result row (their answer never arrived)."""
    return (
        f"SELECT DISTINCT s.SOURCE_KEY FROM {sent_staging.sql} AS s WHERE s.SOURCE_KEY IS NOT "
        f"NULL AND NOT EXISTS (SELECT 1 FROM {results_staging.sql} AS r "
        "WHERE r.SOURCE_KEY = s.SOURCE_KEY)"
    )


def count_unknown_results(sent_staging: TableName, results_staging: TableName) -> Statement:
    text = f'SELECT COUNT(*) AS "N" FROM ({_unanswered(sent_staging, results_staging)})'
    return Statement("count_unknown_push_results", text)


def insert_unknown_results(
    t: PushTables,
    sent_staging: TableName,
    results_staging: TableName,
    *,
    run_id: str,
    recorded_at: datetime,
    error: str,
) -> Statement:
    """A failed run's sent rows whose outcome never arrived: outcome ``unknown`` (Salesforce
    may or may not have applied them), one row per key, with the run's error."""
    text = (
        f"INSERT INTO {t.results.sql} (RUN_ID, SOURCE_KEY, SALESFORCE_ID, CREATED, SUCCESS, "
        "OUTCOME, ERROR, JOB_ID, RECORDED_AT) SELECT ?, u.SOURCE_KEY, NULL, NULL, FALSE, "
        f"'unknown', ?, NULL, TO_TIMESTAMP_NTZ(?) "
        f"FROM ({_unanswered(sent_staging, results_staging)}) AS u"
    )
    params = (run_id, error, timestamp_param(recorded_at))
    return Statement("insert_unknown_push_results", text, params)


def _accepted_keys(results_staging: TableName) -> str:
    return (
        f"SELECT DISTINCT SOURCE_KEY FROM {results_staging.sql} "
        "WHERE SOURCE_KEY IS NOT NULL AND TO_BOOLEAN(SUCCESS)"
    )


def delete_replaced_hashes(
    t: PushTables, results_staging: TableName, source_id: str, sobject: str
) -> Statement:
    """Drop the stored hashes of keys Salesforce accepted in this run (re-inserted next)."""
    text = (
        f"DELETE FROM {t.hashes.sql} WHERE SOURCE = ? AND SOBJECT = ? "
        f"AND SOURCE_KEY IN ({_accepted_keys(results_staging)})"
    )
    return Statement("delete_replaced_push_hashes", text, (source_id, sobject))


def insert_accepted_hashes(
    t: PushTables,
    results_staging: TableName,
    sent_staging: TableName,
    *,
    source_id: str,
    sobject: str,
    run_id: str,
    now: datetime,
) -> Statement:
    """Hashes of the rows sent in this run whose key Salesforce accepted (one per key)."""
    text = (
        f"INSERT INTO {t.hashes.sql} (SOURCE, SOBJECT, SOURCE_KEY, ROW_HASH, RUN_ID, UPDATED_AT) "
        "SELECT ?, ?, s.SOURCE_KEY, s.ROW_HASH, ?, TO_TIMESTAMP_NTZ(?) "
        f"FROM {sent_staging.sql} AS s JOIN ({_accepted_keys(results_staging)}) AS a "
        "ON a.SOURCE_KEY = s.SOURCE_KEY "
        "QUALIFY ROW_NUMBER() OVER (PARTITION BY s.SOURCE_KEY ORDER BY s.ROW_HASH) = 1"
    )
    params = (source_id, sobject, run_id, timestamp_param(now))
    return Statement("insert_accepted_push_hashes", text, params)


def insert_push_run(t: PushTables, values: Mapping[str, Any]) -> Statement:
    """INSERT one PUSH_RUNS row; ``values`` keys are PUSH_RUN_COLUMNS names."""
    unknown = set(values) - set(PUSH_RUN_COLUMNS)
    if unknown or "RUN_ID" not in values:
        raise ConfigError(f"bad push run columns: {sorted(unknown) or 'RUN_ID missing'}")
    columns = [c for c in PUSH_RUN_COLUMNS if c in values]
    exprs, params = [], []
    for column in columns:
        is_time = PUSH_RUN_COLUMNS[column].startswith("TIMESTAMP")
        exprs.append("TO_TIMESTAMP_NTZ(?)" if is_time else "?")
        params.append(timestamp_param(values[column]) if is_time else values[column])
    text = f"INSERT INTO {t.runs.sql} ({', '.join(columns)}) SELECT {', '.join(exprs)}"
    return Statement("insert_push_run", text, tuple(params))
