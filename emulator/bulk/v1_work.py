"""Bulk API 1.0 batch work, run in a worker thread once a batch goes InProgress.

Query batches: the SOQL is checked like a Bulk 2.0 query (REST-style errors; Bulk-unsupported
constructs with the `FUNCTIONALITY_NOT_ENABLED` code Bulk 1.0 answers) and any failure becomes the
batch's `stateMessage` "InvalidBatch : Failed to process query: CODE: message"; rows are written
once to a result file in the job's content type (CSV as Bulk 2.0 renders it, "Records not found
for this query" when there are none; JSON records with `attributes` and datetimes/dates as epoch
milliseconds, as Bulk 1.0 JSON has them; XML `queryResult` records). PK-chunked batches query their
Id range. Ingest batches go through the same row conversion and org writes as Bulk 2.0 ingest; JSON
and XML records are read as header + cells (a nested parent object becomes `Rel.Field`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape

from emulator import soql
from emulator.bulk import query_work
from emulator.bulk.csvfmt import (
    NULL_MARKER,
    CsvDialect,
    IngestCsvError,
    RowRenderer,
    formatter_for,
    parse_ingest_csv,
    quote_cell,
)
from emulator.bulk.ingest_rows import Column, RowFailure, map_columns, row_values
from emulator.bulk.v1_format import NAMESPACE, XML_DECLARATION, xml_records
from emulator.bulk.v1_jobs import Batch, Job, new_id
from emulator.core.ids import make_id
from emulator.core.schema import ObjectDef, Schema
from emulator.http import SalesforceHttpError
from emulator.soql.syntax import And, Cmp, Condition

RESULT_DIR = "bulk-v1-results"
NO_RECORDS = "Records not found for this query"
BULK_V1_CODE = {query_work.UNSUPPORTED_CODE.name: "FUNCTIONALITY_NOT_ENABLED"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class QueryResult:
    id: str
    path: Path
    records: int


@dataclass(frozen=True)
class RowResult:
    id: str | None
    created: bool
    failure: RowFailure | None


def parse_query(org: Any, job: Job, text: str) -> Any:
    query = soql.parse(text, org.schema)
    obj = org.object(query.sobject)
    if obj.name != job.object:
        raise SalesforceHttpError(
            400, "INVALID_TYPE", f"The query object {obj.name} is not the job's object {job.object}"
        )
    query_work.check_bulk_supported(query, obj, BULK_V1_CODE)
    return query


def _with_id_range(query: Any, prefix: str, id_range: tuple[int, int | None]) -> Any:
    low, high = id_range
    bounds: list[Condition] = [Cmp("Id", ">=", make_id(prefix, low))]
    if high is not None:
        bounds.append(Cmp("Id", "<", make_id(prefix, high)))
    where = And((*bounds, query.where)) if query.where is not None else And(tuple(bounds))
    return replace(query, where=where)


def run_query_batch(org: Any, job: Job, batch: Batch) -> None:
    started = time.monotonic()
    try:
        query = parse_query(org, job, batch.request.decode("utf-8", errors="replace"))
        if batch.id_range is not None:
            query = _with_id_range(query, org.object(job.object).key_prefix, batch.id_range)
        result_id = new_id("752")
        directory = Path(org.work_dir) / RESULT_DIR
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{result_id}.{job.content_type.lower()}"
        records = _write_results(org, job, query, path)
        batch.results = [QueryResult(result_id, path, records)]
        batch.records_processed = records
    except SalesforceHttpError as exc:
        batch.error = (
            f"InvalidBatch : Failed to process query: {exc.error_code}: {exc.message.strip()}"
        )
    except OSError as exc:
        batch.error = f"InvalidBatch : Failed to write query result: {exc.strerror}"
    finally:
        batch.processing_ms = int((time.monotonic() - started) * 1000)
        batch.done.set()


def _write_results(org: Any, job: Job, query: Any, path: Path) -> int:
    include_deleted = job.operation == "queryAll"
    with path.open("w", encoding="utf-8", newline="") as out:
        if job.content_type == "CSV":
            return _write_csv(org, query, include_deleted, out)
        rows = org.run_query(query, include_deleted)
        shape = _RecordShape(org.schema, org.object(query.sobject), query.fields, job.api_version)
        if job.content_type == "JSON":
            return _write_json(shape, rows, out)
        return _write_xml(shape, rows, out)


def _write_csv(org: Any, query: Any, include_deleted: bool, out: Any) -> int:
    obj = org.object(query.sobject)
    types = query_work.column_types(org.schema, obj, query.fields)
    renderer = RowRenderer(types, CsvDialect())
    count = 0
    for block in org.csv_blocks(query, include_deleted, renderer.formats):
        lines = renderer.lines(block)
        if count == 0 and lines:
            out.write(renderer.header(list(query.fields)))
        count += len(lines)
        out.writelines(lines)
    if count == 0:
        out.write(NO_RECORDS)
    return count


class _RecordShape:
    """How one select list becomes nested JSON/XML records (parent paths as nested objects)."""

    def __init__(self, schema: Schema, obj: ObjectDef, fields: tuple[str, ...], version: float):
        self.obj, self.fields, self.version = obj, fields, version
        self.types = query_work.column_types(schema, obj, fields)
        self.parents: dict[str, str] = {}
        for path in fields:
            parts = path.split(".")
            current = obj
            for depth, part in enumerate(parts[:-1]):
                ref = current.relationship(part)
                target = schema.get(ref.reference_to[0]) if ref and ref.reference_to else None
                current = target or current
                self.parents[".".join(parts[: depth + 1])] = current.name

    def nest(self, row: tuple[Any, ...], convert: Any) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for path, sf_type, value in zip(self.fields, self.types, row, strict=True):
            node = record
            parts = path.split(".")
            for depth, part in enumerate(parts[:-1]):
                node = node.setdefault(part, {"__type": self.parents[".".join(parts[: depth + 1])]})
            node[parts[-1]] = None if value is None else convert(sf_type, value)
        return record


def _json_value(sf_type: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return int((value.astimezone(UTC) - _EPOCH).total_seconds() * 1000)
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()) * 1000
    if isinstance(value, dtime):
        return formatter_for("time")(value)
    return value


def _json_record(shape: _RecordShape, row: tuple[Any, ...]) -> dict[str, Any]:
    def finish(node: dict[str, Any], sobject: str) -> dict[str, Any] | None:
        attributes: dict[str, Any] = {"type": sobject}
        if node.get("Id"):
            attributes["url"] = f"/services/data/v{shape.version}/sobjects/{sobject}/{node['Id']}"
        out: dict[str, Any] = {"attributes": attributes}
        for key, value in node.items():
            if key == "__type":
                continue
            out[key] = finish(value, value["__type"]) if isinstance(value, dict) else value
        leaves = [v for k, v in out.items() if k != "attributes"]
        return None if node.get("__type") and all(v is None for v in leaves) else out

    top = shape.nest(row, _json_value)
    return finish(top, shape.obj.name) or {"attributes": {"type": shape.obj.name}}


def _write_json(shape: _RecordShape, rows: Iterable[tuple[Any, ...]], out: Any) -> int:
    count = 0
    out.write("[")
    for row in rows:
        out.write(("," if count else "") + json.dumps(_json_record(shape, row)))
        count += 1
    out.write("]")
    return count


def _xml_node(name: str | None, node: dict[str, Any], sobject: str) -> str:
    inner = f"<type>{sobject}</type>"
    for key, value in node.items():
        if key == "__type":
            continue
        if isinstance(value, dict):
            inner += _xml_node(key, value, value["__type"])
        elif value is None:
            inner += f'<{key} xsi:nil="true"/>'
        else:
            inner += f"<{key}>{escape(value)}</{key}>"
    tag = name or "records"
    return f'<{tag} xsi:type="sObject">{inner}</{tag}>'


def _write_xml(shape: _RecordShape, rows: Iterable[tuple[Any, ...]], out: Any) -> int:
    out.write(
        f'{XML_DECLARATION}<queryResult xmlns="{NAMESPACE}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    )
    count = 0
    for row in rows:
        record = shape.nest(row, lambda sf_type, value: formatter_for(sf_type)(value))
        out.write(_xml_node(None, record, shape.obj.name))
        count += 1
    out.write("</queryResult>")
    return count


# --- ingest ---------------------------------------------------------------------------------


def _cells(record: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """A JSON/XML record as (header, cell text) pairs, in the text form CSV uploads use."""
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            yield from _cells(value, f"{prefix}{key}.")
        elif value is None:
            yield prefix + key, NULL_MARKER
        elif isinstance(value, bool):
            yield prefix + key, "true" if value else "false"
        else:
            yield prefix + key, str(value)


def _records(job: Job, body: bytes) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(header, cells) per record of an ingest batch in the job's content type."""
    if job.content_type == "CSV":
        table = parse_ingest_csv(body, CsvDialect())
        return [(table.header, cells) for cells in table.rows]
    if job.content_type == "JSON":
        try:
            records = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IngestCsvError(f"InvalidBatch : Unable to parse JSON: {exc}") from None
    else:
        records = xml_records(body)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise IngestCsvError("InvalidBatch : The batch must be a list of records")
    pairs = [tuple(zip(*_cells(record), strict=True)) or ((), ()) for record in records]
    return [(tuple(p[0]), tuple(p[1])) for p in pairs]


