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

import numpy as np

from emulator.ids import make_id

_MASK = (1 << 64) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RowFn = Callable[[int], Any]
BlockFn = Callable[[np.ndarray], list[Any]]
BlockMake = Callable[[np.ndarray, np.ndarray], list[Any]]
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


def _hash_block(idx: np.ndarray, salt: int) -> np.ndarray:
    """Vectorised `_hasher` over uint64 indices (uint64 arithmetic wraps like `& _MASK`)."""
    x = idx * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _from_hash(
    ctx: GenContext,
    field: str,
    null_rate: float,
    make: Callable[[int, int], Any],
    make_block: BlockMake | None = None,
) -> RowFn:
    """index -> value: one hash per value; its low bits decide null, the rest feed `make(h, i)`.

    The returned function also carries `.block(indices) -> list`, the same values for a uint64
    array of indices computed with numpy (`make_block(h, indices)`, or `make` per element)."""
    salt = ctx.salt(field)
    threshold = int(null_rate * 1024)

    def value(i: int) -> Any:  # the body of _hasher, inlined: this runs once per value
        x = (i * 0x9E3779B97F4A7C15 + salt) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        h = x ^ (x >> 31)
        return None if h & 1023 < threshold else make(h >> 10, i)

    def block(idx: np.ndarray) -> list[Any]:
        hashes = _hash_block(idx, salt)
        shifted = hashes >> np.uint64(10)
        if make_block is not None:
            values = make_block(shifted, idx)
        else:
            values = [make(h, i) for h, i in zip(shifted.tolist(), idx.tolist(), strict=True)]
        if threshold <= 0:
            return values
        nulls = ((hashes & np.uint64(1023)) < np.uint64(threshold)).tolist()
        return [None if null else v for v, null in zip(values, nulls, strict=True)]

    return with_block(value, block)


def with_block(fn: RowFn, block: BlockFn) -> RowFn:
    setattr(fn, "block", block)  # noqa: B010 (a plain attribute keeps the per-row call cheap)
    return fn


def block_of(fn: RowFn) -> BlockFn:
    """The vectorised form of a row function, or a per-element fallback."""
    block: BlockFn | None = getattr(fn, "block", None)
    return block if block is not None else lambda idx: [fn(i) for i in idx.tolist()]


def _mod(h: np.ndarray, n: int) -> np.ndarray:
    return (h % np.uint64(n)).astype(np.int64)


def choice(values: Sequence[Any], null_rate: float = 0.0) -> Factory:
    pool, size = tuple(values), len(values)
    table = np.empty(size, dtype=object)
    table[:] = pool

    def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        return list(table[_mod(h, size)].tolist())

    return lambda ctx, field: _from_hash(
        ctx, field, null_rate, lambda h, i: pool[h % size], make_block
    )


def multichoice(values: Sequence[str], null_rate: float = 0.0) -> Factory:
    pool = tuple(values)
    combos = (1 << len(pool)) - 1

    def make(h: int, i: int) -> str:
        bits = h % combos + 1
        return ";".join(v for n, v in enumerate(pool) if bits >> n & 1)

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make)


def integer(low: int, high: int, null_rate: float = 0.0) -> Factory:
    span = high - low + 1

    def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        return list((_mod(h, span) + np.int64(low)).tolist())

    return lambda ctx, field: _from_hash(
        ctx, field, null_rate, lambda h, i: low + h % span, make_block
    )


def decimal(low: float, high: float, scale: int, null_rate: float = 0.0) -> Factory:
    """Values (L + k) / 10**scale: one correctly rounded division, identical in both paths."""
    unit = 10**scale
    base, span = round(low * unit), round((high - low) * unit) + 1

    def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        return list(((_mod(h, span) + np.int64(base)) / np.float64(unit)).tolist())

    return lambda ctx, field: _from_hash(
        ctx, field, null_rate, lambda h, i: (base + h % span) / unit, make_block
    )


