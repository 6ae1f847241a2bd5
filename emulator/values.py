"""REST JSON rendering of field values and records (attributes, nested parent relationships)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.org import Org
    from emulator.schema import FieldDef


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
