"""Deterministic virtual row values: every value is a pure function of (seed, object, field,
row index).

Generator factories take a `GenContext` and a field name and return a fast `index -> value`
function, so millions of rows can be produced on demand without storing them. The function may
carry two vectorised forms for uint64 index arrays: `.block` (the values) and `.csv` (the values
already rendered as Bulk CSV cell text, None for null), used where formatting each Python value
would cost more than generating it (datetimes, dates, booleans).
"""

from __future__ import annotations

import string
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np

from emulator.core.ids import make_id, make_ids

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
    settings: Mapping[str, Any] = dataclass_field(default_factory=dict)  # the org's options

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


def _from_hash(  # noqa: PLR0917 (the generators pass their parts positionally)
    ctx: GenContext,
    field: str,
    null_rate: float,
    make: Callable[[int, int], Any],
    make_block: BlockMake | None = None,
    make_csv: BlockMake | None = None,
) -> RowFn:
    """index -> value: one hash per value; its low bits decide null, the rest feed `make(h, i)`.

    The returned function also carries `.block(indices) -> list`, the same values for a uint64
    array of indices computed with numpy (`make_block(h, indices)`, or `make` per element), and
    with `make_csv` a `.csv(indices)` giving their Bulk CSV text."""
    salt = ctx.salt(field)
    threshold = int(null_rate * 1024)

    def masked(make_many: BlockMake) -> BlockFn:
        def many(idx: np.ndarray) -> list[Any]:
            hashes = _hash_block(idx, salt)
            values = make_many(hashes >> np.uint64(10), idx)
            if threshold <= 0:
                return values
            for pos in np.flatnonzero((hashes & np.uint64(1023)) < np.uint64(threshold)).tolist():
                values[pos] = None
            return values

        return many

    def value(i: int) -> Any:  # the body of _hasher, inlined: this runs once per value
        x = (i * 0x9E3779B97F4A7C15 + salt) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        h = x ^ (x >> 31)
        return None if h & 1023 < threshold else make(h >> 10, i)

    def each(shifted: np.ndarray, idx: np.ndarray) -> list[Any]:
        return [make(h, i) for h, i in zip(shifted.tolist(), idx.tolist(), strict=True)]

    csv = masked(make_csv) if make_csv is not None else None
    return with_block(value, masked(make_block or each), csv)


def with_block(fn: RowFn, block: BlockFn, csv: BlockFn | None = None) -> RowFn:
    setattr(fn, "block", block)  # noqa: B010 (a plain attribute keeps the per-row call cheap)
    if csv is not None:
        setattr(fn, "csv", csv)  # noqa: B010
    return fn


def csv_of(fn: RowFn) -> BlockFn | None:
    """The vectorised Bulk CSV text form of a row function, if it has one."""
    return getattr(fn, "csv", None)


