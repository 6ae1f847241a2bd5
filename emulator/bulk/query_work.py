"""Bulk API 2.0 query-job work: SOQL checks at creation, the one-time result render, job views.

The SOQL is validated when the job is created (REST-style errors, plus the Bulk-only restrictions of
§3.7). Rows are rendered once, in a background thread started at creation, into a result file
(``bulk_results``); every results page is then a byte range of that file. A poll that finds the
render still running answers ``InProgress``, as Salesforce does while it works.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator import soql
from emulator.bulk import jobs, model
from emulator.bulk.csvfmt import DELIMITERS, LINE_ENDINGS, CsvDialect, RowRenderer
from emulator.bulk.results import ResultFile, encode_locator, write_result_blocks
from emulator.core.options import register_option
from emulator.core.schema import ObjectDef, Schema
from emulator.http import SalesforceHttpError
from emulator.soql import resolve_path

__all__ = ["ResultFile", "encode_locator"]

log = logging.getLogger(__name__)

NULL_STYLE = register_option(
    "bulk.csv_null",
    "quoted",
    "Bulk query CSV: how a null value is written, [UNCONFIRMED] in the spec: 'quoted' writes \"\", "
    "'bare' writes nothing between delimiters.",
    choices=("quoted", "bare"),
)
UNSUPPORTED_CODE = register_option(
    "bulk.unsupported_error_code",
    "API_ERROR",
    "Bulk query: errorCode of the 400 for Bulk-unsupported SOQL (compound fields, aggregates, "
    "subqueries, OFFSET, TYPEOF, base64) [UNCONFIRMED].",
)
RENDER_WAIT = register_option(
    "bulk.render_wait_seconds",
    5.0,
    "Bulk query: how long a poll waits for a running result render before answering InProgress.",
)
MAX_SOQL_CHARS = 100_000
RESULT_DIR = "bulk-query-results"
QUERY_OPERATIONS = ("query", "queryAll")


@dataclass
class QueryWork:
    """Query-job specifics: the parsed SOQL, its column types and the rendered result."""

    query: Any
    include_deleted: bool
    column_types: tuple[str, ...]
    dialect: CsvDialect
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    result: ResultFile | None = None
    error: str | None = None

    def release(self) -> None:
        """Stop a running render (it removes its own files) or remove the finished files."""
        self.cancelled.set()
        if self.done.is_set() and self.result is not None:
            self.result.remove()
            self.result = None


def column_types(schema: Schema, obj: ObjectDef, paths: tuple[str, ...]) -> tuple[str, ...]:
    """Describe type of each select path, following parent relationships (``Owner.Name``)."""
    types = []
    for path in paths:
        resolved = resolve_path(schema, obj, path)
        types.append("string" if isinstance(resolved, str) else resolved[1].type)
    return tuple(types)


def parse_soql(org: Any, text: str) -> Any:
    """The parsed query, or the REST-style 400 (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE)."""
    return soql.parse(text, org.schema)


def start_render(org: Any, job: jobs.BulkJob) -> None:
    """Render the job's rows into its result file in a daemon thread (started at creation;
    filtering and ORDER BY sorting run in that thread too, so creation answers at once)."""
    work: QueryWork = job.payload
    formats = RowRenderer(work.column_types, work.dialect).formats

    def rows() -> Any:
        return org.csv_blocks(work.query, work.include_deleted, formats)

    thread = threading.Thread(
        target=render_job,
        args=(job, rows, Path(org.work_dir) / RESULT_DIR),
        name=f"bulk-query-{job.id}",
        daemon=True,
    )
    thread.start()


def _bulk_error(options: Any, message: str) -> SalesforceHttpError:
    return SalesforceHttpError(400, str(options.get(UNSUPPORTED_CODE.name)), message)


def check_bulk_supported(query: Any, obj: ObjectDef, options: Any) -> None:
    """Spec §3.7: constructs Bulk 2.0 query refuses at job creation."""
    if not obj.bulk_supported:
        raise SalesforceHttpError(
            400, "INVALIDENTITY", f"Entity '{obj.name}' is not supported by the Bulk API."
        )
    if query.compound_fields:
        raise _bulk_error(options, "Selecting compound data not supported in Bulk Query")
    if query.has_subquery:
        raise _bulk_error(options, "Aggregate Relationships not supported in Bulk Query")
    if query.has_aggregate:
        raise _bulk_error(options, "Aggregate queries are not supported in Bulk Query")
    if query.offset is not None:
        raise _bulk_error(options, "OFFSET clause is not supported in Bulk Query")
    if query.has_typeof:
        raise _bulk_error(options, "TYPEOF clause is not supported in Bulk Query")
    if query.base64_fields:
        names = ", ".join(query.base64_fields)
        raise _bulk_error(
            options, f"Selecting base64 fields is not supported in Bulk Query: {names}"
        )


def _choice(body: dict[str, Any], key: str, allowed: dict[str, str], default: str) -> str:
    value = body.get(key, default)
    if value is None:
        return default
    if value not in allowed:
        raise SalesforceHttpError(400, "INVALIDJOB", f"Invalid value for {key}: {value}")
    return str(value)


@dataclass(frozen=True)
class QueryRequest:
    """A validated ``POST /jobs/query`` body."""

    operation: str
    soql: str
    column_delimiter: str
    line_ending: str


def parse_create_body(body: Any) -> QueryRequest:
    body = jobs.require_object(body)
    operation = body.get("operation")
    if operation not in QUERY_OPERATIONS:
        raise SalesforceHttpError(
            400, "INVALIDJOB", f"Invalid operation: {operation}. Use query or queryAll"
        )
    soql = body.get("query")
    if not isinstance(soql, str) or not soql.strip():
        raise SalesforceHttpError(400, "INVALIDJOB", "The query field is required for query jobs")
    if len(soql) > MAX_SOQL_CHARS:
        raise SalesforceHttpError(
            400, "MALFORMED_QUERY", f"Query exceeds the maximum length of {MAX_SOQL_CHARS}"
        )
    if body.get("contentType", "CSV") not in ("CSV", None):
        raise SalesforceHttpError(400, "INVALIDJOB", "Invalid contentType: only CSV is supported")
    return QueryRequest(
        operation=str(operation),
        soql=soql,
        column_delimiter=_choice(body, "columnDelimiter", DELIMITERS, "COMMA"),
        line_ending=_choice(body, "lineEnding", LINE_ENDINGS, "LF"),
    )


def charge_query_job(limits: Any) -> None:
    """DailyBulkV2QueryJobs: refuse with LIMIT_EXCEEDED when exhausted, else count this job."""
    name = "DailyBulkV2QueryJobs"
    if limits.exhausted(name):
        raise SalesforceHttpError(
            400,
            "LIMIT_EXCEEDED",
            f"Max bulk v2 query jobs ({limits.max(name)}) per 24 hrs has been reached "
            f"({limits.used(name) + 1})",
        )
    limits.charge(name)


def render_job(job: jobs.BulkJob, blocks: Callable[[], Any], work_dir: Any) -> None:
    """Background body: render all rows (``blocks()`` yields blocks of columns as Bulk CSV
    text, see ``Org.csv_blocks``) into the job's result file once."""
    work: QueryWork = job.payload
    started = time.monotonic()
    try:
        renderer = RowRenderer(work.column_types, work.dialect)
        header = renderer.header(list(work.query.fields))
        lines = _cancellable((renderer.lines(block) for block in blocks()), work.cancelled)
        work.result = write_result_blocks(work_dir, job.id, header, lines)
        if work.cancelled.is_set():
            work.result.remove()
            work.result = None
    except SalesforceHttpError as exc:
        work.error = f"Failed to process query: {exc.message}"
    except OSError as exc:
        log.exception("rendering results of job %s failed", job.id)
        work.error = f"Failed to process query: {exc.strerror}"
    finally:
        job.processing_ms = int((time.monotonic() - started) * 1000)
        work.done.set()