def boolean(p_true: float = 0.5) -> Factory:
    threshold = int(p_true * 1000)

    def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        return list((_mod(h, 1000) < threshold).tolist())

    return lambda ctx, field: _from_hash(
        ctx, field, 0.0, lambda h, i: h % 1000 < threshold, make_block
    )


def text(
    template: str, pools: Mapping[str, Sequence[str]] | None = None, null_rate: float = 0.0
) -> Factory:
    """Format `template` with {i} (row index), {n} (1-based) and one word per named pool."""
    named = [(k, tuple(v)) for k, v in (pools or {}).items()]
    fmt = template.format
    if not named:

        def plain_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
            return [fmt(i=i, n=i + 1) for i in idx.tolist()]

        return lambda ctx, field: _from_hash(
            ctx, field, null_rate, lambda h, i: fmt(i=i, n=i + 1), plain_block
        )

    def make(h: int, i: int) -> str:
        words = {k: pool[(h >> (7 * n)) % len(pool)] for n, (k, pool) in enumerate(named)}
        return fmt(i=i, n=i + 1, **words)

    def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        picks = [
            _mod(h >> np.uint64(7 * n), len(pool)).tolist() for n, (_, pool) in enumerate(named)
        ]
        rows = zip(idx.tolist(), *picks, strict=True)
        return [
            fmt(
                i=row[0],
                n=row[0] + 1,
                **{k: pool[w] for (k, pool), w in zip(named, row[1:], strict=True)},
            )
            for row in rows
        ]

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make, make_block)


def reference(target: str, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        count, prefix = ctx.counts.get(target, 0), ctx.prefixes[target]
        if count <= 0:
            return with_block(lambda i: None, lambda idx: [None] * len(idx))

        def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
            return [make_id(prefix, k) for k in _mod(h, count).tolist()]

        return _from_hash(
            ctx, field, null_rate, lambda h, i: make_id(prefix, h % count), make_block
        )

    return factory


def record_id() -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        prefix = ctx.prefixes[ctx.sobject]
        return with_block(
            lambda i: make_id(prefix, i), lambda idx: [make_id(prefix, i) for i in idx.tolist()]
        )

    return factory


def constant(value: Any) -> Factory:
    return lambda ctx, field: with_block(lambda i: value, lambda idx: [value] * len(idx))


def _timeline(ctx: GenContext) -> tuple[int, int, int]:
    """(start epoch seconds, span seconds, rows) of the object's creation timeline."""
    span = ctx.history_days * 86400
    start = int((ctx.history_end - _EPOCH).total_seconds()) - span
    return start, span, max(ctx.count, 1)


def _moments(seconds: np.ndarray) -> list[datetime]:
    return [_EPOCH + timedelta(seconds=s) for s in seconds.tolist()]


def created() -> Factory:
    """CreatedDate: rows are created in index order, spread evenly over the history window."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        start, span, rows = _timeline(ctx)

        def block(idx: np.ndarray) -> list[Any]:
            return _moments(idx.astype(np.int64) * span // rows + start)

        return with_block(lambda i: _EPOCH + timedelta(seconds=start + i * span // rows), block)

    return factory


def modified() -> Factory:
    """SystemModstamp/LastModifiedDate: after the row's CreatedDate and before the next row's,
    so virtual rows are time-ordered by index (and by Id)."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        start, span, rows = _timeline(ctx)
        salt, step = ctx.salt("SystemModstamp"), max(span // rows, 1)
        hashed = _hasher(ctx, "SystemModstamp")

        def block(idx: np.ndarray) -> list[Any]:
            jitter = _mod(_hash_block(idx, salt), step)
            return _moments(idx.astype(np.int64) * span // rows + start + jitter)

        return with_block(
            lambda i: _EPOCH + timedelta(seconds=start + i * span // rows + hashed(i) % step),
            block,
        )

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
        first = ctx.history_end.date() - timedelta(days=days_back_max)
        table = [first + timedelta(days=k) for k in range(span)]

        def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
            return [table[k] for k in _mod(h, span).tolist()]

        return _from_hash(ctx, field, null_rate, lambda h, i: table[h % span], make_block)

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