def _csv_moments(seconds: np.ndarray) -> list[str]:
    """Bulk CSV datetimes (``2023-10-22T06:25:12.000Z``) of epoch seconds, vectorised."""
    stamps = seconds.astype("datetime64[s]")
    return list(np.datetime_as_string(stamps, unit="ms", timezone="UTC").tolist())


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

    words = np.array(["false", "true"], dtype=object)

    def make_csv(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        return list(words[(_mod(h, 1000) < threshold).astype(np.int64)].tolist())

    return lambda ctx, field: _from_hash(
        ctx, field, 0.0, lambda h, i: h % 1000 < threshold, make_block, make_csv
    )


def _positional(template: str, names: Sequence[str]) -> str:
    """`template` with its named fields ({i}, {n}, pool names) turned into positional ones in
    the order (i, n, *names), so it formats with plain positional arguments."""
    order = {name: pos for pos, name in enumerate(("i", "n", *names))}
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            out.append("{" + str(order[field]) + ("!" + conversion if conversion else ""))
            out.append((":" + spec if spec else "") + "}")
    return "".join(out)


def text(
    template: str, pools: Mapping[str, Sequence[str]] | None = None, null_rate: float = 0.0
) -> Factory:
    """Format `template` with {i} (row index), {n} (1-based) and one word per named pool."""
    named = [(k, tuple(v)) for k, v in (pools or {}).items()]
    fmt = _positional(template, [k for k, _ in named]).format
    tables = [np.array(pool, dtype=object) for _, pool in named]

    def make(h: int, i: int) -> str:
        words = [pool[(h >> (7 * n)) % len(pool)] for n, (_, pool) in enumerate(named)]
        return fmt(i, i + 1, *words)

    def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
        words = [
            table[_mod(h >> np.uint64(7 * n), len(table))].tolist()
            for n, table in enumerate(tables)
        ]
        rows = idx.tolist()
        return list(map(fmt, rows, (idx + np.uint64(1)).tolist(), *words))

    return lambda ctx, field: _from_hash(ctx, field, null_rate, make, make_block)


def reference(target: str, null_rate: float = 0.0) -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        count, prefix = ctx.counts.get(target, 0), ctx.prefixes[target]
        if count <= 0:
            return with_block(lambda i: None, lambda idx: [None] * len(idx))

        def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
            return make_ids(prefix, _mod(h, count).tolist())

        return _from_hash(
            ctx, field, null_rate, lambda h, i: make_id(prefix, h % count), make_block
        )

    return factory


def record_id() -> Factory:
    def factory(ctx: GenContext, field: str) -> RowFn:
        prefix = ctx.prefixes[ctx.sobject]
        return with_block(lambda i: make_id(prefix, i), lambda idx: make_ids(prefix, idx.tolist()))

    return factory


def constant(value: Any) -> Factory:
    return lambda ctx, field: with_block(lambda i: value, lambda idx: [value] * len(idx))


def setting(option: str, convert: Callable[[Any], Any] | None = None) -> Factory:
    """The value of org option `option` when the data was generated (Organization's row),
    through `convert` if given."""

    def make(ctx: GenContext, field: str) -> RowFn:
        value = ctx.settings[option]
        return constant(convert(value) if convert is not None else value)(ctx, field)

    return make


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

        def seconds(idx: np.ndarray) -> np.ndarray:
            return idx.astype(np.int64) * span // rows + start

        return with_block(
            lambda i: _EPOCH + timedelta(seconds=start + i * span // rows),
            lambda idx: _moments(seconds(idx)),
            lambda idx: _csv_moments(seconds(idx)),
        )

    return factory


def modified() -> Factory:
    """SystemModstamp/LastModifiedDate: after the row's CreatedDate and before the next row's,
    so virtual rows are time-ordered by index (and by Id)."""

    def factory(ctx: GenContext, field: str) -> RowFn:
        start, span, rows = _timeline(ctx)
        salt, step = ctx.salt("SystemModstamp"), max(span // rows, 1)
        hashed = _hasher(ctx, "SystemModstamp")

        def seconds(idx: np.ndarray) -> np.ndarray:
            jitter = _mod(_hash_block(idx, salt), step)
            return np.asarray(idx.astype(np.int64) * span // rows + start + jitter)

        return with_block(
            lambda i: _EPOCH + timedelta(seconds=start + i * span // rows + hashed(i) % step),
            lambda idx: _moments(seconds(idx)),
            lambda idx: _csv_moments(seconds(idx)),
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
        texts = np.array([d.isoformat() for d in table], dtype=object)

        def make_block(h: np.ndarray, idx: np.ndarray) -> list[Any]:
            return [table[k] for k in _mod(h, span).tolist()]

        def make_csv(h: np.ndarray, idx: np.ndarray) -> list[Any]:
            return list(texts[_mod(h, span)].tolist())

        return _from_hash(ctx, field, null_rate, lambda h, i: table[h % span], make_block, make_csv)

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
