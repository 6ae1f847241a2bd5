"""SOQL tokens, syntax tree and Salesforce-style query error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from emulator.http import SalesforceHttpError

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>[+-]?(?:\d+\.\d*|\.\d+|\d+))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),:])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    def is_kw(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.upper() in words


EOF_KIND = "eof"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            bad = text[pos:].split(maxsplit=1)[0] if text[pos:].split() else text[pos]
            raise query_error(text, pos, "MALFORMED_QUERY", f"unexpected token: '{bad}'")
        kind = match.lastgroup or "ws"
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token(EOF_KIND, "", len(text)))
    return tokens


def query_error(text: str, pos: int, code: str, message: str) -> SalesforceHttpError:
    """Salesforce's multi-line error format: query line, caret, 'ERROR at Row:r:Column:c',
    message."""
    if pos <= 0:
        return SalesforceHttpError(400, code, message)
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    row = text.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    caret = " " * (column - 1) + "^"
    return SalesforceHttpError(
        400, code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{message}"
    )


@dataclass(frozen=True)
class DateLiteral:
    """A relative date literal (TODAY, LAST_N_DAYS:30 ...), resolved against the org clock."""

    name: str
    n: int | None = None


Value = str | int | float | bool | None | date | datetime | DateLiteral


@dataclass(frozen=True)
class Cmp:
    field: str
    op: str
    value: Value


@dataclass(frozen=True)
class InList:
    field: str
    values: tuple[Value, ...]
    negate: bool = False


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str
    negate: bool = False


@dataclass(frozen=True)
class Includes:
    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class SemiJoin:
    """`field IN (SELECT f FROM T ...)` (anti-join with `negate`): `sub` selects one Id or
    reference field; it is resolved to the values it selects just before the query runs."""

    field: str
    sub: Query
    negate: bool = False


Condition = Cmp | InList | Like | Includes | And | Or | Not | SemiJoin


@dataclass(frozen=True)
class SelectItem:
    """One select-list entry. kind: field | aggregate | subquery | typeof."""

    kind: str
    path: str = ""
    func: str = ""
    alias: str | None = None
    sub: Query | None = None  # kind "subquery": the parsed parent-to-child query


@dataclass(frozen=True)
class OrderItem:
    field: str
    ascending: bool = True
    nulls_first: bool | None = None

    @property
    def effective_nulls_first(self) -> bool:
        return self.ascending if self.nulls_first is None else self.nulls_first


@dataclass(frozen=True)
class Query:
    """A parsed, schema-checked SOQL statement. Field paths use describe casing ("Owner.Name")."""

    text: str
    sobject: str
    items: tuple[SelectItem, ...]
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    group_by: tuple[str, ...] = ()
    is_count: bool = False
    has_typeof: bool = False
    has_subquery: bool = False
    compound_fields: tuple[str, ...] = ()
    base64_fields: tuple[str, ...] = ()
    relationship: str | None = None  # sub-queries: the child relationship name ("Contacts")
    parent_field: str | None = None  # sub-queries: the child's lookup to the parent ("AccountId")

    @property
    def fields(self) -> tuple[str, ...]:
        """Plain field paths of the select list, in select order."""
        return tuple(item.path for item in self.items if item.kind == "field")

    @property
    def has_aggregate(self) -> bool:
        return (
            self.is_count or bool(self.group_by) or any(i.kind == "aggregate" for i in self.items)
        )
