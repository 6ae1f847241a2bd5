"""Type checks of SOQL filter literals against the field they are compared with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from emulator.core.schema import NUMBER_TYPES, STRING_TYPES, FieldDef
from emulator.soql.syntax import DateLiteral

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


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unquote(text: str) -> str:
    """The value of a quoted SOQL string literal (backslash escapes resolved)."""
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def date_literal(text: str) -> date:
    return date.fromisoformat(text)


def datetime_literal(text: str) -> datetime:
    """Every datetime form clients send: Z, +00:00, +0000, milli- or microseconds."""
    text = text.replace("Z", "+00:00")
    if text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    if "." in text:
        head, rest = text.split(".", 1)
        frac, tz = rest[:-6], rest[-6:]
        text = f"{head}.{frac[:6].ljust(6, '0')}{tz}"
    return datetime.fromisoformat(text)
