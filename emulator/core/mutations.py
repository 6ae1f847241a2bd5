"""Bulk data changes for tests and demos: update / insert / soft delete / hard delete / purge /
undelete, and `formula`: new values of formula fields that leave the rows (and SystemModstamp)
untouched, as when a cross-object formula's parent changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.core.schema import FieldDef
from emulator.core.writes import coerce_value

if TYPE_CHECKING:
    from emulator.core.org import Org

ACTIONS = ("update", "insert", "delete", "hard_delete", "purge", "undelete", "formula")
_SYSTEM = {
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
}


def pick_ids(org: Org, sobject: str, count: int, deleted: bool = False) -> list[str]:
    """`count` live (or soft-deleted) record ids spread evenly over the object's rows,
    deterministic."""
    data = org.data(sobject)
    if deleted:
        pool = sorted(i for i in list(data.deleted) if i not in data.purged)
    else:
        pool = (
            [i for i in data.indices() if i not in data.deleted]
            if data.deleted
            else list(data.indices())
        )
    if count >= len(pool):
        return [data.make_id(i) for i in pool]
    step = len(pool) / max(count, 1)
    return [data.make_id(pool[int(k * step)]) for k in range(count)]


def generated_values(org: Org, sobject: str) -> dict[str, Any]:
    """Values a new record would get from the data generator (createable, non-system fields)."""
    data = org.data(sobject)
    index = data.next_index
    row = {
        f.name: f.generator(data.ctx, f.name)(index)
        for f in data.obj.fields
        if f.generator is not None and _fillable(f)
    }
    return {k: v for k, v in row.items() if v is not None}


def _fillable(fdef: FieldDef) -> bool:
    return (
        fdef.generator is not None
        and fdef.createable
        and fdef.name not in _SYSTEM
        and fdef.type != "reference"
    )


def mutate(
    org: Org,
    sobject: str,
    action: str,
    *,
    ids: list[str] | None = None,
    count: int | None = None,
    values: dict[str, Any] | None = None,
) -> list[str]:
    """Apply `action` to the given ids (or `count` picked rows); returns the affected ids."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {list(ACTIONS)}")
    name = org.object(sobject).name
    if action == "insert":
        return [
            org.insert(name, {**generated_values(org, name), **(values or {})})
            for _ in range(count or 1)
        ]
    targets = list(
        ids or pick_ids(org, name, count or 1, deleted=action in ("undelete", "purge") and not ids)
    )
    if action == "formula":
        set_formula_values(org, name, targets, values or {})
        return targets
    for record_id in targets:
        if action == "update":
            org.update(name, record_id, dict(values or {}))
        elif action == "delete":
            org.delete(name, record_id)
        elif action == "hard_delete":
            org.delete(name, record_id, hard=True)
        elif action == "purge":
            org.purge(name, record_id)
        else:
            org.undelete(name, record_id)
    return targets


def set_formula_values(org: Org, sobject: str, ids: list[str], values: dict[str, Any]) -> None:
    """Formula fields of `ids` read `values` from now on (coerced per field type); the rows
    themselves, and so SystemModstamp, stay as they are."""
    data = org.data(sobject)
    typed = {}
    for name, value in values.items():
        fdef = data.obj.field(name)
        if fdef is None or fdef.formula is None:
            raise ValueError(f"{sobject}.{name} is not a formula field")
        typed[fdef.name] = None if value is None else coerce_value(fdef, value, org.exists)
    if not typed:
        raise ValueError("action 'formula' needs values: {formula field: value}")
    with org.lock:
        indices = [org.require_index(data, record_id) for record_id in ids]
        for index in indices:
            for name, value in typed.items():
                data.set_formula_value(name, index, value)
