"""Pure SQL builders for loading: target/staging DDL, COPY, MERGE, full-sync rebuild, drift.

Every builder returns a :class:`Statement` ``(name, text, params)``: values are bound with
``?``, identifiers come only from :mod:`lht.warehouse.identifiers`. Nothing here executes SQL
(see :mod:`lht.warehouse.runner`).

Snowflake semantics the callers must respect:

* DDL (``ddl=True``: CREATE / ALTER / DROP) commits any open transaction implicitly in
  Snowflake (and fails inside one on the local stand-in). The runner refuses DDL inside
  :meth:`StatementRunner.transaction`; run drift ``ADD COLUMN`` and staging DDL before it.
* In MERGE statements binds appear only inside the USING source (the local stand-in
  reorders binds that appear in WHEN clauses).
* MERGE inside an explicit transaction works on the stand-in only with the local runtime's
  fakesnow patch (plain fakesnow writes its MERGE helper's metadata to a second DuckDB
  database, which DuckDB refuses inside a transaction).
* Staging rows are deduplicated per key keeping the greatest watermark value: Snowflake
  rejects a MERGE whose source has duplicate keys (nondeterministic merge).

Full sync, two ways (neither drops the live table first):

* no live table yet, or column types changed: load ``<TABLE>__LHT_NEW_<run>`` with
  :func:`insert_from_staging` (plus :func:`insert_absent_rows_as_deleted` for the soft policy
  when a live table exists), then :func:`rename_table` (no live table: no copy) or
  :func:`replace_table` (COPY GRANTS). DDL, so it commits on its own, before the state
  transaction;
* live table, same column types: :func:`merge_from_staging` (``guard=False``: Salesforce is
  the truth) + :func:`flag_absent_rows` (soft) / :func:`delete_absent_rows` (hard), all inside
  the commit transaction with the watermark and run row (atomic, grants untouched, no copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lht.errors import ConfigError
from lht.model import Column
from lht.warehouse.identifiers import (
    TableName,
    column_identifier,
    quote_identifier,
    stage_path,
    validate_identifier,
)
from lht.warehouse.types import convert_expression, validate_sql_type

__all__ = [
    "DeletePolicy",
    "Statement",
    "add_column",
    "changed_condition",
    "copy_into_staging",
    "count_absent_rows",
    "create_schema",
    "create_staging_table",
    "create_table",
    "delete_absent_rows",
    "drop_table",
    "flag_absent_rows",
    "insert_absent_rows_as_deleted",
    "insert_from_staging",
    "merge_from_staging",
    "rename_table",
    "replace_table",
    "staging_table",
    "table_columns",
    "widen_column",
]

DeletePolicy = Literal["soft", "hard"]
IS_DELETED = "ISDELETED"
_RUN_ID_SHORT = 12


@dataclass(frozen=True)
class Statement:
    """One SQL statement: a stable ``name`` for errors/logs, the text, bound values."""

    name: str
    text: str
    params: tuple[Any, ...] = ()
    ddl: bool = False


def staging_table(table: str, run_id: str, schema: str = "LHT") -> TableName:
    """``LHT."<TABLE>__LHT_STG_<run_id_short>"`` for one run."""
    short = "".join(ch for ch in run_id if ch.isalnum())[:_RUN_ID_SHORT]
    if not short:
        raise ConfigError(f"run id {run_id!r} has no usable characters")
    name = f"{validate_identifier(table, 'table name')}__LHT_STG_{short}"
    return TableName.of(schema, name)


def _column_list(columns: Sequence[Column]) -> str:
    if not columns:
        raise ConfigError("a table needs at least one column")
    return ", ".join(column_identifier(c.name) for c in columns)


def create_table(table: TableName, columns: Sequence[Column], *, if_not_exists: bool) -> Statement:
    """CREATE TABLE with the typed columns (``IF NOT EXISTS`` for the live target)."""
    defs = ", ".join(
        f"{column_identifier(c.name)} {validate_sql_type(c.sql_type)}" for c in columns
    )
    _column_list(columns)
    guard = " IF NOT EXISTS" if if_not_exists else ""
    return Statement("create_table", f"CREATE TABLE{guard} {table.sql} ({defs})", ddl=True)


def create_staging_table(staging: TableName, columns: Sequence[Column]) -> Statement:
    """CREATE TRANSIENT TABLE with every column VARCHAR (raw CSV text, converted later)."""
    defs = ", ".join(f"{column_identifier(c.name)} VARCHAR" for c in columns)
    _column_list(columns)
    return Statement(
        "create_staging_table", f"CREATE TRANSIENT TABLE {staging.sql} ({defs})", ddl=True
    )


def create_schema(schema: str) -> Statement:
    """``CREATE SCHEMA IF NOT EXISTS`` for a target schema (unquoted-identifier rules)."""
    name = quote_identifier(validate_identifier(schema, "schema name"))
    return Statement("create_schema", f"CREATE SCHEMA IF NOT EXISTS {name}", ddl=True)


def copy_into_staging(staging: TableName, stage: str, *prefix: str) -> Statement:
    """COPY every file under ``@stage/prefix.../`` into the staging table (positional CSV,
    header skipped, gzip, empty → NULL, abort on the first bad row). ``ESCAPE_UNENCLOSED_FIELD =
    NONE``: Salesforce CSV escapes only by quoting (RFC 4180), so a backslash in a value (one
    alone, a literal backslash-N, a trailing one) is data; Snowflake's default (backslash)
    would read it as an escape in an unquoted field
    (https://docs.snowflake.com/en/sql-reference/sql/create-file-format)."""
    location = stage_path(stage, *prefix)
    text = (
        f"COPY INTO {staging.sql} FROM {location} "
        "FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' "
        "ESCAPE_UNENCLOSED_FIELD = NONE COMPRESSION = GZIP EMPTY_FIELD_AS_NULL = TRUE "
        "NULL_IF = ('')) ON_ERROR = ABORT_STATEMENT"
    )
    return Statement("copy_into_staging", text)


def _deduped_source(
    staging: TableName, columns: Sequence[Column], key: str, order: Column | None
) -> str:
    """Typed, deduplicated rows of the staging table (one per key, greatest ``order``)."""
    key_sql = column_identifier(key)
    converted = ", ".join(
        f"{convert_expression(c.sql_type, 'd.' + column_identifier(c.name))} "
        f"AS {column_identifier(c.name)}"
        for c in columns
    )
    if order is not None:
        order_sql = convert_expression(order.sql_type, column_identifier(order.name)) + " DESC"
    else:
        order_sql = key_sql
    return (
        f"SELECT {converted} FROM (SELECT * FROM {staging.sql} "
        f"QUALIFY ROW_NUMBER() OVER (PARTITION BY {key_sql} ORDER BY {order_sql}) = 1) AS d"
    )


def _has_is_deleted(columns: Sequence[Column]) -> bool:
    return any(c.target_name == IS_DELETED for c in columns)


def _check_key(columns: Sequence[Column], key: str) -> None:
    if key.upper() not in {c.target_name for c in columns}:
        raise ConfigError(f"key column {key} is not among the loaded columns")


def merge_from_staging(
    target: TableName,
    staging: TableName,
    columns: Sequence[Column],
    *,
    key: str = "Id",
    order: Column | None = None,
    delete_policy: DeletePolicy = "soft",
    guard: bool = True,
) -> Statement:
    """MERGE deduplicated, typed staging rows into the target (conversions fail loudly).

    ``soft``: rows with IsDeleted = true are upserted like any other (ISDELETED = TRUE kept).
    ``hard``: they delete the matching target row and are never inserted. With ``guard`` and
    an ``order`` column a matched row changes only when the staged row is not older
    (``s.<order> >= t.<order>``): an incremental run never rolls a row back. Full syncs pass
    ``guard=False`` (Salesforce is the truth; formula values change without the stamp).

    A matched row is updated only when one of the written columns differs
    (:func:`changed_condition`): ``number of rows updated`` counts rows that really changed,
    unchanged rows are not rewritten (no storage churn, no spurious stream records), and a
    formula value that changed without the stamp still counts as a change. The result row
    has ``number of rows inserted/updated/deleted``; read it with :func:`merge_counts`."""
    _check_key(columns, key)
    key_sql = column_identifier(key)
    names = [column_identifier(c.name) for c in columns]
    written = [n for n in names if n != key_sql]
    updates = ", ".join(f"t.{n} = s.{n}" for n in written)
    inserts = ", ".join(names)
    values = ", ".join(f"s.{n}" for n in names)
    hard = delete_policy == "hard" and _has_is_deleted(columns)
    deleted = f"COALESCE(s.{column_identifier(IS_DELETED)}, FALSE)"
    newer = ""
    if guard and order is not None and order.target_name in {c.target_name for c in columns}:
        stamp = column_identifier(order.name)
        newer = f" AND (t.{stamp} IS NULL OR s.{stamp} >= t.{stamp})"
    clauses = [f"WHEN MATCHED AND {deleted}{newer} THEN DELETE"] if hard else []
    if updates:
        clauses.append(
            f"WHEN MATCHED{newer} AND {changed_condition(written)} THEN UPDATE SET {updates}"
        )
    insert_guard = f" AND NOT {deleted}" if hard else ""
    clauses.append(f"WHEN NOT MATCHED{insert_guard} THEN INSERT ({inserts}) VALUES ({values})")
    text = (
        f"MERGE INTO {target.sql} AS t USING ({_deduped_source(staging, columns, key, order)}) "
        f"AS s ON t.{key_sql} = s.{key_sql} " + " ".join(clauses)
    )
    return Statement("merge_from_staging", text)


def changed_condition(quoted_columns: Sequence[str], target: str = "t", source: str = "s") -> str:
    """``(t.A IS DISTINCT FROM s.A OR ...)`` over already-quoted column names: NULL-safe
    (docs.snowflake.com/sql-reference/functions/is-distinct-from), exact for every type
    (a hash would be shorter but may collide and miss a change)."""
    if not quoted_columns:
        raise ConfigError("a change check needs at least one column")
    parts = " OR ".join(f"{target}.{n} IS DISTINCT FROM {source}.{n}" for n in quoted_columns)
    return f"({parts})"


def insert_from_staging(
    table: TableName,
    staging: TableName,
    columns: Sequence[Column],
    *,
    key: str = "Id",
    order: Column | None = None,
    delete_policy: DeletePolicy = "soft",
) -> Statement:
    """INSERT the deduplicated, typed staging rows into a (new) table; with ``hard`` the
    soft-deleted rows are left out."""
    _check_key(columns, key)
    where = ""
    if delete_policy == "hard" and _has_is_deleted(columns):
        where = f" WHERE NOT COALESCE(s.{column_identifier(IS_DELETED)}, FALSE)"
    text = (
        f"INSERT INTO {table.sql} ({_column_list(columns)}) SELECT * FROM "
        f"({_deduped_source(staging, columns, key, order)}) AS s{where}"
    )
    return Statement("insert_from_staging", text)


def _staged_keys(staging: TableName, columns: Sequence[Column], key: str) -> str:
    """``SELECT <typed key> AS k FROM staging`` (the raw staging columns are VARCHAR)."""
    _check_key(columns, key)
    column = next(c for c in columns if c.target_name == key.upper())
    typed = convert_expression(column.sql_type, "s." + column_identifier(column.name))
    return f"SELECT {typed} AS k FROM {staging.sql} AS s"


def flag_absent_rows(
    live: TableName, staging: TableName, columns: Sequence[Column], *, key: str = "Id"
) -> Statement:
    """In-place full sync, soft policy: flag ISDELETED = TRUE on live rows whose key is not in
    the complete load (hard-deleted in Salesforce). Counts as ``number of rows updated``.

    With :func:`merge_from_staging` in the same transaction this is a full sync without a new
    table: atomic with the watermark, grants untouched, no copy of unchanged data."""
    key_sql = column_identifier(key)
    flag = column_identifier(IS_DELETED)
    text = (
        f"UPDATE {live.sql} AS l SET {flag} = TRUE WHERE NOT COALESCE(l.{flag}, FALSE) "
        f"AND l.{key_sql} NOT IN (SELECT k FROM ({_staged_keys(staging, columns, key)}) AS x "
        "WHERE k IS NOT NULL)"
    )
    return Statement("flag_absent_rows", text)


def delete_absent_rows(
    live: TableName, staging: TableName, columns: Sequence[Column], *, key: str = "Id"
) -> Statement:
    """In-place full sync, hard policy: delete live rows whose key is not in the load."""
    key_sql = column_identifier(key)
    text = (
        f"DELETE FROM {live.sql} AS l WHERE l.{key_sql} NOT IN "
        f"(SELECT k FROM ({_staged_keys(staging, columns, key)}) AS x WHERE k IS NOT NULL)"
    )
    return Statement("delete_absent_rows", text)


def insert_absent_rows_as_deleted(
    new_table: TableName, live: TableName, columns: Sequence[Column], *, key: str = "Id"
) -> Statement:
    """Full sync, soft policy: copy rows of the live table whose key is absent from the new
    load into the new table, flagged ISDELETED = TRUE (hard-deleted in Salesforce).

    ``columns`` must exist in both tables and include IsDeleted."""
    if not _has_is_deleted(columns):
        raise ConfigError("soft delete carry-over needs an IsDeleted column")
    key_sql = column_identifier(key)
    names = [column_identifier(c.name) for c in columns]
    flag = column_identifier(IS_DELETED)
    picked = ", ".join("TRUE" if n == flag else f"l.{n}" for n in names)
    text = (
        f"INSERT INTO {new_table.sql} ({', '.join(names)}) SELECT {picked} FROM {live.sql} AS l "
        f"WHERE NOT EXISTS (SELECT 1 FROM {new_table.sql} AS n WHERE n.{key_sql} = l.{key_sql})"
    )
    return Statement("insert_absent_rows_as_deleted", text)


def count_absent_rows(
    live: TableName, new_table: TableName, *, key: str = "Id", only_live: bool = True
) -> Statement:
    """Count live rows whose key is absent from ``new_table`` (hard deletes a full sync
    detects). With ``only_live`` rows already flagged ISDELETED are not counted again."""
    key_sql = column_identifier(key)
    flag = f" AND NOT COALESCE(l.{column_identifier(IS_DELETED)}, FALSE)" if only_live else ""
    text = (
        f'SELECT COUNT(*) AS "ABSENT" FROM {live.sql} AS l WHERE NOT EXISTS '
        f"(SELECT 1 FROM {new_table.sql} AS n WHERE n.{key_sql} = l.{key_sql}){flag}"
    )
    return Statement("count_absent_rows", text)


def replace_table(live: TableName, new_table: TableName) -> Statement:
    """Atomically make ``new_table``'s rows the live table, keeping the live table's grants.

    ``CREATE OR REPLACE TABLE live COPY GRANTS AS SELECT * FROM new``: one statement, the old
    table stays readable until it commits, grants are copied from the replaced table.
    (``ALTER TABLE ... SWAP WITH`` would avoid the copy on Snowflake but is not available on
    the local stand-in, and it swaps grants along with the tables.) Column types come from
    ``new_table``'s declared columns."""
    text = f"CREATE OR REPLACE TABLE {live.sql} COPY GRANTS AS SELECT * FROM {new_table.sql}"
    return Statement("replace_table", text, ddl=True)


def rename_table(new_table: TableName, live: TableName) -> Statement:
    """First full sync (no live table yet): rename the loaded table into place, no copy.
    Fails if ``live`` exists meanwhile (another run created it), so nothing is overwritten."""
    text = f"ALTER TABLE {new_table.sql} RENAME TO {live.sql}"
    return Statement("rename_table", text, ddl=True)


def drop_table(table: TableName) -> Statement:
    return Statement("drop_table", f"DROP TABLE IF EXISTS {table.sql}", ddl=True)


def add_column(table: TableName, column: Column) -> Statement:
    """ALTER TABLE ADD COLUMN for schema drift (existing rows get NULL)."""
    column_sql = f"{column_identifier(column.name)} {validate_sql_type(column.sql_type)}"
    text = f"ALTER TABLE {table.sql} ADD COLUMN {column_sql}"
    return Statement("add_column", text, ddl=True)


def widen_column(table: TableName, column: str, sql_type: str) -> Statement:
    """ALTER COLUMN ... SET DATA TYPE to a wider NUMBER (same scale; existing values are kept,
    docs.snowflake.com/en/sql-reference/sql/alter-table-column: "Increase the precision of a
    number column")."""
    text = (f"ALTER TABLE {table.sql} ALTER COLUMN {column_identifier(column)} "
            f"SET DATA TYPE {validate_sql_type(sql_type)}")  # fmt: skip
    return Statement("widen_column", text, ddl=True)


def table_columns(table: TableName) -> Statement:
    """The table's columns in order from INFORMATION_SCHEMA (current database); no rows
    means the table does not exist. Feed rows to :func:`lht.warehouse.types.declared_type`."""
    text = (
        "SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, "
        "CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
    )
    return Statement("table_columns", text, (table.schema, table.table))