def run_ingest_batch(org: Any, job: Job, batch: Batch, write_row: Any, max_records: int) -> None:
    started = time.monotonic()
    try:
        records = _records(job, batch.request)
        if len(records) > max_records:
            raise IngestCsvError(f"InvalidBatch : Records in a batch exceed {max_records}")
        obj = org.object(job.object)
        columns_of: dict[tuple[str, ...], tuple[Column, ...]] = {}
        for header, cells in records:
            if header not in columns_of:
                columns_of[header] = map_columns(org.schema, obj, header, job.operation)
            batch.results.append(_write(job, columns_of[header], cells, write_row))
            batch.records_processed += 1
            batch.records_failed += batch.results[-1].failure is not None
    except IngestCsvError as exc:
        batch.error = exc.message
    finally:
        batch.processing_ms = int((time.monotonic() - started) * 1000)
        batch.done.set()


def _write(
    job: Job, columns: tuple[Column, ...], cells: tuple[str, ...], write_row: Any
) -> RowResult:
    given_id = next(
        (c for col, c in zip(columns, cells, strict=False) if col.field.name == "Id"), None
    )
    try:
        row = row_values(columns, cells)
        new, created = write_row(cast(Any, job), row.values, row.lookups)
    except RowFailure as failure:
        return RowResult(given_id if job.operation != "insert" else None, False, failure)
    return RowResult(new, created, None)


