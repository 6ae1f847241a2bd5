"""Salesforce field type → Snowflake column type, and the typed conversion from staging text.

Staging tables hold every value as raw VARCHAR exactly as the CSV carried it. The MERGE /
INSERT-SELECT out of staging applies :func:`convert_expression` per column. Conversions are
the *failing* variants (CAST ... AS NUMBER, TO_DATE, CAST ... AS BOOLEAN, never TRY_*): one
bad value aborts the statement instead of silently becoming NULL.

Choices (spec §6.3, sync design decisions):

* id / reference / masterrecord → ``VARCHAR(18)``; all text-like types → ``VARCHAR``.
* int → ``NUMBER(digits or 18, 0)``; long → ``NUMBER(19,0)``; double / currency / percent →
  ``NUMBER(precision, scale)`` when 0 < precision ≤ 38, else ``FLOAT``. Bulk prints Java
  doubles (``9.5E8``, ``1.0``); ``CAST(x AS NUMBER(p,s))`` (Snowflake's TO_NUMBER(x, p, s))
  parses the exponent form and rounds to the scale. The CAST form, not TO_NUMBER(x, p, s):
  the local stand-in renders a MERGE source through sqlglot's generic dialect, which turns
  TO_NUMBER into a DOUBLE cast and loses digits (131.489287 → 131.489286999999984).
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
    "snowflake_type",
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
    "long": "NUMBER(19,0)",
    "date": "DATE",
    "datetime": "TIMESTAMP_NTZ(3)",
    "time": "TIME(3)",
    "json": "VARIANT",
    "complexvalue": "VARIANT",
}
#: Salesforce types that cannot be loaded through Bulk CSV (compound parents, blobs).
NOT_LOADABLE = frozenset({"address", "location", "base64"})
_MAX_PRECISION = 38
_DEFAULT_INT_DIGITS = 18


def snowflake_type(
    sf_type: str, *, length: int = 0, precision: int = 0, scale: int = 0, digits: int = 0
) -> str | None:
    """The Snowflake column type for a describe field, or None when it is not loadable.

    ``length`` is accepted for completeness; strings map to unbounded VARCHAR on purpose
    (Salesforce lengths grow; Snowflake VARCHAR has no storage penalty)."""
    del length
    kind = sf_type.strip().lower()
    if kind in NOT_LOADABLE:
        return None
    if kind == "int":
        width = digits if 0 < digits <= _MAX_PRECISION else _DEFAULT_INT_DIGITS
        return f"NUMBER({width},0)"
    if kind in _DECIMAL_TYPES:
        exact = 0 < precision <= _MAX_PRECISION and 0 <= scale <= precision
        return f"NUMBER({precision},{scale})" if exact else "FLOAT"
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
