"""Bulk API 2.0 ingest-job endpoints (spec §4, §8.1).

Create (JSON, or multipart with the data: starts ``UploadComplete``), ``PUT .../batches`` (201),
``PATCH`` to ``UploadComplete``/``Aborted``, info, list, delete, and the three result CSVs. A job
is processed on the first poll after the timing knobs are spent (``bulk_jobs``), in a worker
thread that writes each row through the org's write API (``bulk_ingest_work``).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from datetime import datetime
from typing import Any

from emulator.bulk import ingest_work as work
from emulator.bulk import jobs, model
from emulator.bulk.csvfmt import DELIMITERS, LINE_ENDINGS, CsvDialect
from emulator.bulk.ingest_rows import Column, RowFailure
from emulator.bulk.query import LIST_PAGE_SIZE
from emulator.bulk.query_work import RENDER_WAIT
from emulator.core.options import register_option
from emulator.core.writes import RecordError
from emulator.http import Request, Response, SalesforceHttpError, empty_response, json_response

MAX_UPLOAD_MB = register_option(
    "bulk.ingest_max_upload_mb",
    150,
    "Bulk ingest: largest accepted upload per job in MB after base64 encoding (Salesforce: 150).",
)
MAX_MULTIPART_CHARS = 100_000
OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
_VERSION = jobs.VERSION_ROUTE
_JOB = jobs.job_route("ingest")


def _job(org: Any, match: re.Match[str]) -> jobs.BulkJob:
    return jobs.matched_job(org, match, jobs.INGEST)


def _invalid_job(message: str) -> SalesforceHttpError:
    return SalesforceHttpError(400, "INVALIDJOB", message)


def _choice(body: dict[str, Any], key: str, allowed: dict[str, str], default: str) -> str:
    value = body.get(key) or default
    if value not in allowed:
        raise _invalid_job(f"InvalidJob : Invalid value for {key}: {value}")
    return str(value)


def _new_job(org: Any, body: Any, version: str) -> jobs.BulkJob:
    """Validate a create body (spec §4.1) and build the job (state Open)."""
    body = jobs.require_object(body)
    operation = body.get("operation")
    if operation not in OPERATIONS:
        raise _invalid_job(f"InvalidJob : Invalid operation: {operation}")
    obj = org.schema.get(str(body.get("object") or ""))
    if obj is None:
        raise _invalid_job(f"InvalidJob : Unable to find object: {body.get('object')}")
    if body.get("contentType", "CSV") not in ("CSV", None):
        raise _invalid_job("InvalidJob : Invalid contentType: only CSV is supported")
    job = jobs.new_job(org, jobs.INGEST, str(operation), obj.name, version)
    job.state = jobs.OPEN
    job.column_delimiter = _choice(body, "columnDelimiter", DELIMITERS, "COMMA")
    job.line_ending = _choice(body, "lineEnding", LINE_ENDINGS, "LF")
    job.assignment_rule_id = body.get("assignmentRuleId")
    if operation == "upsert":
        ext = obj.field(str(body.get("externalIdFieldName") or ""))
        if ext is None or not (ext.external_id or ext.id_lookup):
            raise _invalid_job(
                "InvalidJob : External ID was blank or not an External ID field for "
                f"{obj.name}: {body.get('externalIdFieldName')}"
            )
        job.external_id_field = ext.name
    job.payload = work.IngestWork(CsvDialect(job.column_delimiter, job.line_ending))
    return job


def _content_url(job: jobs.BulkJob) -> str:
    return f"services/data/{job.api_version}/jobs/ingest/{job.id}/batches"


def create_view(job: jobs.BulkJob) -> dict[str, Any]:
    body = job.common()
    if job.state == jobs.OPEN:
        body["contentUrl"] = _content_url(job)
    return {**body, **job.format_keys()}


def info_view(job: jobs.BulkJob) -> dict[str, Any]:
    """``GET /jobs/ingest/{id}``, key order of the recorded amp-labs responses."""
    body = job.common()
    if job.state == jobs.OPEN:
        body["contentUrl"] = _content_url(job)
    body["jobType"] = job.job_type
    body.update(job.format_keys())
    body["numberRecordsProcessed"] = job.records_processed
    body["numberRecordsFailed"] = job.records_failed
    body["retries"] = 0
    body["totalProcessingTime"] = job.processing_ms if job.terminal else 0
    body["apiActiveProcessingTime"] = job.processing_ms if job.terminal else 0
    body["apexProcessingTime"] = 0
    if job.state == jobs.FAILED and job.error_message:
        body["errorMessage"] = job.error_message
    return body


def _multipart(req: Request) -> tuple[Any, bytes]:
    """(job JSON, CSV bytes) of a multipart create (spec §4.1, data ≤ 100,000 characters)."""
    head = f"Content-Type: {req.headers.get('Content-Type')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + req.body)
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = payload if isinstance(payload, bytes) else b""
    if "job" not in parts or "content" not in parts:
        raise _invalid_job(
            "InvalidJob : A multipart request needs a 'job' part and a 'content' part"
        )
    if len(parts["content"].decode("utf-8", errors="replace")) > MAX_MULTIPART_CHARS:
        raise SalesforceHttpError(
            400, "LIMIT_EXCEEDED", f"Multipart job data exceeds {MAX_MULTIPART_CHARS} characters"
        )
    try:
        return json.loads(parts["job"]), parts["content"]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SalesforceHttpError(400, "JSON_PARSER_ERROR", f"Invalid job part: {exc}") from None


def create(org: Any, req: Request, match: re.Match[str]) -> Response:
    content_type = req.headers.get("Content-Type", "").lower()
    data: bytes | None = None
    if content_type.startswith("multipart/"):
        body, data = _multipart(req)
    else:
        body = req.json()
    job = _new_job(org, body, match.group("version"))
    if data is not None:
        _check_upload_size(org, data)
        job.payload.upload = data
        job.state = jobs.UPLOAD_COMPLETE
    jobs.store(org).add(job)
    return json_response(create_view(job))


def _check_upload_size(org: Any, data: bytes) -> None:
    limit = int(org.options.get(MAX_UPLOAD_MB.name)) * 1024 * 1024
    if 4 * ((len(data) + 2) // 3) > limit:
        raise SalesforceHttpError(
            400,
            "LIMIT_EXCEEDED",
            f"Job data exceeds the maximum upload size of {limit // (1024 * 1024)} MB "
            "(base64-encoded)",
        )


def upload(org: Any, req: Request, match: re.Match[str]) -> Response:
    """``PUT .../batches``: the job's CSV, once, while Open; 201 with an empty body."""
    job = _job(org, match)
    with job.lock:
        if job.state != jobs.OPEN or job.payload.upload is not None:
            raise SalesforceHttpError(
                400,
                "INVALIDJOBSTATE",
                f"Data can only be uploaded once to a job in state Open; job state is {job.state}",
            )
        _check_upload_size(org, req.body)
        job.payload.upload = req.body
    return empty_response(201)


