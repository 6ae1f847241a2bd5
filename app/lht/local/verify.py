"""Local mode only: check a synced table against Salesforce through an independent path.

Salesforce side: plain ``requests`` against the REST API (token, describe, ``queryAll`` with
``nextRecordsUrl`` paging) — no LHT client code. Warehouse side: ``session.table(...)``.
Every column of every row is compared with its type: numbers as Decimals at the column's
scale, datetimes to the millisecond (UTC), dates, times, booleans, JSON values and NULLs.

Rows missing from Salesforce (hard-deleted) must be flagged ``ISDELETED = TRUE`` under the
soft delete policy and absent under the hard one; soft-deleted rows (``IsDeleted = true``)
are kept (soft) or absent (hard).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import requests

__all__ = ["FieldSpec", "RestReader", "compare_rows", "expected_value", "warehouse_rows"]

_TIMEOUT = 60.0
_NOT_LOADED = frozenset({"address", "location", "base64"})
_DECIMALS = frozenset({"double", "currency", "percent"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    scale: int
    precision: int


class RestReader:
    """Reads an org through raw REST calls (client-credentials token)."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, version: str = "v62.0"):
        form = {"grant_type": "client_credentials", "client_id": client_id,
                "client_secret": client_secret}  # fmt: skip
        reply = requests.post(f"{base_url}/services/oauth2/token", data=form, timeout=_TIMEOUT)
        reply.raise_for_status()
        body = reply.json()
        self.instance = body["instance_url"].rstrip("/")
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        self.base = f"{self.instance}/services/data/{version}"

    def fields(self, sobject: str) -> list[FieldSpec]:
        reply = requests.get(f"{self.base}/sobjects/{sobject}/describe", headers=self.headers,
                             timeout=_TIMEOUT)  # fmt: skip
        reply.raise_for_status()
        compound = {f["compoundFieldName"] for f in reply.json()["fields"]
                    if f.get("compoundFieldName") and f["compoundFieldName"] != "Name"}  # fmt: skip
        return [
            FieldSpec(f["name"], f["type"], int(f.get("scale") or 0), int(f.get("precision") or 0))
            for f in reply.json()["fields"]
            if f["type"] not in _NOT_LOADED and f["name"] not in compound
        ]

    def rows(self, sobject: str, names: list[str], where: str | None = None) -> dict[str, dict]:
        soql = f"SELECT {', '.join(names)} FROM {sobject}" + (f" WHERE {where}" if where else "")
        return {r["Id"]: r for r in self._query_all(soql)}

    def _query_all(self, soql: str) -> Iterator[dict[str, Any]]:
        url: str | None = f"{self.base}/queryAll"
        params: dict[str, str] | None = {"q": soql}
        while url:
            reply = requests.get(url, params=params, headers=self.headers, timeout=_TIMEOUT)
            reply.raise_for_status()
            body = reply.json()
            for record in body["records"]:
                record.pop("attributes", None)
                yield record
            next_url = body.get("nextRecordsUrl")
            url, params = (self.instance + next_url if next_url else None), None


def warehouse_rows(session: Any, schema: str, table: str) -> dict[str, dict[str, Any]]:
    """Target rows keyed by ID (column names upper case).

    The local stand-in transfers a NULL timestamp as 1970-01-01 (the stored value is NULL), so
    each timestamp column is read together with its ``IS NULL`` flag."""
    from snowflake.snowpark.types import TimestampType  # noqa: PLC0415 - local tools only

    frame = session.table(f'"{schema.upper()}"."{table.upper()}"')
    stamps = [
        f.name.strip('"') for f in frame.schema.fields if isinstance(f.datatype, TimestampType)
    ]
    flags = [frame[name].is_null().alias(name + "__ISNULL") for name in stamps]
    rows: dict[str, dict[str, Any]] = {}
    for row in frame.select(*frame.columns, *flags).collect():
        data = row.as_dict()
        for name in stamps:
            if data.pop(name + "__ISNULL"):
                data[name] = None
        rows[data["ID"]] = data
    return rows


def _decimal(spec: FieldSpec, value: Any) -> Any:
    if 0 < spec.precision <= 38:
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-spec.scale))
    return float(value)


_CONVERT: dict[str, Any] = {
    "int": lambda s, v: int(v),
    "long": lambda s, v: int(v),
    "double": _decimal,
    "currency": _decimal,
    "percent": _decimal,
    "boolean": lambda s, v: bool(v),
    "date": lambda s, v: date.fromisoformat(v),
    "datetime": lambda s, v: datetime.strptime(v[:23], "%Y-%m-%dT%H:%M:%S.%f"),
    "time": lambda s, v: time.fromisoformat(v.rstrip("Z")),
    "json": lambda s, v: json.loads(v) if isinstance(v, str) else v,
    "complexvalue": lambda s, v: json.loads(v) if isinstance(v, str) else v,
}


def expected_value(spec: FieldSpec, value: Any) -> Any:
    """The REST JSON value as the warehouse should hold it."""
    if value is None:
        return None
    convert = _CONVERT.get(spec.type)
    return convert(spec, value) if convert else value


def _actual_value(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.type in ("json", "complexvalue") and isinstance(value, str):
        return json.loads(value)
    if isinstance(value, datetime):
        return value.replace(microsecond=(value.microsecond // 1000) * 1000, tzinfo=None)
    if isinstance(value, Decimal) and spec.type in ("int", "long"):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and spec.type in _DECIMALS:
        return Decimal(value)  # NUMBER(p,0) columns come back as int
    return value


def compare_rows(
    specs: list[FieldSpec],
    sf_rows: Mapping[str, Mapping[str, Any]],
    wh_rows: Mapping[str, Mapping[str, Any]],
    delete_policy: str = "soft",
) -> list[str]:
    """Differences as readable lines (empty = equal)."""
    problems: list[str] = []
    for rid, record in sf_rows.items():
        if delete_policy == "hard" and record.get("IsDeleted"):
            if rid in wh_rows:
                problems.append(f"{rid}: soft-deleted in Salesforce but still in the table")
            continue
        row = wh_rows.get(rid)
        if row is None:
            problems.append(f"{rid}: missing from the table")
            continue
        problems.extend(_compare_record(specs, rid, record, row))
    for rid, row in wh_rows.items():
        if rid in sf_rows:
            continue
        if delete_policy == "hard":
            problems.append(f"{rid}: deleted in Salesforce but still in the table")
        elif row.get("ISDELETED") is not True:
            problems.append(f"{rid}: hard-deleted in Salesforce but not flagged ISDELETED")
    return problems


def _compare_record(
    specs: list[FieldSpec], rid: str, record: Mapping[str, Any], row: Mapping[str, Any]
) -> Iterator[str]:
    for spec in specs:
        want = expected_value(spec, record.get(spec.name))
        got = _actual_value(spec, row.get(spec.name.upper()))
        if want != got or type(want) is not type(got):
            yield f"{rid}.{spec.name} ({spec.type}): Salesforce {want!r} vs table {got!r}"