def _cancellable(blocks: Any, cancelled: threading.Event) -> Any:
    for block in blocks:
        if cancelled.is_set():
            return
        yield block


def finish(job: jobs.BulkJob, limits: Any, options: Any, now: datetime) -> None:
    """Called by a poll once the timing knobs are spent: JobComplete, Failed, or still running
    (rendering, or under the performance model's job time)."""
    work: QueryWork = job.payload
    if not work.done.wait(float(options.get(RENDER_WAIT.name))):
        return  # still rendering: stays InProgress
    records = work.result.records if work.result is not None else 0
    if not model.job_ready(options, job.created_date, records, now):
        return
    forced = str(options.get(jobs.FORCE_FAIL.name))
    if work.result is None and not work.error:
        work.error = "Failed to process query: the result could not be produced"  # render crashed
    if work.error or forced or work.result is None:
        jobs.fail(job, work.error or forced)
        return
    job.records_processed = work.result.records
    megabytes = math.ceil((len(work.result.header) + work.result.size) / 1_000_000)
    storage = "DailyBulkV2QueryFileStorageMB"
    if megabytes and limits.exhausted(storage, megabytes):
        jobs.fail(
            job,
            "Max bulk v2 query result size stored (1000000000) kb per 24 hrs has been exceeded",
        )
        return
    limits.charge(storage, megabytes)
    job.state = jobs.JOB_COMPLETE


def info(job: jobs.BulkJob) -> dict[str, Any]:
    """``GET /jobs/query/{id}`` body (key order of the recorded responses)."""
    body = job.common()
    body["jobType"] = job.job_type
    body.update(job.format_keys())
    body["numberRecordsProcessed"] = job.records_processed
    body["retries"] = 0
    body["totalProcessingTime"] = job.processing_ms if job.terminal else 0
    body["isPkChunkingSupported"] = True
    if job.state == jobs.FAILED and job.error_message:
        body["errorMessage"] = job.error_message
    return body


def summary(job: jobs.BulkJob) -> dict[str, Any]:
    """Create and abort replies: id .. apiVersion, lineEnding, columnDelimiter."""
    return {**job.common(), **job.format_keys()}


def discard(job: jobs.BulkJob) -> None:
    """Job deleted, aborted or expired: stop a running render and remove the result files."""
    if isinstance(job.payload, QueryWork):
        job.payload.release()
