"""Deterministic virtual row values: every value is a pure function of (seed, object, field,
row index).

Generator factories take a `GenContext` and a field name and return a fast `index -> value`
function, so millions of rows can be produced on demand without storing them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from emulator.ids import make_id

_MASK = (1 << 64) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RowFn = Callable[[int], Any]
Factory = Callable[["GenContext", str], RowFn]


@dataclass(frozen=True)
class GenContext:
    """What a generator needs to know about the org it produces data for."""

    seed: int
    sobject: str
    counts: Mapping[str, int]
    prefixes: Mapping[str, str]
    history_end: datetime
    history_days: int

    @property
    def count(self) -> int:
        return self.counts.get(self.sobject, 0)

    def salt(self, field: str) -> int:
        return (
            zlib.crc32(f"{self.sobject}.{field}".encode()) * 0x9E3779B97F4A7C15 + self.seed
        ) & _MASK


def mix(value: int) -> int:
    """splitmix64 finalizer: a cheap, well-distributed 64-bit hash."""
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _hasher(ctx: GenContext, field: str) -> Callable[[int], int]:
    salt = ctx.salt(field)

    def hashed(index: int) -> int:
        return mix((index * 0x9E3779B97F4A7C15 + salt) & _MASK)

    return hashed


def _nullable(ctx: GenContext, field: str, null_rate: float, inner: RowFn) -> RowFn:
    if null_rate <= 0:
        return inner
    threshold = int(null_rate * 1000)
    hashed = _hasher(ctx, field + "#null")
    return lambda i: None if hashed(i) % 1000 < threshold else inner(i)


def choice(values: Sequence[Any], null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, pool, size = _hasher(ctx, field), tuple(values), len(values)
        return _nullable(ctx, field, null_rate, lambda i: pool[hashed(i) % size])

    return factory


def multichoice(values: Sequence[str], null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, pool = _hasher(ctx, field), tuple(values)

        def value(i: int) -> str:
            bits = hashed(i) % ((1 << len(pool)) - 1) + 1
            return ";".join(v for n, v in enumerate(pool) if bits >> n & 1)

        return _nullable(ctx, field, null_rate, value)

    return factory


def integer(low: int, high: int, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, span = _hasher(ctx, field), high - low + 1
        return _nullable(ctx, field, null_rate, lambda i: low + hashed(i) % span)

    return factory


def decimal(low: float, high: float, scale: int, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, unit = _hasher(ctx, field), 10**scale
        span = int((high - low) * unit) + 1

        def value(i: int) -> float:
            return float(round(low + (hashed(i) % span) / unit, scale))

        return _nullable(ctx, field, null_rate, value)

    return factory


def boolean(p_true: float = 0.5) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, threshold = _hasher(ctx, field), int(p_true * 1000)
        return lambda i: hashed(i) % 1000 < threshold

    return factory


def text(
    template: str, pools: Mapping[str, Sequence[str]] | None = None, null_rate: float = 0.0
) -> Factory:
    """Format `template` with {i} (row index), {n} (1-based) and one word per named pool."""
    named = {k: tuple(v) for k, v in (pools or {}).items()}

    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed = _hasher(ctx, field)

        def value(i: int) -> str:
            h = hashed(i)
            words = {
                k: pool[(h >> (7 * n)) % len(pool)] for n, (k, pool) in enumerate(named.items())
            }
            return template.format(i=i, n=i + 1, **words)

        return _nullable(ctx, field, null_rate, value)

    return factory


def reference(target: str, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, count, prefix = _hasher(ctx, field), ctx.counts.get(target, 0), ctx.prefixes[target]
        if count <= 0:
            return lambda i: None
        return _nullable(ctx, field, null_rate, lambda i: make_id(prefix, hashed(i) % count))

    return factory


def record_id() -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        prefix = ctx.prefixes[ctx.sobject]
        return lambda i: make_id(prefix, i)

    return factory


def constant(value: Any) -> Factory:
    return lambda ctx, field: lambda i: value


def _timeline(ctx: GenContext) -> tuple[int, int, int]:
    """(start epoch seconds, span seconds, rows) of the object's creation timeline."""
    span = ctx.history_days * 86400
    start = int((ctx.history_end - _EPOCH).total_seconds()) - span
    return start, span, max(ctx.count, 1)


def created() -> Factory:
    """CreatedDate: rows are created in index order, spread evenly over the history window."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        start, span, rows = _timeline(ctx)
        return lambda i: _EPOCH + timedelta(seconds=start + i * span // rows)

    return factory


def modified() -> Factory:
    """SystemModstamp/LastModifiedDate: after CreatedDate, before the next row's: time-ordered
    by index."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        start, span, rows = _timeline(ctx)
        hashed, step = _hasher(ctx, "SystemModstamp"), max(span // rows, 1)
        return lambda i: _EPOCH + timedelta(seconds=start + i * span // rows + hashed(i) % step)

    return factory


def day(days_back_max: int, days_ahead_max: int = 0, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, base = _hasher(ctx, field), ctx.history_end.date()
        span = days_back_max + days_ahead_max + 1
        return _nullable(
            ctx, field, null_rate, lambda i: base + timedelta(days=hashed(i) % span - days_back_max)
        )

    return factory


def moment(days_back_max: int, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed, end = _hasher(ctx, field), ctx.history_end
        span = days_back_max * 86400
        return _nullable(ctx, field, null_rate, lambda i: end - timedelta(seconds=hashed(i) % span))

    return factory


def clock_time(null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed = _hasher(ctx, field)

        def value(i: int) -> time:
            h = hashed(i)
            return time(h % 24, (h >> 8) % 60, (h >> 16) % 60, ((h >> 24) % 1000) * 1000)

        return _nullable(ctx, field, null_rate, value)

    return factory


def blob(null_rate: float = 0.0) -> Factory:
    """base64 fields hold bytes; REST renders them as a blob URL."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        hashed = _hasher(ctx, field)
        return _nullable(ctx, field, null_rate, lambda i: f"blob-{i}-{hashed(i) % 99991}".encode())

    return factory


def as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value
