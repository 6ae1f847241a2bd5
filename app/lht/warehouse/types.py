"""Salesforce field type → Snowflake column type, and the typed conversion from staging text.

Staging tables hold every value as raw VARCHAR exactly as the CSV carried it. The MERGE /
INSERT-SELECT out of staging applies :func:`convert_expression` per column. Conversions are
the *failing* variants (CAST ... AS NUMBER, TO_DATE, CAST ... AS BOOLEAN, never TRY_*): one
bad value aborts the statement instead of silently becoming NULL.

Choices (spec §6.3, sync design decisions):

* id / reference / masterrecord → ``VARCHAR(18)``; all text-like types → ``VARCHAR``.
* int / long → ``NUMBER(38,0)``; double / currency / percent → ``NUMBER(38, scale)`` when
  0 < precision ≤ 38 and 0 ≤ scale ≤ min(precision, 37), else ``FLOAT``. Always precision 38,
  never the describe's: Salesforce stores numbers as doubles, so a value at the edge of its
  declared precision arrives rounded past it (currency(18,0) 999999999999999999 is Bulk's
  ``1.0E18``, 19 digits), and NUMBER(18,0) would refuse it on every rerun. Snowflake's storage
  does not depend on the declared precision ("Precision (total number of digits) does not
  impact storage ... NUMBER(2,0) and NUMBER(38,0) are the same", the scale does;
  https://docs.snowflake.com/en/sql-reference/data-types-numeric, "Impact of precision and
  scale on storage size"), so 38 costs nothing and the scale is kept. Tables made with the
  describe's precision are widened in place (``ALTER COLUMN ... SET DATA TYPE NUMBER(38,s)``,
  allowed for a precision increase: .../sql/alter-table-column); a scale change stays a type
  change. Bulk prints Java doubles (``9.5E8``, ``1.0``); ``CAST(x AS NUMBER(p,s))``
  (Snowflake's TO_NUMBER(x, p, s)) parses the exponent form and rounds to the scale. The CAST
  form, not TO_NUMBER(x, p, s): the local stand-in renders a MERGE source through sqlglot's
  generic dialect, which turns TO_NUMBER into a DOUBLE cast and loses digits (131.489287 →
  131.489286999999984).
* datetime → ``TIMESTAMP_NTZ(3)`` holding UTC. Values arrive as ``2023-10-22T06:25:12.000Z``
  (REST ``+0000`` is normalised to ``Z`` when rendered to CSV) and are converted with the
  explicit format :data:`DATETIME_FORMAT` (never AUTO, so an account-level
  TIMESTAMP_INPUT_FORMAT cannot break or change loads); the offset is always UTC, so the
  wall-clock value is the UTC instant. Anything else fails loudly.
* time → ``TIME(3)`` via ``TO_TIME(x, TIME_FORMAT)``; date → ``DATE`` via
  ``TO_DATE(x, 'YYYY-MM-DD')``.
* json / complexvalue → ``VARIANT`` via PARSE_JSON. anyType → ``VARCHAR``: its values are
  arbitrary primitives (history OldValue/NewValue), which PARSE_JSON would reject as text.
* address / location (compound parents) and base64 → ``None`` (not loadable: Bulk cannot
  select them; the components of compounds are ordinary fields and are kept).
* unknown future types → ``VARCHAR`` (text always loads; nothing is silently dropped).

Empty CSV fields reach staging as NULL (COPY uses ``EMPTY_FIELD_AS_NULL`` and
``NULL_IF=('')``); every conversion also reads ``NULLIF(x, '')``, so whatever COPY made of
Bulk 2.0's two null forms (an unquoted empty field, a quoted ``""``) no conversion sees ``''``.
"""

from __future__ import annotations

import re

from lht.errors import ConfigError
from lht.model import Column

__all__ = [
    "NOT_LOADABLE",
    "Column",
    "convert_expression",
    "declared_type",
    "number_widening",
    "snowflake_type",
    "try_convert_expression",
    "validate_sql_type",
]

_ID_TYPES = frozenset({"id", "reference", "masterrecord"})
_TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "encryptedstring",
        "anytype",
        "datacategorygroupreference",
        "junctionidlist",
        "byte",
    }
)
_DECIMAL_TYPES = frozenset({"double", "currency", "percent"})
_FIXED = {
    "boolean": "BOOLEAN",
    "int": "NUMBER(38,0)",
    "long": "NUMBER(38,0)",
    "date": "DATE",
    "datetime": "TIMESTAMP_NTZ(3)",
    "time": "TIME(3)",
    "json": "VARIANT",
    "complexvalue": "VARIANT",
}
#: Salesforce types that cannot be loaded through Bulk CSV (compound parents, blobs).
NOT_LOADABLE = frozenset({"address", "location", "base64"})
_MAX_PRECISION = 38
_MAX_SCALE = 37


def snowflake_type(
    sf_type: str, *, length: int = 0, precision: int = 0, scale: int = 0, digits: int = 0
) -> str | None:
    """The Snowflake column type for a describe field, or None when it is not loadable.

    ``length`` and ``digits`` are accepted for completeness: strings map to unbounded VARCHAR
    (Salesforce lengths grow; Snowflake VARCHAR has no storage penalty) and numbers to
    precision 38 (see the module docstring)."""
    del length, digits
    kind = sf_type.strip().lower()
    if kind in NOT_LOADABLE:
        return None
    if kind in _DECIMAL_TYPES:
        exact = 0 < precision <= _MAX_PRECISION and 0 <= scale <= min(precision, _MAX_SCALE)
        return f"NUMBER({_MAX_PRECISION},{scale})" if exact else "FLOAT"
    if kind in _ID_TYPES:
        return "VARCHAR(18)"
    return _FIXED.get(kind, "VARCHAR")


