"""sObject Collections: create / update / upsert / delete / retrieve up to 200 records per call."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emulator import errors
from emulator.core.options import register_option
from emulator.core.writes import RecordError
from emulator.http import Request, Response, SalesforceHttpError, json_response
from emulator.rest.records import render_full
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option("collections.max_records", 200, "Records per sObject Collections request.")
register_option(
    "collections.failed_id",
    "absent",
    "Failed items: omit `id` or send `id: null` [UNCONFIRMED 8].",
    ["absent", "null"],
)

BASE = r"/services/data/(?P<ver>v\d+\.\d+)/composite/sobjects"
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}
Operation = Callable[[dict[str, Any]], tuple[str, bool | None]]


def _payload(org: Org, req: Request) -> tuple[list[dict[str, Any]], bool]:
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise errors.COLLECTION_BODY.error()
    records = body["records"]
    _check_size(org, len(records))
    return records, bool(body.get("allOrNone", False))


def _check_size(org: Org, count: int) -> None:
    limit = int(org.options["collections.max_records"])
    if count > limit:
        raise errors.COLLECTION_TOO_MANY.error(limit=limit)


def _failure(org: Org, error: RecordError | dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if org.options["collections.failed_id"] == "null":
        item["id"] = None
    item.update(
        success=False, errors=[error.to_json() if isinstance(error, RecordError) else error]
    )
    return item


def _run(org: Org, records: list[Any], all_or_none: bool, op: Operation) -> list[dict[str, Any]]:
    """Apply `op` to each record; with allOrNone, any failure rolls every write back."""
    with org.lock:
        snapshot = org.snapshot_data() if all_or_none else None
        results: list[dict[str, Any]] = []
        failed = False
        for record in records:
            try:
                record_id, created = op(record)
            except RecordError as exc:
                failed = True
                results.append(_failure(org, exc))
                continue
            item: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
            if created is not None:
                item["created"] = created
            results.append(item)
        if failed and snapshot is not None:
            org.restore_data(snapshot)
            results = [r if not r["success"] else _failure(org, dict(ROLLED_BACK)) for r in results]
        return results


def _type_of(record: Any) -> str:
    if not isinstance(record, dict):
        raise RecordError("JSON_PARSER_ERROR", "Each record must be a JSON object")
    sobject = (record.get("attributes") or {}).get("type")
    if not sobject:
        raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
    return str(sobject)


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "attributes"}


def create(org: Org, req: Request, match: re.Match[str]) -> Response:
    records, all_or_none = _payload(org, req)

    def op(record: dict[str, Any]) -> tuple[str, bool | None]:
        sobject = _type_of(record)
        if any(k.lower() == "id" for k in record):
            raise RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return _insert(org, sobject, _fields(record)), None

    return json_response(_run(org, records, all_or_none, op))


def _insert(org: Org, sobject: str, values: dict[str, Any]) -> str:
    if org.schema.get(sobject) is None:
        raise RecordError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
    return org.insert(sobject, values)


def update(org: Org, req: Request, match: re.Match[str]) -> Response:
    records, all_or_none = _payload(org, req)

    def op(record: dict[str, Any]) -> tuple[str, bool | None]:
        sobject = _type_of(record)
        values = _fields(record)
        record_id = next((str(v) for k, v in values.items() if k.lower() == "id"), None)
        if not record_id:
            raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        org.update(sobject, record_id, {k: v for k, v in values.items() if k.lower() != "id"})
        return org.data(sobject).make_id(org.data(sobject).index_of(record_id) or 0), None

    return json_response(_run(org, records, all_or_none, op))


def upsert(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = org.object(match["sobject"]).name
    field = match["field"]
    records, all_or_none = _payload(org, req)

    def op(record: dict[str, Any]) -> tuple[str, bool | None]:
        if _type_of(record).lower() != sobject.lower():
            raise RecordError("INVALID_TYPE", f"All records must be of type {sobject}")
        return org.upsert(sobject, field, _fields(record))

    return json_response(_run(org, records, all_or_none, op))


def delete(org: Org, req: Request, match: re.Match[str]) -> Response:
    ids = [i for i in req.query.get("ids", "").split(",") if i]
    _check_size(org, len(ids))
    all_or_none = req.query.get("allOrNone", "false").lower() == "true"

    def op(record_id: Any) -> tuple[str, bool | None]:
        obj = org.schema.by_prefix(str(record_id)[:3])
        if obj is None:
            raise RecordError("MALFORMED_ID", f"malformed id {record_id}", [])
        org.delete(obj.name, str(record_id))
        return org.data(obj.name).make_id(org.data(obj.name).index_of(str(record_id)) or 0), None

    return json_response(_run(org, ids, all_or_none, op))


def retrieve(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = org.object(match["sobject"]).name
    if req.method == "POST":
        body = req.json() or {}
        ids, fields = list(body.get("ids") or []), list(body.get("fields") or [])
    else:
        ids = [i for i in req.query.get("ids", "").split(",") if i]
        fields = [f for f in req.query.get("fields", "").split(",") if f]
    if not fields:
        raise errors.COLLECTION_FIELDS_MISSING.error()
    out: list[dict[str, Any] | None] = []
    for record_id in ids:
        try:
            out.append(
                render_full(
                    org,
                    sobject,
                    record_id,
                    [org.field_of(sobject, f).name for f in fields],
                    match["ver"],
                )
            )
        except (RecordError, SalesforceHttpError, KeyError):
            out.append(None)
    return json_response(out)


def register(router: Router) -> None:
    router.add("POST", BASE, create)
    router.add("PATCH", BASE, update)
    router.add("DELETE", BASE, delete)
    router.add("GET", BASE + r"/(?P<sobject>\w+)", retrieve)
    router.add("POST", BASE + r"/(?P<sobject>\w+)", retrieve)
    router.add("PATCH", BASE + r"/(?P<sobject>\w+)/(?P<field>\w+)", upsert)
