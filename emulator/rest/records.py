"""REST single-record CRUD, upsert/get by external id and base64 blobs (updated/deleted:
`emulator/rest/replication.py`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator import errors
from emulator.core.options import register_option
from emulator.core.writes import RecordError
from emulator.http import Request, Response, json_response
from emulator.rest.values import json_value, record_url
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

BASE = r"/services/data/(?P<ver>v\d+\.\d+)/sobjects/(?P<sobject>\w+)"
ID = r"(?P<id>[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)"
register_option(
    "rest.deleted_record_error",
    "ENTITY_IS_DELETED",
    "errorCode (404) of GET on a record in the recycle bin: ENTITY_IS_DELETED 'entity is deleted' "
    "(as recorded for DELETE of a deleted record) or NOT_FOUND [docs silent].",
    ["ENTITY_IS_DELETED", "NOT_FOUND"],
)


def _body_object(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise errors.JSON_NOT_AN_OBJECT.error()
    return body


def render_full(
    org: Org, sobject: str, record_id: str, fields: list[str] | None, version: str
) -> dict[str, Any]:
    obj = org.object(sobject)
    try:
        values = org.get_record(obj.name, record_id, fields)
    except RecordError as exc:
        if exc.status_code == "ENTITY_IS_DELETED" and _deleted_is_not_found(org):
            raise errors.RESOURCE_NOT_FOUND.error() from None
        raise
    full_id = str(org.data(obj.name).make_id(org.data(obj.name).index_of(record_id) or 0))
    url = record_url(version, obj.name, full_id)
    out: dict[str, Any] = {"attributes": {"type": obj.name, "url": url}}
    for name, value in values.items():
        out[name] = json_value(obj.field(name), value, f"{url}/{name}")
    return out


def _deleted_is_not_found(org: Org) -> bool:
    return str(org.options["rest.deleted_record_error"]) == "NOT_FOUND"


def _fields_param(org: Org, sobject: str, req: Request) -> list[str] | None:
    raw = req.query.get("fields")
    if not raw:
        return None
    names = []
    obj = org.object(sobject)
    for name in raw.split(","):
        fdef = obj.field(name.strip())
        if fdef is None:
            raise errors.NO_SUCH_COLUMN.error(field=name.strip(), sobject=obj.name)
        names.append(fdef.name)
    return names


def create(org: Org, req: Request, match: re.Match[str]) -> Response:
    new_id = org.insert(org.object(match["sobject"]).name, _body_object(req))
    return json_response({"id": new_id, "success": True, "errors": []}, status=201)


def retrieve(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = org.object(match["sobject"]).name
    return json_response(
        render_full(org, sobject, match["id"], _fields_param(org, sobject, req), match["ver"])
    )


def update(org: Org, req: Request, match: re.Match[str]) -> Response:
    org.update(org.object(match["sobject"]).name, match["id"], _body_object(req))
    return Response(status=204)


def delete(org: Org, req: Request, match: re.Match[str]) -> Response:
    org.delete(org.object(match["sobject"]).name, match["id"])
    return Response(status=204)


def _external_field(org: Org, sobject: str, field: str) -> str:
    fdef = org.object(sobject).field(field)
    if fdef is None or not (fdef.external_id or fdef.id_lookup):
        raise errors.EXTERNAL_ID_FIELD_UNKNOWN.error(field=field)
    return fdef.name


def upsert(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = org.object(match["sobject"]).name
    field = _external_field(org, sobject, match["field"])
    body = _body_object(req)
    if any(k.lower() == field.lower() for k in body) and field != "Id":
        body = {k: v for k, v in body.items() if k.lower() != field.lower()}
    body[field] = match["value"]
    record_id, created = org.upsert(sobject, field, body)
    payload = {"id": record_id, "success": True, "errors": [], "created": created}
    return json_response(payload, status=201 if created else 200)


def by_external_id(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = org.object(match["sobject"]).name
    field = _external_field(org, sobject, match["field"])
    data = org.data(sobject)
    index = (
        org.unique_index(data, field).get(match["value"].casefold())
        if field != "Id"
        else data.index_of(match["value"])
    )
    if index is None or index in data.deleted:
        raise errors.RESOURCE_NOT_FOUND.error()
    return json_response(
        render_full(
            org, sobject, data.make_id(index), _fields_param(org, sobject, req), match["ver"]
        )
    )


def blob(org: Org, req: Request, match: re.Match[str]) -> Response:
    """GET .../sobjects/{T}/{id}/{base64Field}: the raw bytes behind a REST blob URL."""
    sobject = org.object(match["sobject"]).name
    fdef = org.object(sobject).field(match["blob"])
    if fdef is None or fdef.type != "base64":
        raise errors.RESOURCE_NOT_FOUND.error()
    try:
        value = org.get_record(sobject, match["id"], [fdef.name])[fdef.name]
    except RecordError:
        raise errors.RESOURCE_NOT_FOUND.error() from None
    if value is None:
        raise errors.RESOURCE_NOT_FOUND.error()
    return Response(status=200, headers={"Content-Type": "application/octet-stream"}, body=value)


def register(router: Router) -> None:
    router.add("POST", BASE, create)
    router.add("GET", BASE + "/" + ID, retrieve)
    router.add("PATCH", BASE + "/" + ID, update)
    router.add("DELETE", BASE + "/" + ID, delete)
    router.add("GET", BASE + "/" + ID + r"/(?P<blob>\w+)", blob)
    router.add("PATCH", BASE + r"/(?P<field>\w+)/(?P<value>[^/]+)", upsert)
    router.add("GET", BASE + r"/(?P<field>\w+)/(?P<value>[^/]+)", by_external_id)
