"""REST SOQL: query / queryAll with query-locator paging, batchSize, COUNT() and simple
aggregates."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator import errors
from emulator.core.ids import make_id
from emulator.core.options import register_option
from emulator.http import Request, Response, SalesforceHttpError, json_response
from emulator.rest.children import attach_children
from emulator.rest.values import json_value, render_records
from emulator.routing import Router
from emulator.soql import Query, parse

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option(
    "rest.default_batch_size", 2000, "REST query page size without Sforce-Query-Options."
)
register_option(
    "rest.min_batch_size", 200, "Smallest batchSize honoured (smaller requests are raised to it)."
)
register_option("rest.max_batch_size", 2000, "Largest batchSize honoured.")
register_option(
    "rest.locator_error_status", 400, "Status of INVALID_QUERY_LOCATOR [UNCONFIRMED 6].", [400, 404]
)
register_option("rest.max_offset", 2000, "Largest OFFSET accepted in REST SOQL.")
register_option(
    "rest.max_open_cursors", 1000, "Query locators kept; older ones answer INVALID_QUERY_LOCATOR."
)

BASE = r"/services/data/(?P<ver>v\d+\.\d+)"
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_lock = threading.Lock()
_seq = itertools.count(1)


@dataclass
class Cursor:
    """A REST query locator: the live iterator over matching rows plus where it stands."""

    query: Query
    include_deleted: bool
    batch: int
    total: int
    rows: Iterator[int]
    position: int


def _batch_size(org: Org, req: Request) -> int:
    size = int(org.options["rest.default_batch_size"])
    match = _BATCH_RE.search(req.headers.get("Sforce-Query-Options", ""))
    if match:
        size = int(match.group(1))
    return max(
        int(org.options["rest.min_batch_size"]), min(size, int(org.options["rest.max_batch_size"]))
    )


def _remember(org: Org, locator: str, cursor: Cursor) -> None:
    """Keep at most `rest.max_open_cursors` locators (the oldest are forgotten first)."""
    cursors = org.cursors
    cursors[locator] = cursor
    while len(cursors) > int(org.options["rest.max_open_cursors"]):
        cursors.pop(next(iter(cursors)), None)


def _page(org: Org, cursor: Cursor, version: str) -> dict[str, Any]:
    indices = list(itertools.islice(cursor.rows, cursor.batch))
    cursor.position += len(indices)
    paths = list(cursor.query.fields)
    records = render_records(org, cursor.query.sobject, indices, paths, version)
    records = attach_children(
        org, cursor.query, indices, records, version=version, include_deleted=cursor.include_deleted
    )
    done = len(indices) < cursor.batch or cursor.position >= cursor.total
    body: dict[str, Any] = {"totalSize": cursor.total, "done": done}
    if not done:
        with _lock:
            locator = make_id("01g", next(_seq))
        _remember(org, locator, cursor)
        body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{cursor.position}"
    body["records"] = records
    return body


def _check_supported(org: Org, query: Query) -> None:
    if query.has_typeof:
        raise errors.TYPEOF_UNSUPPORTED.error()
    if query.offset is not None and query.offset > int(org.options["rest.max_offset"]):
        raise errors.OFFSET_TOO_LARGE.error(limit=org.options["rest.max_offset"])


def query(org: Org, req: Request, match: re.Match[str]) -> Response:
    text = req.query.get("q", "")
    include_deleted = req.path.rstrip("/").endswith("queryAll")
    parsed = parse(text, org.schema)
    _check_supported(org, parsed)
    if parsed.is_count:
        return json_response(
            {"totalSize": org.count(parsed, include_deleted), "done": True, "records": []}
        )
    if parsed.has_aggregate:
        records = aggregate(org, parsed, include_deleted)
        return json_response({"totalSize": len(records), "done": True, "records": records})
    total = org.count(parsed, include_deleted)
    rows = iter(org.matching_indices(parsed, include_deleted))
    cursor = Cursor(parsed, include_deleted, _batch_size(org, req), total, rows, 0)
    return json_response(_page(org, cursor, match["ver"]))


def query_more(org: Org, req: Request, match: re.Match[str]) -> Response:
    locator, offset = match["locator"], int(match["offset"])
    cursor = org.cursors.pop(locator, None)
    if cursor is None:
        raise SalesforceHttpError(
            int(org.options["rest.locator_error_status"]),
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    if offset != cursor.position:
        rows = org.matching_indices(cursor.query, cursor.include_deleted)
        cursor = Cursor(
            cursor.query,
            cursor.include_deleted,
            cursor.batch,
            cursor.total,
            itertools.islice(iter(rows), offset, None),
            offset,
        )
    cursor.batch = _batch_size(org, req) if "Sforce-Query-Options" in req.headers else cursor.batch
    return json_response(_page(org, cursor, match["ver"]))


def _aggregate_value(func: str, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if func == "COUNT":
        return len(present)
    if func == "COUNT_DISTINCT":
        return len(set(present))
    if not present:
        return None
    if func == "SUM":
        return sum(present)
    if func == "AVG":
        return sum(present) / len(present)
    return min(present) if func == "MIN" else max(present)


def aggregate(org: Org, parsed: Query, include_deleted: bool) -> list[dict[str, Any]]:
    """AggregateResult rows (expr0, expr1 ... for unaliased aggregates), grouped by GROUP BY
    fields."""
    sobject = parsed.sobject
    group_fns = [org.path_fn(sobject, path) for path in parsed.group_by]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index in org.matching_indices(parsed, include_deleted):
        groups.setdefault(tuple(fn(index) for fn in group_fns), []).append(index)
    if not parsed.group_by and not groups:
        groups[()] = []
    records = []
    for key, indices in groups.items():
        record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        expr = 0
        for item in parsed.items:
            if item.kind == "field":
                pos = parsed.group_by.index(item.path) if item.path in parsed.group_by else None
                value = key[pos] if pos is not None else None
                record[item.path.split(".")[-1]] = json_value(
                    org.field_of(sobject, item.path), value
                )
                continue
            fn = org.path_fn(sobject, item.path or "Id")
            name = item.alias or f"expr{expr}"
            expr += 0 if item.alias else 1
            record[name] = _aggregate_value(item.func, [fn(i) for i in indices])
        records.append(record)
    return records


def register(router: Router) -> None:
    for resource in ("query", "queryAll"):
        router.add("GET", BASE + rf"/{resource}", query)
        router.add("GET", BASE + rf"/{resource}/(?P<locator>01g\w+)-(?P<offset>\d+)", query_more)