_TYPE = re.compile(r"\s*([A-Z_]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*")


def _parse(sql_type: str) -> tuple[str, int | None, int | None]:
    match = _TYPE.fullmatch(sql_type.upper())
    if not match:
        raise ConfigError(f"unsupported column type {sql_type!r}")
    base, first, second = match.groups()
    return (
        base,
        int(first) if first is not None else None,
        int(second) if second is not None else None,
    )


#: Salesforce's datetime and time text (Bulk ``2023-10-22T06:25:12.000Z``; REST's ``+0000``
#: is rendered as ``Z``), parsed with explicit formats so the account's
#: TIMESTAMP_INPUT_FORMAT / TIME_INPUT_FORMAT cannot change how it loads. Double-quoted text
#: is literal (https://docs.snowflake.com/en/sql-reference/functions-conversion#date-and-time-formats-in-conversion-functions).
DATETIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"'
TIME_FORMAT = 'HH24:MI:SS.FF3"Z"'
_CONVERSIONS = {
    "VARCHAR": "{col}",
    "TEXT": "{col}",
    "STRING": "{col}",
    "FLOAT": "TO_DOUBLE({col})",
    "DOUBLE": "TO_DOUBLE({col})",
    "BOOLEAN": "CAST({col} AS BOOLEAN)",
    "DATE": "TO_DATE({col}, 'YYYY-MM-DD')",
    "TIMESTAMP_NTZ": f"TO_TIMESTAMP_NTZ({{col}}, '{DATETIME_FORMAT}')",
    "DATETIME": f"TO_TIMESTAMP_NTZ({{col}}, '{DATETIME_FORMAT}')",
    "TIME": f"TO_TIME({{col}}, '{TIME_FORMAT}')",
    "VARIANT": "PARSE_JSON({col})",
}


def validate_sql_type(sql_type: str) -> str:
    """Return ``sql_type`` normalised (``NUMBER(18,2)``) if it is a plain type name with an
    optional (precision[, scale]); anything else raises ConfigError. Column types are SQL text,
    so they are checked like identifiers before they reach a statement."""
    base, first, second = _parse(sql_type)
    if first is None:
        return base
    return f"{base}({first})" if second is None else f"{base}({first},{second})"


def convert_expression(sql_type: str, column_sql: str) -> str:
    """SQL converting the raw VARCHAR ``column_sql`` to ``sql_type``; raises ConfigError for
    a type LHT does not load (so a new type cannot be loaded unconverted by accident)."""
    base, first, second = _parse(sql_type)
    value = f"NULLIF({column_sql}, '')"  # '' (a quoted empty CSV field) is no value: NULL
    if base in {"NUMBER", "DECIMAL", "NUMERIC"}:
        precision = first if first is not None else _MAX_PRECISION
        return f"CAST({value} AS NUMBER({precision}, {second or 0}))"
    template = _CONVERSIONS.get(base)
    if template is None:
        raise ConfigError(f"no conversion from staging text to column type {sql_type!r}")
    return template.format(col=value)


def try_convert_expression(sql_type: str, column_sql: str) -> str | None:
    """The ``TRY_`` form of :func:`convert_expression` (NULL where that one fails), or None
    for text types, whose conversion cannot fail. Every conversion above is one function call
    with a Snowflake ``TRY_`` twin (TRY_CAST, TRY_TO_DOUBLE, TRY_TO_DATE, TRY_TO_TIMESTAMP_NTZ,
    TRY_TO_TIME, TRY_PARSE_JSON)."""
    converted = convert_expression(sql_type, column_sql)
    if not converted.startswith(("CAST(", "TO_", "PARSE_JSON(")):
        return None
    return f"TRY_{converted}"


def number_widening(existing: str, expected: str) -> str | None:
    """``expected`` when a NUMBER column declared ``existing`` only needs more precision to be
    ``expected`` (same scale: ``NUMBER(18,0)`` → ``NUMBER(38,0)``), else None. Snowflake
    allows exactly that in place (ALTER COLUMN ... SET DATA TYPE: "Increase the precision of
    a number column", not a scale change; .../sql/alter-table-column)."""
    old_base, old_precision, old_scale = _parse(existing)
    new_base, new_precision, new_scale = _parse(expected)
    numbers = {"NUMBER", "DECIMAL", "NUMERIC"}
    if old_base not in numbers or new_base not in numbers:
        return None
    old_p = _MAX_PRECISION if old_precision is None else old_precision
    new_p = _MAX_PRECISION if new_precision is None else new_precision
    same_scale = (old_scale or 0) == (new_scale or 0)
    return validate_sql_type(expected) if same_scale and old_p < new_p else None


def declared_type(
    data_type: str,
    numeric_precision: int | None = None,
    numeric_scale: int | None = None,
    character_maximum_length: int | None = None,
) -> str:
    """Render an INFORMATION_SCHEMA.COLUMNS row as a declared type (``NUMBER(18,2)``,
    ``VARCHAR(18)``, ``VARCHAR``, ``TIMESTAMP_NTZ``) for drift detection."""
    base = data_type.strip().upper()
    if base in {"TEXT", "VARCHAR", "STRING"}:
        unbounded = character_maximum_length in (None, 16777216, 134217728)
        return "VARCHAR" if unbounded else f"VARCHAR({character_maximum_length})"
    if base in {"NUMBER", "DECIMAL", "NUMERIC"} and numeric_precision is not None:
        return f"NUMBER({numeric_precision},{numeric_scale or 0})"
    return base
