"""The statement that names a value the typed load rejects (column, record Id, text).

The typed MERGE / INSERT out of staging uses the *failing* conversions (:mod:`lht.warehouse.
types`): one bad value aborts the statement, and Snowflake's error says only what it could not
convert ("Numeric value 'Infinity' is not recognized"), not where. After such a failure (and
its rollback) :func:`first_unconvertible` asks the staging table which value it was, with the
``TRY_`` form of the very same conversion (TRY_CAST, TRY_TO_DOUBLE, TRY_TO_DATE,
TRY_TO_TIMESTAMP_NTZ, TRY_TO_TIME, TRY_PARSE_JSON: NULL instead of an error,
docs.snowflake.com/en/sql-reference/functions/try_cast and the TRY_ pages of the conversion
functions): the first staged value that is present but converts to NULL. One statement over
every non-text column, run only on the failure path.
"""

from __future__ import annotations

from collections.abc import Sequence

from lht.model import Column
from lht.warehouse.identifiers import TableName, column_identifier
from lht.warehouse.statements import Statement
from lht.warehouse.types import try_convert_expression

__all__ = ["VALUE_CHARS", "first_unconvertible"]

#: How much of an offending value is read back (the message shows at most this much).
VALUE_CHARS = 60


def first_unconvertible(
    staging: TableName, columns: Sequence[Column], *, record_id: str = "Id"
) -> Statement | None:
    """``COLUMN_NAME, RECORD_ID, SQL_TYPE, VALUE`` of one staged value that does not convert
    to its column's type (no row: every value converts); None when no column can fail."""
    id_sql = "s." + column_identifier(record_id)
    parts: list[str] = []
    params: list[str] = []
    for column in columns:
        raw = "s." + column_identifier(column.name)
        attempt = try_convert_expression(column.sql_type, raw)
        if attempt is None:
            continue
        parts.append(
            f"SELECT ? AS COLUMN_NAME, {id_sql} AS RECORD_ID, ? AS SQL_TYPE, "
            f"LEFT({raw}, {VALUE_CHARS + 1}) AS VALUE FROM {staging.sql} AS s "
            f"WHERE NULLIF({raw}, '') IS NOT NULL AND {attempt} IS NULL"
        )
        params += [column.target_name, column.sql_type]
    if not parts:
        return None
    union = " UNION ALL ".join(parts)
    text = f"SELECT * FROM ({union}) AS x LIMIT 1"
    return Statement("first_unconvertible", text, tuple(params))
