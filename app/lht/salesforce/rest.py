"""Salesforce REST API: describe, COUNT(), query/queryAll streaming, limits, sObject Collections.

sObject Collections write results come back per record as :class:`RecordResult` values
(data, not exceptions): a record Salesforce rejected is a result with ``success=False``.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from lht.errors import SalesforceError, SalesforceUnsupported
from lht.salesforce.describe import (
    SObjectDescribe,
    SObjectSummary,
    parse_describe,
    parse_describe_global,
)
from lht.salesforce.soql import (
    build_count,
    validate_field_path,
    validate_identifier,
    validate_record_id,
)
from lht.salesforce.transport import READ_TIMEOUT, Transport

__all__ = [
    "COLLECTION_LIMIT",
    "COUNT_TIMEOUT_CODES",
    "RecordError",
    "RecordResult",
    "RestApi",
    "flatten_record",
    "selected_paths",
]

log = logging.getLogger(__name__)

#: ``error_code`` of a failed :meth:`RestApi.count` that ran out of time rather than being wrong:
#: Salesforce's 400 ``QUERY_TIMEOUT`` ("Your query request was running for too long"), or no
#: answer within the client's read timeout. The caller may go on without the estimate.
COUNT_TIMEOUT_CODES = frozenset({"QUERY_TIMEOUT", READ_TIMEOUT})
#: Records per sObject Collections request (Salesforce's hard cap).
COLLECTION_LIMIT = 200
#: Encoded ``q=`` length kept below Salesforce's 16,384-byte URI + headers limit.
MAX_REST_SOQL_URL_CHARS = 15_000
_SELECT_LIST = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class RecordError:
    status_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordResult:
    """Outcome of one record in an sObject Collections call (request order kept)."""

    id: str | None
    success: bool
    created: bool | None
    errors: tuple[RecordError, ...]

    @property
    def error_text(self) -> str:
        return "; ".join(f"{e.status_code}: {e.message}" for e in self.errors)


def flatten_record(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Drop ``attributes``; turn parent relationships into dotted keys (``Owner.Name``).

    Values that are not relationship objects (addresses, child query results) are kept.
    """
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, Mapping) and "attributes" in value:
            flat.update(flatten_record(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def selected_paths(soql: str) -> tuple[str, ...]:
    """Dotted field paths in a simple SELECT list (empty when it cannot tell)."""
    match = _SELECT_LIST.match(soql)
    if not match or "(" in match.group("fields"):
        return ()
    return tuple(p.strip() for p in match.group("fields").split(",") if "." in p)


def _fill_null_parents(record: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """A null lookup comes back as ``"Owner": null``: expand it to ``Owner.Name = None``."""
    for path in paths:
        if path in record:
            continue
        head = path.split(".", 1)[0]
        nulls = [k for k in record if k.lower() == head.lower() and record[k] is None]
        for key in nulls:
            del record[key]
        record[path] = None
    return record


def _parse_results(body: Any, context: str) -> list[RecordResult]:
    if not isinstance(body, list):
        raise SalesforceError(f"{context}: unexpected sObject Collections response")
    results = []
    for item in body:
        errors = tuple(
            RecordError(
                str(e.get("statusCode") or e.get("errorCode") or "UNKNOWN"),
                str(e.get("message") or ""),
                tuple(str(f) for f in e.get("fields") or ()),
            )
            for e in item.get("errors") or ()
        )
        created = item.get("created")
        results.append(
            RecordResult(
                item.get("id"),
                bool(item.get("success")),
                None if created is None else bool(created),
                errors,
            )
        )
    return results


class RestApi:
    """REST resources under ``/services/data/{version}``."""

    def __init__(self, transport: Transport, api_version: str) -> None:
        self._transport = transport
        self.base = f"/services/data/{api_version}"

    def describe(self, sobject: str) -> SObjectDescribe:
        name = validate_identifier(sobject, "sObject")
        response = self._transport.send(
            "GET", f"{self.base}/sobjects/{name}/describe", context=f"describe {name}"
        )
        return parse_describe(response.json())

    def describe_global(self) -> tuple[SObjectSummary, ...]:
        response = self._transport.send("GET", f"{self.base}/sobjects/", context="describeGlobal")
        return parse_describe_global(response.json())

    def count(self, sobject: str, where: str | None = None, include_deleted: bool = True) -> int:
        """``SELECT COUNT() FROM X [WHERE ...]`` → totalSize (queryAll counts deleted rows).
        A timeout raises a SalesforceError whose ``error_code`` is in COUNT_TIMEOUT_CODES."""
        soql = build_count(sobject, where)
        resource = "queryAll" if include_deleted else "query"
        response = self._transport.send(
            "GET", f"{self.base}/{resource}", params={"q": soql}, context=f"count [{soql}]"
        )
        return int(response.json()["totalSize"])

    def query_records(
        self, soql: str, include_deleted: bool = True, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Stream flattened records page by page, following ``nextRecordsUrl``."""
        resource = "queryAll" if include_deleted else "query"
        if len(quote_plus(soql)) > MAX_REST_SOQL_URL_CHARS:
            raise SalesforceUnsupported(
                f"{resource}: SOQL of {len(soql)} characters exceeds the REST URI limit "
                "(16,384 bytes); select fewer fields or use a Bulk query"
            )
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else None
        paths = selected_paths(soql)
        url: str | None = f"{self.base}/{resource}"
        params: dict[str, str] | None = {"q": soql}
        pages = 0
        while url is not None:
            body = self._transport.send(
                "GET", url, params=params, headers=headers, context=f"{resource} [{soql}]"
            ).json()
            pages += 1
            for record in body.get("records") or ():
                yield _fill_null_parents(flatten_record(record), paths)
            url = None if body.get("done", True) else body.get("nextRecordsUrl")
            params = None
        log.debug("%s returned %d page(s)", resource, pages)

    def limits(self) -> dict[str, Any]:
        body = self._transport.send("GET", f"{self.base}/limits/", context="limits").json()
        if not isinstance(body, dict):
            raise SalesforceError("limits: unexpected response shape")
        return body

    def create(
        self, sobject: str, records: Iterable[Mapping[str, Any]], all_or_none: bool = False
    ) -> list[RecordResult]:
        """Insert records (no ``Id``) via ``POST composite/sobjects``, 200 per call."""
        name = validate_identifier(sobject, "sObject")
        return self._collection("POST", f"{self.base}/composite/sobjects", name, records,
                                all_or_none=all_or_none)  # fmt: skip

    def update(
        self, sobject: str, records: Iterable[Mapping[str, Any]], all_or_none: bool = False
    ) -> list[RecordResult]:
        """Update records (each with ``Id``) via ``PATCH composite/sobjects``."""
        name = validate_identifier(sobject, "sObject")
        return self._collection("PATCH", f"{self.base}/composite/sobjects", name, records,
                                all_or_none=all_or_none)  # fmt: skip

    def upsert(
        self,
        sobject: str,
        external_id_field: str,
        records: Iterable[Mapping[str, Any]],
        all_or_none: bool = False,
    ) -> list[RecordResult]:
        """Upsert on ``external_id_field`` via ``PATCH composite/sobjects/{T}/{field}``."""
        name = validate_identifier(sobject, "sObject")
        key = validate_field_path(external_id_field)
        url = f"{self.base}/composite/sobjects/{name}/{key}"
        return self._collection("PATCH", url, name, records, all_or_none=all_or_none)

    def delete(self, ids: Iterable[str], all_or_none: bool = False) -> list[RecordResult]:
        """Delete by Id via ``DELETE composite/sobjects?ids=...``, 200 per call."""
        results: list[RecordResult] = []
        for chunk in _chunks(ids, COLLECTION_LIMIT):
            for record_id in chunk:
                validate_record_id(record_id)
            response = self._transport.send(
                "DELETE", f"{self.base}/composite/sobjects",
                params={"ids": ",".join(chunk), "allOrNone": str(all_or_none).lower()},
                context=f"delete {len(chunk)} record(s)",
            )  # fmt: skip
            results.extend(_parse_results(response.json(), "delete"))
        return results

    def _collection(
        self,
        method: str,
        url: str,
        sobject: str,
        records: Iterable[Mapping[str, Any]],
        *,
        all_or_none: bool,
    ) -> list[RecordResult]:
        results: list[RecordResult] = []
        for chunk in _chunks(records, COLLECTION_LIMIT):
            body = [{"attributes": {"type": sobject}, **record} for record in chunk]
            context = f"{method} composite/sobjects {sobject} ({len(chunk)} record(s))"
            response = self._transport.send(
                method, url, json={"allOrNone": all_or_none, "records": body}, context=context,
                idempotent=method != "POST",
            )  # fmt: skip
            answers = _parse_results(response.json(), context)
            if len(answers) != len(chunk):
                raise SalesforceError(
                    f"{context}: {len(answers)} result(s) returned for {len(chunk)} record(s)"
                )
            results.extend(answers)
        return results


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
