"""Type checks of SOQL filter literals against the field they are compared with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from emulator.schema import NUMBER_TYPES, STRING_TYPES, FieldDef
from emulator.soql_ast import DateLiteral

_QUOTED_TYPES = STRING_TYPES | {"id", "reference", "time", "anyType"}
_TYPE_NAMES = {
    "datetime": "dateTime",
    "int": "int",
    "currency": "double",
    "percent": "double",
    "long": "long",
}


def _must_be(fdef: FieldDef, quoted: bool) -> str:
    type_name = _TYPE_NAMES.get(fdef.type, fdef.type if fdef.type not in STRING_TYPES else "string")
    if fdef.type in ("id", "reference"):
        type_name = "id"
    how = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return (
        f"value of filter criterion for field '{fdef.name}' must be of type {type_name} and {how}"
    )


def check_literal(fdef: FieldDef, value: Any, quoted: bool) -> str | None:  # noqa: PLR0911 (one return per type)
    """An INVALID_FIELD message when the literal's type does not fit the field, else None."""
    if value is None:
        return None
    ftype = fdef.type
    if ftype in _QUOTED_TYPES:
        return None if quoted else _must_be(fdef, True)
    if ftype == "boolean":
        return None if isinstance(value, bool) else _must_be(fdef, False)
    if ftype in NUMBER_TYPES or ftype == "double":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else _must_be(fdef, False)
    if ftype == "date":
        ok = isinstance(value, DateLiteral) or (
            isinstance(value, date) and not isinstance(value, datetime)
        )
        return None if ok else _must_be(fdef, False)
    if ftype == "datetime":
        return None if isinstance(value, (datetime, DateLiteral)) else _must_be(fdef, False)
    return None
