"""Bulk API 2.0 query-job endpoints (spec §3, §8.1): create, list, info, abort, delete, results.

Results are served from the file rendered once per job (``bulk_results``): each page is the header
line plus one byte range, streamed in 1 MiB chunks; with ``Accept-Encoding: gzip`` the page is
served from the gzip members compressed once during the render.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.bulk import jobs, model
from emulator.bulk import query_work as work
from emulator.bulk.csvfmt import CsvDialect
from emulator.bulk.results import decode_locator, page_chunks, page_gzip_chunks, plan_page
from emulator.core.options import register_option
from emulator.http import Request, Response, SalesforceHttpError, empty_response, json_response

PAGE_SIZE = register_option(
    "bulk.query_page_size",
    50_000,
    "Bulk query results: rows per page when the client sends no maxRecords (server default "
    "[UNCONFIRMED]).",
)
LIST_PAGE_SIZE = register_option(
    "bulk.job_list_page_size", 1000, "Bulk job lists: jobs per page of GET /jobs/query|ingest."
)
NEXT_KEY = register_option(
    "bulk.result_pages_next_key",
    "nextRecordsUrl",
    "resultPages: key of the next-listing URL; the docs' example says nextRecordsUrl, their "
    "element table nextRecordUrl [docs disagree].",
    choices=("nextRecordsUrl", "nextRecordUrl"),
)
RESULT_PAGES_PER_RESPONSE = 5  # "Returns up to five URIs in one response" (Get Parallel Results)
_VERSION = jobs.VERSION_ROUTE
_JOB = jobs.job_route("query")


def _job(org: Any, match: re.Match[str]) -> jobs.BulkJob:
    return jobs.matched_job(org, match, jobs.QUERY)


def create(org: Any, req: Request, match: re.Match[str]) -> Response:
    """``POST /jobs/query``: validate SOQL now, start the render, answer JSON (even to text/csv)."""
    body = work.parse_create_body(req.json())
    query = work.parse_soql(org, body.soql)
    obj = org.schema.get(query.sobject)
    work.check_bulk_supported(query, obj, org.options)
    work.charge_query_job(org.limits)
    job = jobs.new_job(org, jobs.QUERY, body.operation, obj.name, match.group("version"))
    job.column_delimiter, job.line_ending = body.column_delimiter, body.line_ending
    null_quoted = org.options.get(work.NULL_STYLE.name) == "quoted"
    job.payload = work.QueryWork(
        query=query,
        include_deleted=body.operation == "queryAll",
        column_types=work.column_types(org.schema, obj, query.fields),
        dialect=CsvDialect(body.column_delimiter, body.line_ending, null_quoted),
    )
    jobs.store(org).add(job)
    work.start_render(org, job)
    return json_response(work.summary(job))


def info(org: Any, req: Request, match: re.Match[str]) -> Response:
    job = _job(org, match)
    _poll(org, job)
    return json_response(work.info(job))


def _poll(org: Any, job: jobs.BulkJob) -> None:
    now = org.clock.now()
    jobs.advance(job, now, lambda j: work.finish(j, org.limits, org.options, now))


def abort(org: Any, req: Request, match: re.Match[str]) -> Response:
    job = _job(org, match)
    state = jobs.require_state_change(req.json())
    if state != jobs.ABORTED:
        raise SalesforceHttpError(
            400,
            "INVALIDJOBSTATE",
            f"Invalid state {state} for a query job: only Aborted is allowed",
        )
    jobs.abort(job, org.clock.now())
    work.discard(job)
    return json_response(work.summary(job))


def delete(org: Any, req: Request, match: re.Match[str]) -> Response:
    job = _job(org, match)
    jobs.require_deletable(job)
    jobs.store(org).remove(job)
    work.discard(job)
    return empty_response(204)


def listing(org: Any, req: Request, match: re.Match[str]) -> Response:
    job_type = req.query.get("jobType") or jobs.QUERY
    base = f"/services/data/{match.group('version')}/jobs/query"
    page = jobs.list_page(
        jobs.store(org).of_type(job_type),
        req.query.get("queryLocator"),
        base,
        int(org.options.get(LIST_PAGE_SIZE.name)),
    )
    return json_response(page)


def _max_records(org: Any, req: Request) -> int:
    raw = req.query.get("maxRecords")
    if raw is None or raw == "":
        return int(org.options.get(PAGE_SIZE.name))
    if not raw.isdigit() or int(raw) < 1:
        raise SalesforceHttpError(
            400, "INVALIDPARAMETER", f"maxRecords must be a positive integer: {raw}"
        )
    return int(raw)


def _start_row(req: Request) -> int:
    locator = req.query.get("locator")
    if not locator or locator == "null":
        return 0
    row = decode_locator(locator)
    if row is None:
        raise SalesforceHttpError(400, "INVALID_QUERY_LOCATOR", f"Invalid locator: {locator}")
    return row


def _completed(org: Any, job: jobs.BulkJob, version: str) -> work.ResultFile:
    if version != job.api_version:
        raise SalesforceHttpError(
            409,
            "API_ERROR",
            f"Results must be retrieved with the API version the job was created with "
            f"({job.api_version})",
        )
    _poll(org, job)
    result: work.ResultFile | None = job.payload.result
    if job.state != jobs.JOB_COMPLETE or result is None:
        raise SalesforceHttpError(
            400,
            "INVALIDJOBSTATE",
            f"Results are available only for jobs in state JobComplete; job state is {job.state}",
        )
    return result


def results(org: Any, req: Request, match: re.Match[str]) -> Response:
    """``GET .../results``: one page as header + byte range of the rendered file."""
    job = _job(org, match)
    result = _completed(org, job, match.group("version"))
    page = plan_page(result, _start_row(req), _max_records(org, req))
    headers = {
        "Content-Type": "text/csv",
        "Sforce-Locator": page.next_locator or "null",
        "Sforce-NumberOfRecords": str(page.records),
    }
    pace = model.download_pace(org)
    if _wants_gzip(org, req):
        # Pre-compressed blocks from the render (the server leaves encoded responses alone).
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
        chunks = page_gzip_chunks(result, page)
        return Response(status=200, headers=headers, chunks=chunks, pace=pace)
    return Response(status=200, headers=headers, chunks=page_chunks(result, page), pace=pace)


def _wants_gzip(org: Any, req: Request) -> bool:
    accepted = req.headers.get("Accept-Encoding", "").lower()
    return "gzip" in accepted and bool(org.options.get("http.gzip"))


def result_pages(org: Any, req: Request, match: re.Match[str]) -> Response:
    """``GET .../resultPages`` (v58.0+): up to five result URLs and the next listing URL."""
    version = match.group("version")
    if float(version[1:]) < 58.0:
        raise SalesforceHttpError(404, "NOT_FOUND", "The requested resource does not exist")
    job = _job(org, match)
    result = _completed(org, job, version)
    size, row = _max_records(org, req), _start_row(req)
    base = f"/services/data/{version}/jobs/query/{job.id}"
    suffix = f"maxRecords={size}" if "maxRecords" in req.query else ""
    urls: list[dict[str, str]] = []
    while len(urls) < RESULT_PAGES_PER_RESPONSE and (row < result.records or not urls):
        # every URL carries a locator, the first one too (as in the docs' example)
        params = "&".join(p for p in (f"locator={work.encode_locator(row)}", suffix) if p)
        urls.append({"resultUrl": f"{base}/results?{params}"})
        row += size
    done = row >= result.records
    next_params = "&".join(p for p in (f"locator={work.encode_locator(row)}", suffix) if p)
    return json_response(
        {
            "resultPages": urls,
            str(org.options.get(NEXT_KEY.name)): None
            if done
            else f"{base}/resultpages?{next_params}",  # lower case as in the docs' example
            "done": done,
        }
    )


def register(router: Any) -> None:
    """Add the query-job routes (trailing slashes accepted)."""
    router.add("POST", _VERSION + r"/jobs/query/?$", create)
    router.add("GET", _VERSION + r"/jobs/query/?$", listing)
    router.add("GET", _JOB + r"/?$", info)
    router.add("PATCH", _JOB + r"/?$", abort)
    router.add("DELETE", _JOB + r"/?$", delete)
    router.add("GET", _JOB + r"/results/?$", results)
    router.add("GET", _JOB + r"/(?i:resultPages)/?$", result_pages)
