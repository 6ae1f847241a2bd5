"""Evaluation of a parsed SOQL `Query` over an object's rows: filter, order, offset/limit,
project."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from emulator.core.ids import to_18
from emulator.core.schema import STRING_TYPES, FieldDef
from emulator.soql.syntax import (
    And,
    Cmp,
    Condition,
    DateLiteral,
    Includes,
    InList,
    Like,
    Not,
    Or,
    OrderItem,
    SemiJoin,
    Value,
)

RowFn = Callable[[int], Any]
Predicate = Callable[[int], bool]
PathFn = Callable[[str], RowFn]
FieldOf = Callable[[str], FieldDef]
BLOCK_ROWS = 2048
_CASELESS = STRING_TYPES | {"id", "reference"}


def _month_start(day: date, delta: int) -> date:
    months = day.year * 12 + day.month - 1 + delta
    return date(months // 12, months % 12 + 1, 1)


def date_range(lit: DateLiteral, today: date) -> tuple[date, date]:
    """[start, end) of a relative date literal, in days."""
    n = lit.n or 0
    one = timedelta(days=1)
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    fixed = {
        "TODAY": (today, today + one),
        "YESTERDAY": (today - one, today),
        "TOMORROW": (today + one, today + 2 * one),
        "THIS_WEEK": (week, week + 7 * one),
        "LAST_WEEK": (week - 7 * one, week),
        "NEXT_WEEK": (week + 7 * one, week + 14 * one),
        "THIS_MONTH": (_month_start(today, 0), _month_start(today, 1)),
        "LAST_MONTH": (_month_start(today, -1), _month_start(today, 0)),
        "NEXT_MONTH": (_month_start(today, 1), _month_start(today, 2)),
        "LAST_90_DAYS": (today - 90 * one, today + one),
        "NEXT_90_DAYS": (today + one, today + 91 * one),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_N_DAYS": (today - n * one, today + one),
        "NEXT_N_DAYS": (today + one, today + (n + 1) * one),
        "N_DAYS_AGO": (today - n * one, today - (n - 1) * one),
        "LAST_N_WEEKS": (week - 7 * n * one, week),
        "NEXT_N_WEEKS": (week + 7 * one, week + 7 * (n + 1) * one),
        "LAST_N_MONTHS": (_month_start(today, -n), _month_start(today, 0)),
        "NEXT_N_MONTHS": (_month_start(today, 1), _month_start(today, n + 1)),
        "LAST_N_YEARS": (date(today.year - n, 1, 1), date(today.year, 1, 1)),
        "NEXT_N_YEARS": (date(today.year + 1, 1, 1), date(today.year + n + 1, 1, 1)),
    }
    return fixed[lit.name]


def _normalise(fdef: FieldDef, value: Any) -> Any:
    """Comparable form of a field or literal value (case-insensitive text, 18-char ids)."""
    if value is None:
        return None
    if fdef.type in ("id", "reference") and isinstance(value, str):
        return to_18(value).lower()
    if fdef.type in _CASELESS and isinstance(value, str):
        return value.casefold()
    if fdef.type == "datetime" and isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _range_bounds(fdef: FieldDef, lit: DateLiteral, now: datetime) -> tuple[Any, Any]:
    start, end = date_range(lit, now.date())
    if fdef.type == "datetime":
        return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)
    return start, end


def _compile_cmp(cond: Cmp, fn: RowFn, fdef: FieldDef, now: datetime) -> Predicate:
    op = cond.op
    if isinstance(cond.value, DateLiteral):
        lo, hi = _range_bounds(fdef, cond.value, now)
        tests: dict[str, Callable[[Any], bool]] = {
            "=": lambda v: lo <= v < hi,
            "!=": lambda v: not lo <= v < hi,
            "<": lambda v: v < lo,
            "<=": lambda v: v < hi,
            ">": lambda v: v >= hi,
            ">=": lambda v: v >= lo,
        }
        test = tests[op]
        return lambda i: (v := fn(i)) is not None and test(v)
    literal = _normalise(fdef, cond.value)
    if literal is None:
        return (
            (lambda i: fn(i) is None)
            if op == "="
            else (lambda i: fn(i) is not None)
            if op == "!="
            else (lambda i: False)
        )
    compare = _OPS[op]
    caseless = fdef.type in _CASELESS
    if fdef.type == "date" and isinstance(literal, datetime):
        literal = literal.date()
    if op == "!=":
        return lambda i: (
            (v := fn(i)) is None or compare(_normalise(fdef, v) if caseless else v, literal)
        )
    return lambda i: (
        (v := fn(i)) is not None and compare(_normalise(fdef, v) if caseless else v, literal)
    )


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def resolve_semi_joins(
    cond: Condition, values_of: Callable[[SemiJoin], tuple[Value, ...]]
) -> Condition:
    """The condition with every semi/anti-join replaced by [NOT] IN (the values its sub-select
    selects, nulls left out), computed once before the rows are filtered."""
    if isinstance(cond, SemiJoin):
        return InList(cond.field, values_of(cond), cond.negate)
    if isinstance(cond, And):
        return And(tuple(resolve_semi_joins(c, values_of) for c in cond.items))
    if isinstance(cond, Or):
        return Or(tuple(resolve_semi_joins(c, values_of) for c in cond.items))
    if isinstance(cond, Not):
        return Not(resolve_semi_joins(cond.item, values_of))
    return cond


def compile_condition(  # noqa: PLR0911 (one return per node type)
    cond: Condition, path_fn: PathFn, field_of: FieldOf, now: datetime
) -> Predicate:
    """Turn a WHERE tree into a predicate over row indices."""
    if isinstance(cond, And):
        parts = [compile_condition(c, path_fn, field_of, now) for c in cond.items]
        return lambda i: all(p(i) for p in parts)
    if isinstance(cond, Or):
        parts = [compile_condition(c, path_fn, field_of, now) for c in cond.items]
        return lambda i: any(p(i) for p in parts)
    if isinstance(cond, Not):
        inner = compile_condition(cond.item, path_fn, field_of, now)
        return lambda i: not inner(i)
    fn, fdef = path_fn(cond.field), field_of(cond.field)
    if isinstance(cond, Cmp):
        return _compile_cmp(cond, fn, fdef, now)
    if isinstance(cond, InList):
        wanted = {_normalise(fdef, v) for v in cond.values}
        if cond.negate:
            return lambda i: _normalise(fdef, fn(i)) not in wanted
        return lambda i: _normalise(fdef, fn(i)) in wanted
    if isinstance(cond, Like):
        regex = _like_regex(cond.pattern)
        match = lambda i: (v := fn(i)) is not None and regex.fullmatch(str(v)) is not None  # noqa: E731
        return (lambda i: not match(i)) if cond.negate else match
    if isinstance(cond, Includes):
        return _compile_includes(cond, fn)
    raise TypeError(f"unknown condition {cond!r}")


def _compile_includes(cond: Includes, fn: RowFn) -> Predicate:
    groups = [frozenset(p.strip().casefold() for p in v.split(";")) for v in cond.values]

    def test(i: int) -> bool:
        value = fn(i)
        present = frozenset(p.casefold() for p in value.split(";")) if value else frozenset()
        hit = any(g <= present for g in groups)
        return not hit if cond.negate else hit

    return test


def _sort_key(fn: RowFn, fdef: FieldDef, item: OrderItem) -> Callable[[int], tuple[int, Any]]:
    null_rank = 0 if item.effective_nulls_first == item.ascending else 2
    caseless = fdef.type in STRING_TYPES

    def key(i: int) -> tuple[int, Any]:
        value = fn(i)
        if value is None:
            return (null_rank, 0)
        return (1, value.casefold() if caseless and isinstance(value, str) else value)

    return key


def order_indices(
    indices: list[int], order_by: Iterable[OrderItem], path_fn: PathFn, field_of: FieldOf
) -> None:
    """Stable multi-key sort in place (last key first)."""
    for item in reversed(list(order_by)):
        indices.sort(
            key=_sort_key(path_fn(item.field), field_of(item.field), item),
            reverse=not item.ascending,
        )


def column_blocks(
    indices: Iterable[int], columns: list[Callable[[np.ndarray, list[int]], list[Any]]]
) -> Iterator[list[list[Any]]]:
    """Per block of up to BLOCK_ROWS indices: one value list per column."""
    rows = iter(indices)
    while True:
        chunk = list(itertools.islice(rows, BLOCK_ROWS))
        if not chunk:
            return
        array = np.fromiter(chunk, dtype=np.uint64, count=len(chunk))
        yield [column(array, chunk) for column in columns]


def project_blocks(
    indices: Iterable[int], columns: list[Callable[[np.ndarray, list[int]], list[Any]]]
) -> Iterator[tuple[Any, ...]]:
    """Rows (tuples in column order) for the given indices, computed column-wise per block."""
    for block in column_blocks(indices, columns):
        yield from zip(*block, strict=True)