def change_state(org: Any, req: Request, match: re.Match[str]) -> Response:
    """``PATCH`` to ``UploadComplete`` (close) or ``Aborted``."""
    job = _job(org, match)
    state = jobs.require_state_change(req.json())
    if state == jobs.ABORTED:
        jobs.abort(job, org.clock.now())
        job.payload.cancelled.set()
    elif state == jobs.UPLOAD_COMPLETE:
        with job.lock:
            if job.state != jobs.OPEN:
                raise SalesforceHttpError(
                    400, "INVALIDJOBSTATE", f"Closing a job in state {job.state} is not allowed"
                )
            job.state = jobs.UPLOAD_COMPLETE
            job.touch(org.clock.now())
    else:
        raise SalesforceHttpError(400, "INVALIDJOBSTATE", f"Invalid state change to {state}")
    return json_response(job.common())


def write_row_fn(org: Any) -> work.WriteRow:
    def write_row(
        job: jobs.BulkJob, values: dict[str, Any], lookups: tuple[tuple[Column, str], ...]
    ) -> tuple[str, bool]:
        try:
            values.update(_resolve_lookups(org, lookups))
            return _apply(org, job, values)
        except RecordError as exc:
            raise RowFailure(exc.status_code, exc.message, tuple(exc.fields or ())) from None

    return write_row


