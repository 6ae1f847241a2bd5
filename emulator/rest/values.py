"""REST JSON rendering of field values and records (attributes, nested parent relationships)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from emulator.core.org import Org
    from emulator.core.schema import FieldDef


def format_datetime(value: datetime) -> str:
    """REST datetime: 2020-10-22T21:03:23.000+0000 (UTC, milliseconds, offset without colon)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def format_time(value: time) -> str:
    return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def json_value(fdef: FieldDef | None, value: Any, blob_url: str | None = None) -> Any:  # noqa: PLR0911 (one return per type)
    """JSON-ready value of one field as Salesforce's REST API renders it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, bytes):
        return blob_url
    if (
        fdef is not None
        and fdef.type in ("double", "currency", "percent")
        and isinstance(value, int)
    ):
        return float(value)
    return value


def record_url(version: str, sobject: str, record_id: str) -> str:
    return f"/services/data/{version}/sobjects/{sobject}/{record_id}"


def _group(paths: list[str]) -> list[tuple[str, list[str]]]:
    """[("Name", []), ("Owner", ["Name", "Email"])] preserving first-appearance order."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        groups.setdefault(head, [])
        if rest:
            groups[head].append(rest)
    return list(groups.items())


def render_record(
    org: Org, sobject: str, index: int, paths: list[str], version: str
) -> dict[str, Any]:
    """One REST record: attributes first, then fields in select order, parents nested."""
    data = org.data(sobject)
    obj = data.obj
    record_id = data.make_id(index)
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": record_url(version, obj.name, record_id)}
    }
    for head, rest in _group(paths):
        if not rest:
            fdef = obj.field(head)
            blob = f"{record_url(version, obj.name, record_id)}/{head}"
            out[head] = json_value(fdef, data.field_fn(head)(index), blob)
            continue
        ref = obj.relationship(head)
        assert ref is not None and ref.relationship_name is not None
        parent_id = data.field_fn(ref.name)(index)
        target = org.data(ref.reference_to[0])
        parent_index = target.index_of(parent_id) if parent_id else None
        out[ref.relationship_name] = (
            None
            if parent_index is None
            else render_record(org, target.obj.name, parent_index, rest, version)
        )
    return out


def _column_formatter(fdef: FieldDef) -> Callable[[Any], Any] | None:
    """Per-type JSON conversion for a whole column; None when values are JSON-ready as they are."""
    if fdef.type == "datetime":
        return lambda v: None if v is None else format_datetime(v)
    if fdef.type == "date":
        return lambda v: None if v is None else v.isoformat()
    if fdef.type in ("double", "currency", "percent"):
        return lambda v: None if v is None else float(v)
    if fdef.type in ("time", "base64") or fdef.is_compound:
        return lambda v: json_value(fdef, v)
    return None


def render_records(
    org: Org, sobject: str, indices: list[int], paths: list[str], version: str
) -> list[dict[str, Any]]:
    """Many records at once: plain fields column by column (vectorised), parents per record."""
    data = org.data(sobject)
    obj = data.obj
    array = np.fromiter(indices, dtype=np.uint64, count=len(indices))
    ids = [data.make_id(i) for i in indices]
    prefix = f"/services/data/{version}/sobjects/{obj.name}/"
    columns: list[tuple[str, list[Any]]] = []
    for head, rest in _group(paths):
        fdef = obj.field(head)
        if rest or fdef is None:
            rendered = [
                render_record(org, sobject, i, [f"{head}.{r}" for r in rest], version)
                for i in indices
            ]
            key = next((k for k in rendered[0] if k != "attributes"), head) if rendered else head
            columns.append((key, [r.get(key) for r in rendered]))
            continue
        values = data.block_fn(fdef.name)(array, indices)
        if fdef.type == "base64":
            values = [
                None if v is None else f"{prefix}{rid}/{head}"
                for v, rid in zip(values, ids, strict=True)
            ]
        else:
            convert = _column_formatter(fdef)
            values = values if convert is None else [convert(v) for v in values]
        columns.append((head, values))
    keys = [key for key, _ in columns]
    rows = (
        zip(*[values for _, values in columns], strict=True) if columns else ([] for _ in indices)
    )
    return [
        {"attributes": {"type": obj.name, "url": prefix + rid}, **dict(zip(keys, row, strict=True))}
        for rid, row in zip(ids, rows, strict=True)
    ]
