"""Bulk API 1.0 wire formats: XML and JSON views of jobs, batches, result lists and errors, and the
request bodies (job create/close, XML `sObjects` batches).

Shapes from the Bulk API Developer Guide ("JobInfo", "BatchInfo", "Errors") and recorded
responses: XML elements in the documented order under the `asyncapi/dataload` namespace with
`...000Z` timestamps (zendesk/salesforce_bulk fixture `batch_info_response.xml`); JSON with the
keys in alphabetical order, `+0000` timestamps and `apiVersion` as a number (responses quoted in
bobbywhitesfdc/BulkMaster). A batch that PK chunking replaced is `NotProcessed` in JSON and
`Not Processed` in XML, as each client checks for it (simple-salesforce, tap-salesforce).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from emulator.http import Response

NAMESPACE = "http://www.force.com/2009/06/asyncapi/dataload"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
XML_TYPE = "application/xml"
JSON_TYPE = "application/json"
CONTENT_TYPES = {"CSV": "text/csv", "JSON": JSON_TYPE, "XML": XML_TYPE}
NOT_PROCESSED = "NotProcessed"


class AsyncApiError(Exception):
    """A Bulk 1.0 error: `{exceptionCode, exceptionMessage}` (status 400 unless said)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def xml_timestamp(moment: datetime) -> str:
    """Whole seconds, as every recorded Bulk 1.0 timestamp is: `2012-05-31T01:22:47.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def json_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return xml_timestamp(value)
    return escape(str(value))


def _json_value(value: Any) -> Any:
    return json_timestamp(value) if isinstance(value, datetime) else value


def xml_element(name: str, fields: Iterable[tuple[str, Any]]) -> str:
    """`<name>` with one child per (key, value); None values are left out."""
    inner = "".join(
        f"<{key}>{_xml_value(value)}</{key}>" for key, value in fields if value is not None
    )
    return f"<{name}>{inner}</{name}>"


def _xml_document(body: str) -> bytes:
    """`body` is a root element without a namespace: the namespace is added to its start tag."""
    head, _, rest = body.partition(">")
    return f'{XML_DECLARATION}{head} xmlns="{NAMESPACE}">{rest}'.encode()


def xml_response(body: str, status: int = 200) -> Response:
    headers = {"Content-Type": f"{XML_TYPE};charset=UTF-8"}
    return Response(status=status, headers=headers, body=_xml_document(body))


def json_body(value: Any, status: int = 200) -> Response:
    headers = {"Content-Type": f"{JSON_TYPE};charset=UTF-8"}
    return Response(status=status, headers=headers, body=json.dumps(value).encode())


def view(name: str, fields: list[tuple[str, Any]], as_json: bool, status: int = 200) -> Response:
    """One jobInfo/batchInfo: documented element order in XML, sorted keys in JSON."""
    if as_json:
        body = {key: _json_value(value) for key, value in sorted(fields) if value is not None}
        return json_body(body, status)
    return xml_response(xml_element(name, fields), status)


def batch_state_text(state: str, as_json: bool) -> str:
    return "Not Processed" if state == NOT_PROCESSED and not as_json else state


def batch_list(infos: list[list[tuple[str, Any]]], as_json: bool) -> Response:
    if as_json:
        entries = [
            {key: _json_value(value) for key, value in sorted(f) if value is not None}
            for f in infos
        ]
        return json_body({"batchInfo": entries})
    inner = "".join(xml_element("batchInfo", fields) for fields in infos)
    return xml_response(f"<batchInfoList>{inner}</batchInfoList>")


def result_list(result_ids: list[str], as_json: bool) -> Response:
    if as_json:
        return json_body(result_ids)
    inner = "".join(f"<result>{rid}</result>" for rid in result_ids)
    return xml_response(f"<result-list>{inner}</result-list>")


def error(exc: AsyncApiError, as_json: bool) -> Response:
    if as_json:
        body = {"exceptionCode": exc.code, "exceptionMessage": exc.message}
        return json_body(body, exc.status)
    fields = [("exceptionCode", exc.code), ("exceptionMessage", exc.message)]
    return xml_response(xml_element("error", fields), exc.status)


def _parse_xml(body: bytes) -> ElementTree.Element:
    upper = body.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise AsyncApiError("InvalidXML", "DOCTYPE is not allowed")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise AsyncApiError("InvalidXML", f"Unable to parse XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def request_fields(body: bytes, as_json: bool) -> dict[str, Any]:
    """The fields of a jobInfo request body (create, close, abort) in either format."""
    if as_json:
        try:
            value = json.loads(body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AsyncApiError("InvalidJob", f"Unable to parse JSON: {exc}") from None
        if not isinstance(value, dict):
            raise AsyncApiError("InvalidJob", "The job request must be a JSON object")
        return value
    root = _parse_xml(body)
    if _local(root.tag) != "jobInfo":
        raise AsyncApiError(
            "InvalidJob", f"Unexpected element {_local(root.tag)}: jobInfo expected"
        )
    return {_local(child.tag): (child.text or "").strip() for child in root}


def xml_records(body: bytes) -> list[dict[str, Any]]:
    """`<sObjects><sObject><Field>v</Field>...` → one dict per record (`xsi:nil` → None);
    nested elements (parent by external id) become dicts."""
    root = _parse_xml(body)
    return [_xml_record(element) for element in root if _local(element.tag) == "sObject"]


def _xml_record(element: ElementTree.Element) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for child in element:
        name = _local(child.tag)
        nil = any(_local(k) == "nil" and v == "true" for k, v in child.attrib.items())
        if nil:
            record[name] = None
        elif len(child):
            record[name] = _xml_record(child)
        else:
            record[name] = child.text or ""
    return record