def dml_csv(results: list[RowResult]) -> str:
    lines = ['"Id","Success","Created","Error"\n']
    for r in results:
        error = r.failure.sf_error() if r.failure else ""
        cells = [r.id or "", "false" if r.failure else "true", "true" if r.created else "false"]
        lines.append(",".join(quote_cell(c) for c in [*cells, error]) + "\n")
    return "".join(lines)


def _errors(failure: RowFailure | None) -> list[dict[str, Any]]:
    if failure is None:
        return []
    return [
        {"fields": list(failure.fields), "message": failure.message, "statusCode": failure.code}
    ]


def dml_json(results: list[RowResult]) -> list[dict[str, Any]]:
    return [
        {
            "success": r.failure is None,
            "created": r.created,
            "id": r.id,
            "errors": _errors(r.failure),
        }
        for r in results
    ]


def _xml_errors(failure: RowFailure | None) -> str:
    out = ""
    for error in _errors(failure):
        fields = "".join(f"<fields>{escape(name)}</fields>" for name in error["fields"])
        message = escape(error["message"])
        code = error["statusCode"]
        out += f"<errors>{fields}<message>{message}</message><statusCode>{code}</statusCode>"
        out += "</errors>"
    return out


def dml_xml(results: list[RowResult]) -> str:
    out = []
    for r in results:
        head = f"<id>{r.id}</id>" if r.id else ""
        success = "false" if r.failure else "true"
        created = "true" if r.created else "false"
        out.append(
            f"<result>{head}{_xml_errors(r.failure)}<success>{success}</success>"
            f"<created>{created}</created></result>"
        )
    return f"<results>{''.join(out)}</results>"
