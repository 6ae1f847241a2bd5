"""Index-range pruning for time-window queries over virtual rows.

Virtual rows are time-ordered by index (CreatedDate, LastModifiedDate and SystemModstamp grow with
the index), so `WHERE SystemModstamp >= X AND SystemModstamp < Y` only needs the index range whose
timestamps can fall in [X, Y] plus every changed (overlay) or inserted row. The predicate is still
applied to every candidate, so pruning never changes results, only the work.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime

from emulator.core.datagen import modified_bounds
from emulator.core.ids import parse_id
from emulator.core.store import ObjectData
from emulator.soql.syntax import And, Cmp, Condition

MODIFIED_FIELDS = frozenset({"SystemModstamp", "LastModifiedDate"})
TIME_FIELDS = MODIFIED_FIELDS | {"CreatedDate"}


def _time_limits(where: Condition | None) -> tuple[str, datetime | None, datetime | None] | None:
    """(field, lowest, highest) implied by top-level AND-ed datetime comparisons on one field."""
    items = where.items if isinstance(where, And) else (where,) if where is not None else ()
    field, low, high = None, None, None
    for item in items:
        if not isinstance(item, Cmp) or item.field not in TIME_FIELDS:
            continue
        if not isinstance(item.value, datetime) or (field and item.field != field):
            continue
        field = item.field
        if item.op in (">", ">="):
            low = item.value if low is None else max(low, item.value)
        elif item.op in ("<", "<="):
            high = item.value if high is None else min(high, item.value)
        elif item.op == "=":
            low = item.value if low is None else max(low, item.value)
            high = item.value if high is None else min(high, item.value)
    if field is None or (low is None and high is None):
        return None
    return field, low, high


def _range(data: ObjectData, field: str, low: datetime | None, high: datetime | None) -> range:
    ctx, count = data.ctx, data.count
    rows = range(count)
    if field in MODIFIED_FIELDS:
        earliest = lambda i: modified_bounds(ctx, i)[0]  # noqa: E731
        latest = lambda i: modified_bounds(ctx, i)[1]  # noqa: E731
    else:
        earliest = latest = lambda i: modified_bounds(ctx, i)[0]  # created(i) == lower bound
    start = bisect.bisect_left(rows, low, key=latest) if low is not None else 0
    stop = bisect.bisect_right(rows, high, key=earliest) if high is not None else count
    return range(start, max(start, stop))


def _id_bounds(data: ObjectData, where: Condition | None) -> tuple[int, int] | None:
    """[low, high) row indices implied by top-level AND-ed `Id >= 'x'` / `Id < 'y'` (the Id
    ranges of PK-chunked Bulk 1.0 batches); None when there are none."""
    items = where.items if isinstance(where, And) else (where,) if where is not None else ()
    low, high, found = 0, 2**63, False
    prefix = data.obj.key_prefix
    for item in items:
        if not isinstance(item, Cmp) or item.field != "Id" or not isinstance(item.value, str):
            continue
        index = parse_id(prefix, item.value)
        if index is None or item.op not in (">=", ">", "<", "<="):
            continue
        found = True
        if item.op in (">=", ">"):
            low = max(low, index + (item.op == ">"))
        else:
            high = min(high, index + (item.op == "<="))
    return (low, high) if found else None


def candidate_indices(data: ObjectData, where: Condition | None) -> Iterator[int]:
    """Row indices (Id order) that can match `where`: an Id range and a time window narrow them,
    otherwise all rows."""
    bounds = _id_bounds(data, where)
    rows = _time_candidates(data, where)
    if bounds is None:
        return rows
    low, high = bounds
    if _time_limits(where) is None:
        return _id_range(data, low, high)
    return (i for i in rows if low <= i < high)


def _id_range(data: ObjectData, low: int, high: int) -> Iterator[int]:
    purged = data.purged
    yield from (i for i in range(low, min(high, data.count)) if i not in purged)
    yield from (i for i in list(data.inserted) if low <= i < high and i not in purged)


def _time_candidates(data: ObjectData, where: Condition | None) -> Iterator[int]:
    limits = _time_limits(where)
    fdef = data.obj.field(limits[0]) if limits else None
    if limits is None or fdef is None or fdef.generator is None:
        yield from data.indices()
        return
    window = _range(data, *limits)
    purged = data.purged
    changed = sorted(i for i in list(data.overlay) if i < data.count)
    yield from (i for i in changed if i < window.start and i not in purged)
    yield from (i for i in window if i not in purged)
    yield from (i for i in changed if i >= window.stop and i not in purged)
    yield from (i for i in list(data.inserted) if i not in purged)
