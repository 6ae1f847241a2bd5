"""Reading CALL: the procedure named and its arguments evaluated, pure (no catalog).

Grammar (docs.snowflake.com/en/sql-reference/sql/call)::

    CALL <procedure_name> ( [ [ <arg_name> => ] <arg> , ... ] )

with arguments as the local Snowflake evaluates them: string/number/boolean literals, NULL,
``{'k': v, ...}`` OBJECT constants and ``[v, ...]`` ARRAY constants (docs:
data-types-semistructured, "OBJECT constants"), ``PARSE_JSON('...')``, ``TO_VARIANT`` /
``TO_OBJECT`` / ``TO_ARRAY``, ``OBJECT_CONSTRUCT`` / ``ARRAY_CONSTRUCT``, ``::<type>`` casts
(what Snowpark's ``session.call`` renders: ``'x'``, ``5 :: INT``, ``'0.8' :: FLOAT``,
``PARSE_JSON('{...}') :: OBJECT``) and ``?`` bind variables. Anything else is refused as an
unsupported CALL argument.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lht.local.snowflake.procedure_sql import read_type
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = ["CallSpec", "Value", "cast", "parse_call"]


@dataclass(frozen=True)
class Value:
    """A CALL argument: its SQL type (VARCHAR, NUMBER, FLOAT, BOOLEAN, VARIANT, OBJECT, ARRAY,
    or NULL for an untyped NULL) and its Python value (JSON-compatible for semi-structured)."""

    type: str
    value: Any


@dataclass(frozen=True)
class CallSpec:
    name: ObjectName
    arguments: tuple[Value, ...]
    names: tuple[str, ...] = field(default=())  # argument names when called with ``=>``


def parse_call(sql: str, bindings: Mapping[str, Any] | None = None) -> CallSpec:
    parser = Parser(sql)
    parser.expect("CALL")
    name = parser.object_name()
    reader = _Expressions(parser, bindings or {})
    items = parser.parenthesized(reader.argument, allow_empty=True)
    parser.end()
    named = [n for n, _ in items if n is not None]
    if named and len(named) != len(items):
        raise SqlError(1003, "42000", "SQL compilation error:\nCannot mix named and positional "
                       "arguments in a call.")  # fmt: skip
    if len({n.upper() for n in named}) != len(named):
        raise SqlError(1003, "42000", "SQL compilation error:\nAn argument is named twice.")
    return CallSpec(name, tuple(v for _, v in items), tuple(n.upper() for n in named))


class _Expressions:
    """The constant expressions CALL accepts, evaluated to :class:`Value`."""

    def __init__(self, parser: Parser, bindings: Mapping[str, Any]) -> None:
        self.parser = parser
        self.bindings = bindings
        self.position = 0

    def argument(self) -> tuple[str | None, Value]:
        p = self.parser
        if p.peek().kind in ("word", "qident") and p.peek(1).kind == "punct" and \
                p.peek(1).value == "=>":  # fmt: skip
            name = p.identifier()
            p.next()
            return name, self.expression()
        return None, self.expression()

    def expression(self) -> Value:
        value = self.primary()
        while self.parser.accept_punct("::"):
            value = cast(value, read_type(self.parser))
        return value

    def primary(self) -> Value:
        p = self.parser
        token = p.peek()
        if token.kind == "string":
            return Value("VARCHAR", p.string())
        if token.kind == "number" or (token.kind == "punct" and token.value in "-+"
                                      and p.peek(1).kind == "number"):  # fmt: skip
            sign = p.next().value if token.kind == "punct" else ""
            return _number(sign + p.number())
        if token.kind == "word":
            return self._word(token)
        if token.kind == "punct":
            return self._punct(token)
        raise p.error(token)

    def _punct(self, token: Any) -> Value:
        p = self.parser
        if token.value == "?":
            return self._bound(p.next())
        if token.value == "{":
            return Value("OBJECT", self._object())
        if token.value == "[":
            return self._array()
        if token.value == "(":
            return self._paren()
        raise p.error(token)

    def _paren(self) -> Value:
        self.parser.next()
        inner = self.expression()
        self.parser.expect_punct(")")
        return inner

    def _array(self) -> Value:
        self.parser.next()
        items = [] if self.parser.accept_punct("]") else self._items("]")
        return Value("ARRAY", [_json(v) for v in items])

    def _word(self, token: Any) -> Value:
        p = self.parser
        if p.accept("NULL"):
            return Value("NULL", None)
        if p.at("TRUE") or p.at("FALSE"):
            return Value("BOOLEAN", p.boolean())
        function = token.value
        if p.peek(1).kind != "punct" or p.peek(1).value != "(" or function not in _FUNCTIONS:
            raise unsupported_argument(token.text)
        p.next()
        p.expect_punct("(")
        args = [] if p.accept_punct(")") else self._items(")")
        result: Value = _FUNCTIONS[function](args)
        return result

    def _items(self, closing: str) -> list[Value]:
        items = [self.expression()]
        while self.parser.accept_punct(","):
            items.append(self.expression())
        self.parser.expect_punct(closing)
        return items

    def _object(self) -> dict[str, Any]:
        p = self.parser
        p.expect_punct("{")
        result: dict[str, Any] = {}
        if p.accept_punct("}"):
            return result
        while True:
            key = p.string()
            p.expect_punct(":")
            value = self.expression()
            if value.value is not None:  # OBJECT constants drop NULL values (like OBJECT_CONSTRUCT)
                result[key] = _json(value)
            if not p.accept_punct(","):
                break
        p.expect_punct("}")
        return result

    def _bound(self, token: Any) -> Value:
        self.position += 1
        bound = self.bindings.get(str(self.position))
        if bound is None:
            raise SqlError(2049, "42601", "SQL compilation error: Bind variable ? not set.")
        kind, text = str(bound.get("type", "TEXT")).upper(), bound.get("value")
        if text is None:
            return Value("NULL", None)
        if kind in ("FIXED", "REAL"):
            return _number(str(text))
        if kind == "BOOLEAN":
            return Value("BOOLEAN", str(text).lower() in ("1", "true"))
        return Value("VARCHAR", str(text))


def unsupported_argument(text: str) -> SqlError:
    return SqlError(2, "0A000", f"Unsupported feature 'CALL argument {text}' (the local "
                    "Snowflake evaluates constants, PARSE_JSON, OBJECT/ARRAY constants and "
                    "casts only).")  # fmt: skip


def _number(text: str) -> Value:
    if any(c in text for c in ".eE"):
        return Value("FLOAT" if "e" in text.lower() else "NUMBER", Decimal(text))
    return Value("NUMBER", int(text))


def _json(value: Value) -> Any:
    """A value as it sits inside a VARIANT."""
    if isinstance(value.value, Decimal):
        number = value.value
        return int(number) if number == number.to_integral_value() and value.type == "NUMBER" \
            else float(number)  # fmt: skip
    return value.value


def _parse_json(args: list[Value]) -> Value:
    if len(args) != 1 or args[0].type not in ("VARCHAR", "NULL"):
        raise unsupported_argument("PARSE_JSON(...)")
    if args[0].value is None:
        return Value("NULL", None)
    try:
        return Value("VARIANT", json.loads(args[0].value))
    except ValueError:
        raise SqlError(100069, "22P02", "Error parsing JSON: "
                       f"{str(args[0].value)[:40]!r}") from None  # fmt: skip


def _object_construct(args: list[Value]) -> Value:
    if len(args) % 2:
        raise SqlError(1044, "42P13", "SQL compilation error:\nInvalid argument types for "
                       "function 'OBJECT_CONSTRUCT'.")  # fmt: skip
    pairs = zip(args[::2], args[1::2], strict=True)
    return Value("OBJECT", {str(k.value): _json(v) for k, v in pairs if v.value is not None})


def _one(kind: str) -> Any:
    def convert(args: list[Value]) -> Value:
        if len(args) != 1:
            raise unsupported_argument(f"TO_{kind}(...)")
        return cast(args[0], kind)

    return convert


_FUNCTIONS = {
    "PARSE_JSON": _parse_json,
    "TRY_PARSE_JSON": _parse_json,
    "TO_VARIANT": _one("VARIANT"),
    "TO_OBJECT": _one("OBJECT"),
    "TO_ARRAY": _one("ARRAY"),
    "OBJECT_CONSTRUCT": _object_construct,
    "ARRAY_CONSTRUCT": lambda args: Value("ARRAY", [_json(a) for a in args]),
}


def cast(value: Value, kind: str) -> Value:
    """``value :: kind`` for the types a CALL argument can take (SqlError 100038 otherwise)."""
    if value.value is None:
        return Value(kind, None)
    raw = _json(value)
    convert = _CASTS.get(kind)
    try:
        converted = convert(raw) if convert is not None else _NOT_CAST
    except (ArithmeticError, ValueError):
        converted = _NOT_CAST
    if converted is _NOT_CAST:
        raise SqlError(100038, "22018", f"Numeric value '{raw}' is not recognized" if kind in (
            "NUMBER", "FLOAT") else f"Failed to cast {value.type} to {kind}.")  # fmt: skip
    return Value(kind, converted)


_NOT_CAST = object()


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict | list):
        return json.dumps(raw)
    return str(raw).lower() if isinstance(raw, bool) else str(raw)


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("true", "t", "yes", "y", "on", "1"):
        return True
    if text in ("false", "f", "no", "n", "off", "0"):
        return False
    raise ValueError(text)


_CASTS: dict[str, Any] = {
    "VARCHAR": _text,
    "NUMBER": lambda raw: int(raw) if isinstance(raw, bool) else round(Decimal(str(raw))),
    "FLOAT": float,
    "BOOLEAN": _boolean,
    "VARIANT": lambda raw: raw,
    "OBJECT": lambda raw: raw if isinstance(raw, dict) else _NOT_CAST,
    "ARRAY": lambda raw: raw if isinstance(raw, list) else [raw],
}
