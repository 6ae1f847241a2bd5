"""Parent-to-child sub-queries in REST SOQL: `SELECT Name, (SELECT LastName FROM Contacts) FROM
Account` nests `{"totalSize", "done", "records"}` (or null) under the relationship name."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from emulator.rest.values import render_records
from emulator.soql import Query

if TYPE_CHECKING:
    from emulator.core.org import Org


def _children(
    org: Org, child: Query, parents: set[str], include_deleted: bool
) -> dict[str, list[int]]:
    """Matching child rows per parent id, in the sub-query's order, LIMIT applied per parent."""
    assert child.parent_field is not None
    unlimited = dataclasses.replace(child, limit=None, offset=None)
    link = org.path_fn(child.sobject, child.parent_field)
    groups: dict[str, list[int]] = {}
    for index in org.matching_indices(unlimited, include_deleted):
        parent = link(index)
        if parent in parents:
            rows = groups.setdefault(parent, [])
            if child.limit is None or len(rows) < child.limit:
                rows.append(index)
    return groups


def attach_children(
    org: Org,
    query: Query,
    parent_indices: list[int],
    records: list[dict[str, Any]],
    *,
    version: str,
    include_deleted: bool,
) -> list[dict[str, Any]]:
    """Add each sub-query's result to the rendered parent records, keys in select order."""
    subs = [item for item in query.items if item.kind == "subquery" and item.sub is not None]
    if not subs:
        return records
    data = org.data(query.sobject)
    ids = [data.make_id(i) for i in parent_indices]
    for item in subs:
        child = item.sub
        assert child is not None
        groups = _children(org, child, set(ids), include_deleted)
        for record, parent_id in zip(records, ids, strict=True):
            rows = groups.get(parent_id)
            record[item.path] = (
                None
                if not rows
                else {
                    "totalSize": len(rows),
                    "done": True,
                    "records": render_records(
                        org, child.sobject, rows, list(child.fields), version
                    ),
                }
            )
    order = ["attributes"] + [item.path.split(".")[0] for item in query.items]
    return [
        {key: record[key] for key in dict.fromkeys(order) if key in record} for record in records
    ]
