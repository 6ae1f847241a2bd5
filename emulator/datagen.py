"""Deterministic virtual row values: every value is a pure function of (seed, object, field,
row index).

Generator factories take a `GenContext` and a field name and return a fast `index -> value`
function, so millions of rows can be produced on demand without storing them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
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
    """index -> 64-bit hash, salted per (seed, object, field); mix() inlined for speed."""
    salt = ctx.salt(field)

    def hashed(index: int) -> int:
        x = (index * 0x9E3779B97F4A7C15 + salt) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        return x ^ (x >> 31)

    return hashed


def _from_hash(
    ctx: GenContext, field: str, null_rate: float, make: Callable[[int, int], Any]
) -> RowFn:
    """index -> value: one hash per value; its low bits decide null, the rest feed `make(h, i)`."""
    salt = ctx.salt(field)
    threshold = int(null_rate * 1024)

    def value(i: int) -> Any:  # the body of _hasher, inlined: this runs once per value
        x = (i * 0x9E3779B97F4A7C15 + salt) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        h = x ^ (x >> 31)
        return None if h & 1023 < threshold else make(h >> 10, i)

    return value


def choice(values: Sequence[Any], null_rate: float = 0.0) -> Factory:
    pool, size = tuple(values), len(values)
    return lambda ctx, field: _from_hash(ctx, field, null_rate, lambda h, i: pool[h % size])


def multichoice(values: Sequence[str], null_rate: float = 0.0) -> Factory:
    pool = tuple(values)
    combos = (1 << len(pool)) - 1

    def make(h: int, i: int) -> str:
        bits = h % combos + 1
        return ";".join(v for n, v in enumerate(pool) if bits >> n & 1)

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make)


def integer(low: int, high: int, null_rate: float = 0.0) -> Factory:
    span = high - low + 1
    return lambda ctx, field: _from_hash(ctx, field, null_rate, lambda h, i: low + h % span)


def decimal(low: float, high: float, scale: int, null_rate: float = 0.0) -> Factory:
    unit = 10**scale
    span = int((high - low) * unit) + 1

    def make(h: int, i: int) -> float:
        return float(round(low + (h % span) / unit, scale))

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make)


def boolean(p_true: float = 0.5) -> Factory:
    threshold = int(p_true * 1000)
    return lambda ctx, field: _from_hash(ctx, field, 0.0, lambda h, i: h % 1000 < threshold)


def text(
    template: str, pools: Mapping[str, Sequence[str]] | None = None, null_rate: float = 0.0
) -> Factory:
    """Format `template` with {i} (row index), {n} (1-based) and one word per named pool."""
    named = [(k, tuple(v)) for k, v in (pools or {}).items()]
    if not named:
        fmt = template.format
        return lambda ctx, field: _from_hash(ctx, field, null_rate, lambda h, i: fmt(i=i, n=i + 1))

    def make(h: int, i: int) -> str:
        words = {k: pool[(h >> (7 * n)) % len(pool)] for n, (k, pool) in enumerate(named)}
        return template.format(i=i, n=i + 1, **words)

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make)


def reference(target: str, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        count, prefix = ctx.counts.get(target, 0), ctx.prefixes[target]
        if count <= 0:
            return lambda i: None
        return _from_hash(ctx, field, null_rate, lambda h, i: make_id(prefix, h % count))

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
    """SystemModstamp/LastModifiedDate: after the row's CreatedDate and before the next row's,
    so virtual rows are time-ordered by index (and by Id)."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        start, span, rows = _timeline(ctx)
        hashed, step = _hasher(ctx, "SystemModstamp"), max(span // rows, 1)
        return lambda i: _EPOCH + timedelta(seconds=start + i * span // rows + hashed(i) % step)

    return factory


def modified_bounds(ctx: GenContext, index: int) -> tuple[datetime, datetime]:
    """[lowest, highest] SystemModstamp that virtual row `index` can have (for range pruning)."""
    start, span, rows = _timeline(ctx)
    step = max(span // rows, 1)
    base = start + index * span // rows
    return _EPOCH + timedelta(seconds=base), _EPOCH + timedelta(seconds=base + step - 1)


def day(days_back_max: int, days_ahead_max: int = 0, null_rate: float = 0.0) -> Factory:
    span = days_back_max + days_ahead_max + 1

    def factory(ctx: GenContext, field: str) -> RowFn:
        base = ctx.history_end.date() - timedelta(days=days_back_max)
        return _from_hash(ctx, field, null_rate, lambda h, i: base + timedelta(days=h % span))

    return factory


def moment(days_back_max: int, null_rate: float = 0.0) -> Factory:
    span = days_back_max * 86400

    def factory(ctx: GenContext, field: str) -> RowFn:
        end = ctx.history_end
        return _from_hash(ctx, field, null_rate, lambda h, i: end - timedelta(seconds=h % span))

    return factory


def clock_time(null_rate: float = 0.0) -> Factory:
    def make(h: int, i: int) -> time:
        return time(h % 24, (h >> 8) % 60, (h >> 16) % 60, ((h >> 24) % 1000) * 1000)

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make)


def blob(null_rate: float = 0.0) -> Factory:
    """base64 fields hold bytes; REST renders them as a blob URL."""

    def make(h: int, i: int) -> bytes:
        return f"blob-{i}-{h % 99991}".encode()

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make)