def _resolve_lookups(org: Any, lookups: tuple[tuple[Column, str], ...]) -> dict[str, str]:
    """Parent Ids for relationship columns (``Account.Ext__c``), by the parent's unique field."""
    resolved: dict[str, str] = {}
    for column, text in lookups:
        target, target_field = column.target_object, column.target_field
        assert target is not None and target_field is not None
        if target_field.type == "id":
            resolved[column.field.name] = text
            continue
        data = org.data(target.name)
        index = org.unique_index(data, target_field.name).get(text.casefold())
        if index is None or index in data.deleted:
            raise RowFailure(
                "INVALID_FIELD",
                f"Foreign key external ID: {text} not found for field {target_field.name} in "
                f"entity {target.name}",
                (column.field.name,),
            )
        resolved[column.field.name] = data.make_id(index)
    return resolved


def _apply(org: Any, job: jobs.BulkJob, values: dict[str, Any]) -> tuple[str, bool]:
    if job.operation == "insert":
        return org.insert(job.object, values), True
    if job.operation == "upsert":
        result: tuple[str, bool] = org.upsert(job.object, job.external_id_field, values)
        return result
    record_id = str(values.pop("Id", "") or "")
    if not record_id:
        raise RowFailure("MISSING_ARGUMENT", "Id not specified in an update call", ("Id",))
    if job.operation == "update":
        org.update(job.object, record_id, values)
    else:
        org.delete(job.object, record_id, hard=job.operation == "hardDelete")
    return record_id, False


def _finish(org: Any, job: jobs.BulkJob, now: datetime) -> None:
    ingest: work.IngestWork = job.payload
    forced = str(org.options.get(jobs.FORCE_FAIL.name))
    if forced and not ingest.started:
        jobs.fail(job, forced)
        return
    write_row = write_row_fn(org)
    work.start(job, lambda: work.process(job, org.schema, org.limits, write_row))
    if not ingest.done.wait(float(org.options.get(RENDER_WAIT.name))):
        return
    rows = len(ingest.table.rows) if ingest.table is not None else 0
    if not model.job_ready(org.options, job.started_at or job.created_date, rows, now):
        return
    if ingest.error:
        jobs.fail(job, ingest.error)
    elif job.state == jobs.IN_PROGRESS:
        job.state = jobs.JOB_COMPLETE


def info(org: Any, req: Request, match: re.Match[str]) -> Response:
    job = _job(org, match)
    now = org.clock.now()
    jobs.advance(job, now, lambda j: _finish(org, j, now))
    return json_response(info_view(job))


def delete(org: Any, req: Request, match: re.Match[str]) -> Response:
    job = _job(org, match)
    jobs.require_deletable(job)
    job.payload.cancelled.set()
    jobs.store(org).remove(job)
    return empty_response(204)


def listing(org: Any, req: Request, match: re.Match[str]) -> Response:
    base = f"/services/data/{match.group('version')}/jobs/ingest"
    page = jobs.list_page(
        jobs.store(org).of_type(req.query.get("jobType") or jobs.INGEST),
        req.query.get("queryLocator"),
        base,
        int(org.options.get(LIST_PAGE_SIZE.name)),
    )
    return json_response(page)


def _csv(text: str) -> Response:
    return Response(status=200, headers={"Content-Type": "text/csv"}, body=text.encode("utf-8"))


def successful_results(org: Any, req: Request, match: re.Match[str]) -> Response:
    ingest: work.IngestWork = _job(org, match).payload
    return _csv(work.result_header(ingest, "sf__Id", "sf__Created") + "".join(ingest.successes))


def failed_results(org: Any, req: Request, match: re.Match[str]) -> Response:
    ingest: work.IngestWork = _job(org, match).payload
    return _csv(work.result_header(ingest, "sf__Id", "sf__Error") + "".join(ingest.failures))


def unprocessed_records(org: Any, req: Request, match: re.Match[str]) -> Response:
    return _csv(work.unprocessed_body(_job(org, match).payload))


def register(router: Any) -> None:
    """Add the ingest-job routes (trailing slashes accepted, result names case-insensitive)."""
    router.add("POST", _VERSION + r"/jobs/ingest/?$", create)
    router.add("GET", _VERSION + r"/jobs/ingest/?$", listing)
    router.add("GET", _JOB + r"/?$", info)
    router.add("PATCH", _JOB + r"/?$", change_state)
    router.add("DELETE", _JOB + r"/?$", delete)
    router.add("PUT", _JOB + r"/batches/?$", upload)
    router.add("GET", _JOB + r"/(?i:successfulResults)/?$", successful_results)
    router.add("GET", _JOB + r"/(?i:failedResults)/?$", failed_results)
    router.add("GET", _JOB + r"/(?i:unprocessedRecords)/?$", unprocessed_records)
