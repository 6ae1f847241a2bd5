"""Record storage of one sObject: virtual rows derived from their index plus an overlay of changes.

Rows 0..count-1 exist virtually (values from datagen). Any row that was changed is materialised in
`overlay` (full value dict); inserted rows get indices from INSERT_BASE upwards; hard-deleted
(purged) rows are remembered in `purged`; soft-deleted rows live in the overlay with IsDeleted=true.
Every delete (soft or hard) is also written to `delete_log` (index -> deletedDate), which
GET .../deleted reads (`emulator/core/deletelog.py`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import numpy as np

from emulator.core.datagen import GenContext, RowFn, block_of, csv_of
from emulator.core.ids import make_id, parse_id
from emulator.core.schema import FieldDef, ObjectDef

INSERT_BASE = 900_000_000
ColumnFn = Callable[[np.ndarray, list[int]], list[Any]]
_ADDRESS_KEYS = (
    ("Street", "street"),
    ("City", "city"),
    ("State", "state"),
    ("PostalCode", "postalCode"),
    ("Country", "country"),
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
    ("GeocodeAccuracy", "geocodeAccuracy"),
)


class ObjectData:
    """Rows of one object. Not thread-safe by itself: the Org serialises writes with its lock."""

    def __init__(self, obj: ObjectDef, ctx: GenContext) -> None:
        self.obj = obj
        self.ctx = ctx
        self.count = ctx.count
        self.overlay: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        self.purged: set[int] = set()
        self.inserted: list[int] = []
        self.next_index = INSERT_BASE
        self.delete_log: dict[int, datetime] = {}
        self.formula_values: dict[str, dict[int, Any]] = {}  # field (lower) -> index -> value
        self.log_purged_before: datetime | None = None  # delete log emptied up to this moment
        self._virtual: dict[str, RowFn] = {}
        self._fns: dict[str, RowFn] = {}

    # -- identity ---
    def make_id(self, index: int) -> str:
        return make_id(self.obj.key_prefix, index)

    def index_of(self, record_id: str) -> int | None:
        """Row index of an existing (possibly soft-deleted) record, else None."""
        index = parse_id(self.obj.key_prefix, record_id)
        return index if index is not None and self.exists(index) else None

    def exists(self, index: int) -> bool:
        if index in self.purged:
            return False
        return index < self.count or index in self.overlay

    def indices(self) -> Iterator[int]:
        """All stored indices (virtual then inserted) in Id order, excluding purged rows."""
        purged = self.purged
        if purged:
            yield from (i for i in range(self.count) if i not in purged)
        else:
            yield from range(self.count)
        yield from (i for i in list(self.inserted) if i not in purged)

    def live_count(self, include_deleted: bool) -> int:
        purged = set(self.purged)  # snapshots: writers may change these sets concurrently
        purged_virtual = sum(1 for i in purged if i < self.count)
        total = (
            self.count - purged_virtual + len([i for i in list(self.inserted) if i not in purged])
        )
        return total if include_deleted else total - len(set(self.deleted) - purged)

    # -- values ---
    def _virtual_fn(self, fdef: FieldDef) -> RowFn:
        key = fdef.name.lower()
        fn = self._virtual.get(key)
        if fn is None:
            if fdef.generator is not None:
                fn = fdef.generator(self.ctx, fdef.name)
            else:
                default = fdef.default_value
                fn = lambda i: default  # noqa: E731
            self._virtual[key] = fn
        return fn

    def field_fn(self, name: str) -> RowFn:
        """index -> current value of field `name` (overlay first, then virtual/derived value)."""
        key = name.lower()
        fn = self._fns.get(key)
        if fn is None:
            fdef = self.obj.field(name)
            if fdef is None:
                raise KeyError(name)
            fn = self._build_fn(fdef)
            self._fns[key] = fn
        return fn

    def read_fn(self, name: str) -> RowFn:
        """Like `field_fn`, but skips the overlay lookup while no row of the object has changed
        (the function is chosen when a query starts: later changes are not seen by it)."""
        fdef = self.obj.field(name)
        if fdef is None:
            raise KeyError(name)
        plain = fdef.formula is None and fdef.type not in ("address", "location")
        if plain and not self.overlay:
            virtual, stored, count = self._virtual_fn(fdef), self.field_fn(name), self.count
            return lambda i: virtual(i) if i < count else stored(i)  # rows inserted meanwhile
        return self.field_fn(name)

    def block_fn(self, name: str) -> ColumnFn:
        """(uint64 index array, index list) -> values of `name` for those rows, vectorised for
        generated fields (changed rows are patched in from the overlay)."""
        return self._column_fn(name, None)

    def csv_fn(self, name: str, fmt: Callable[[Any], str] | None) -> ColumnFn:
        """Like `block_fn`, but the values rendered as Bulk CSV text by `fmt` (None for null;
        `fmt` None: the values are text already). Generated columns with a vectorised CSV form
        (datagen `.csv`) skip the Python values entirely."""
        return self._column_fn(name, fmt)

    def _column_fn(self, name: str, fmt: Callable[[Any], str] | None) -> ColumnFn:
        fdef = self.obj.field(name)
        if fdef is None:
            raise KeyError(name)

        def render(value: Any) -> Any:
            return value if value is None or fmt is None else fmt(value)

        if fdef.formula is not None or fdef.type in ("address", "location"):
            fn = self.field_fn(name)
            return lambda arr, idx: [render(fn(i)) for i in idx]
        virtual = self._virtual_fn(fdef)
        block = values = block_of(virtual)
        if fmt is not None:
            block = csv_of(virtual) or (
                lambda arr: [None if v is None else fmt(v) for v in values(arr)]
            )
        overlay, default, key = self.overlay, render(fdef.default_value), fdef.name

        def column(arr: np.ndarray, idx: list[int]) -> list[Any]:
            virtual_rows = arr < np.uint64(self.count)
            if virtual_rows.all():
                values = block(arr)
            else:  # inserted rows exist only in the overlay: generate the virtual ones alone
                generated = iter(block(arr[virtual_rows]))
                values = [next(generated) if v else default for v in virtual_rows.tolist()]
            if overlay:
                for pos, i in enumerate(idx):
                    rec = overlay.get(i)
                    if rec is not None:
                        values[pos] = render(rec.get(key, fdef.default_value))
            return values

        return column

    def _build_fn(self, fdef: FieldDef) -> RowFn:
        if fdef.formula is not None:
            formula = fdef.formula
            fixed = self.formula_values.setdefault(fdef.name.lower(), {})

            def calculated(i: int) -> Any:
                if fixed and i in fixed:
                    return fixed[i]
                return formula(lambda n: self.field_fn(n)(i))

            return calculated
        if fdef.type == "address":
            return self._address_fn(fdef)
        if fdef.type == "location":
            return self._location_fn(fdef)
        overlay, virtual, name = self.overlay, self._virtual_fn(fdef), fdef.name
        default = fdef.default_value

        def value(i: int) -> Any:
            rec = overlay.get(i)
            if rec is None:
                return virtual(i)
            return rec.get(name, default)

        return value

    def _address_fn(self, fdef: FieldDef) -> RowFn:
        prefix = fdef.name[: -len("Address")]
        fns = [
            (key, self.field_fn(prefix + suffix))
            for suffix, key in _ADDRESS_KEYS
            if self.obj.field(prefix + suffix)
        ]

        def value(i: int) -> dict[str, Any] | None:
            result = {key: fn(i) for key, fn in sorted(fns)}
            return result if any(v is not None for v in result.values()) else None

        return value

    def _location_fn(self, fdef: FieldDef) -> RowFn:
        base = fdef.name[:-3] if fdef.name.endswith("__c") else fdef.name
        lat = self.field_fn(f"{base}__Latitude__s")
        lon = self.field_fn(f"{base}__Longitude__s")

        def value(i: int) -> dict[str, Any] | None:
            la, lo = lat(i), lon(i)
            return None if la is None and lo is None else {"latitude": la, "longitude": lo}

        return value

    def materialize(self, index: int) -> dict[str, Any]:
        """The stored (non-derived) values of a row as a dict; virtual rows are computed."""
        rec = self.overlay.get(index)
        if rec is not None:
            return dict(rec)
        return {
            f.name: self._virtual_fn(f)(index)
            for f in self.obj.fields
            if f.formula is None and f.type not in ("address", "location")
        }

    def record(self, index: int, names: list[str] | None = None) -> dict[str, Any]:
        """Current values (derived fields included) of the given or all fields, in describe
        order."""
        wanted = names or [f.name for f in self.obj.fields]
        return {name: self.field_fn(name)(index) for name in wanted}

    # -- changes ---
    def put(self, index: int, values: dict[str, Any]) -> None:
        self.overlay[index] = values
        if index >= INSERT_BASE and (not self.inserted or self.inserted[-1] < index):
            self.inserted.append(index)
        elif index >= INSERT_BASE and index not in self.inserted:
            bisect.insort(self.inserted, index)

    def allocate_index(self) -> int:
        index = self.next_index
        self.next_index += 1
        return index

    def mark_deleted(self, index: int, deleted: bool) -> None:
        (self.deleted.add if deleted else self.deleted.discard)(index)

    def log_delete(self, index: int, when: datetime) -> None:
        self.delete_log.pop(index, None)  # re-deleted after an undelete: the newest date counts
        self.delete_log[index] = when

    def set_formula_value(self, name: str, index: int, value: Any) -> None:
        """Make formula field `name` read `value` on row `index` without touching the row (so
        SystemModstamp does not move), as when a formula's inputs change outside the record
        (a parent's field, TODAY(), a new formula definition)."""
        self.formula_values.setdefault(name.lower(), {})[index] = value

    def purge(self, index: int) -> None:
        self.purged.add(index)
        self.overlay.pop(index, None)
        self.deleted.discard(index)

    def invalidate(self) -> None:
        """Forget compiled getters (after a schema change)."""
        self._fns.clear()


def relationship_fn(
    resolve: Callable[[str, str], Callable[[str], Any]], data: ObjectData, path: str
) -> RowFn:
    """index -> value of a dotted path ("Owner.Name") starting at `data`'s object."""
    head, _, rest = path.partition(".")
    if not rest:
        return data.read_fn(head)
    ref = data.obj.relationship(head)
    if ref is None or not ref.reference_to:
        raise KeyError(path)
    ref_fn = data.field_fn(ref.name)
    target_fn = resolve(ref.reference_to[0], rest)
    return lambda i: None if (rid := ref_fn(i)) is None else target_fn(rid)
