"""Bulk API 1.0 endpoints (`/services/async/{version}/job...`) as tap-salesforce and
simple-salesforce's `sf.bulk` use them.

Authentication by `X-SFDC-Session` (or a Bearer token); a bad session answers 400
`InvalidSessionId` "Invalid session id", the status and body jsforce and tap-salesforce check.
Response format: job resources answer JSON when the request's Content-Type is JSON (or the job is a
JSON job and the request does not ask for XML), else XML; batch resources follow the job's
contentType (JSON jobs JSON, CSV and XML jobs XML); errors follow the same rule. Every call counts
toward DailyApiRequests and every batch toward DailyBulkApiBatches.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from emulator.bulk import v1_format as fmt
from emulator.bulk import v1_jobs as v1
from emulator.bulk import v1_work as work
from emulator.bulk.ingest import write_row_fn
from emulator.bulk.jobs import POLLS_IN_PROGRESS, POLLS_UPLOAD_COMPLETE
from emulator.bulk.query_work import RENDER_WAIT
from emulator.http import Request, Response
from emulator.routing import Router

BASE = r"/services/async/(?P<ver>\d+\.\d+)/job"
JOB = BASE + r"/(?P<job>[A-Za-z0-9]{15,18})"
BATCH = JOB + r"/batch/(?P<batch>[A-Za-z0-9]{15,18})"
MIN_VERSION = 31.0  # 21.0–30.0 retired in Summer '25 (Help: API versions 21.0–30.0 retirement)
MAX_BATCH_BYTES = 10_000_000  # "Bulk API Limits": a batch file is at most 10 MB
PK_CHUNKABLE = frozenset(
    {"Account", "Campaign", "CampaignMember", "Case", "Contact", "Lead", "Opportunity", "User"}
)


def _asks_json(req: Request) -> bool:
    return "json" in req.headers.get("Content-Type", "").lower()


def _job_json(req: Request, job: v1.Job | None) -> bool:
    content = req.headers.get("Content-Type", "").lower()
    return "json" in content or (
        job is not None and job.content_type == "JSON" and "xml" not in content
    )


def session_error(req: Request) -> Response:
    return fmt.error(fmt.AsyncApiError("InvalidSessionId", "Invalid session id"), _asks_json(req))


def _guarded(handler: Any) -> Any:
    """Render AsyncApiError in the format the request (or its job) calls for."""

    def run(org: Any, req: Request, match: re.Match[str]) -> Response:
        job = None
        try:
            _check_version(org, match["ver"])
            job = v1.find(org, match["job"]) if "job" in match.groupdict() else None
            response: Response = handler(org, req, match, job)
            return response
        except fmt.AsyncApiError as exc:
            return fmt.error(exc, _job_json(req, job))

    return run


def _check_version(org: Any, version: str) -> None:
    if not MIN_VERSION <= float(version) <= float(org.options["api.max_version"]):
        raise fmt.AsyncApiError("InvalidVersion", "Invalid api version specified on URL")


def _choice(fields: dict[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = fields.get(key)
    if value in (None, ""):
        return default
    if key == "concurrencyMode" and value in (0, 1, "0", "1"):
        return ("Parallel", "Serial")[int(value)]  # simple-salesforce sends 0/1
    if str(value) not in allowed:
        raise fmt.AsyncApiError("InvalidJob", f"Invalid {key}: {value}")
    return str(value)


def _new_job(org: Any, req: Request, fields: dict[str, Any], version: str) -> v1.Job:
    operation = _choice(fields, "operation", (*v1.DML, *v1.QUERIES), "")
    obj = org.schema.get(str(fields.get("object") or ""))
    if not operation or obj is None:
        missing = "operation" if not operation else f"Unable to find object: {fields.get('object')}"
        raise fmt.AsyncApiError("InvalidJob", missing)
    if operation in v1.QUERIES and not obj.bulk_supported:
        raise fmt.AsyncApiError(
            "InvalidJob", f"Entity '{obj.name}' is not supported by the Bulk API."
        )
    external = fields.get("externalIdFieldName") or None
    if operation == "upsert":
        fdef = obj.field(str(external)) if external else None
        if fdef is None:
            raise fmt.AsyncApiError(
                "InvalidJob",
                f"External ID was blank for {obj.name}. "
                "An External ID must be specified for upsert.",
            )
        if not (fdef.external_id or fdef.id_lookup):
            raise fmt.AsyncApiError("InvalidJob", f"The field {fdef.name} is not an External ID")
        external = fdef.name
    now = org.clock.now()
    return v1.Job(
        id=v1.new_id("750"),
        operation=operation,
        object=obj.name,
        content_type=_choice(fields, "contentType", v1.CONTENT_TYPES, "XML"),
        concurrency_mode=_choice(fields, "concurrencyMode", ("Parallel", "Serial"), "Parallel"),
        created_by_id=str(org.data("User").make_id(0)),
        created_date=now,
        system_modstamp=now,
        api_version=float(version),
        external_id_field=str(external) if operation == "upsert" else None,
        pk_chunk_size=v1.pk_chunk_size(req.headers.get("Sforce-Enable-PKChunking"))
        if operation in v1.QUERIES
        else None,
    )


def create_job(org: Any, req: Request, match: re.Match[str], _: Any) -> Response:
    fields = fmt.request_fields(req.body, _asks_json(req))
    job = _new_job(org, req, fields, match["ver"])
    org.jobs[job.id] = job
    return fmt.view("jobInfo", job.info(), _asks_json(req), status=201)


def job_info(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    return fmt.view("jobInfo", job.info(), _job_json(req, job))


def change_job(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    state = fmt.request_fields(req.body, _asks_json(req)).get("state")
    now = org.clock.now()
    with job.lock:
        if state == v1.CLOSED and job.state in (v1.OPEN, v1.CLOSED):
            job.state, job.system_modstamp = v1.CLOSED, now
        elif state == v1.ABORTED and job.state != v1.ABORTED:
            v1.abort(job, now)
        else:
            raise fmt.AsyncApiError(
                "InvalidJobState", f"Invalid state change from {job.state} to {state}"
            )
    return fmt.view("jobInfo", job.info(), _job_json(req, job))


def _batch(org: Any, job: v1.Job, request: bytes) -> v1.Batch:
    return v1.Batch(
        id=v1.new_id("751"),
        job_id=job.id,
        created_date=org.clock.now(),
        request=request,
        polls_queued=int(org.options.get(POLLS_UPLOAD_COMPLETE.name)),
        polls_in_progress=int(org.options.get(POLLS_IN_PROGRESS.name)),
    )


def _charge_batches(org: Any, count: int) -> None:
    if org.limits.exhausted("DailyBulkApiBatches", count):
        raise fmt.AsyncApiError(
            "ExceededQuota", "Maximum number of batches per rolling 24-hour period exceeded"
        )
    org.limits.charge("DailyBulkApiBatches", count)


def _pk_chunks(org: Any, job: v1.Job, original: v1.Batch) -> list[v1.Batch]:
    """The chunk batches replacing `original` (which then stays NotProcessed)."""
    if job.object not in PK_CHUNKABLE and not job.object.endswith("__c"):
        original.state = v1.FAILED
        original.state_message = (
            f"InvalidBatch : Failed to process query: PK chunking is not supported for {job.object}"
        )
        return []
    indices = list(org.data(job.object).indices())
    assert job.pk_chunk_size is not None
    chunks = []
    for id_range in v1.chunk_ranges(indices, job.pk_chunk_size):
        chunk = _batch(org, job, original.request)
        chunk.id_range = id_range
        chunks.append(chunk)
    original.pk_original = True
    return chunks


def add_batch(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    if len(req.body) > MAX_BATCH_BYTES:
        raise fmt.AsyncApiError("InvalidBatch", f"Exceeded max size limit of {MAX_BATCH_BYTES}")
    with job.lock:
        if job.state != v1.OPEN:
            raise fmt.AsyncApiError("InvalidJobState", f"Job {job.id} is not open: {job.state}")
        batch = _batch(org, job, req.body)
        extra = _pk_chunks(org, job, batch) if job.is_query and job.pk_chunk_size else []
        _charge_batches(org, 1 + len(extra))
        job.batches.extend([batch, *extra])
    return fmt.view(
        "batchInfo", batch.info(job.content_type == "JSON"), job.content_type == "JSON", 201
    )


def _start(org: Any, job: v1.Job) -> Any:
    write_row = write_row_fn(org)
    max_records = int(org.options.get(v1.MAX_BATCH_RECORDS.name))

    def start(batch: v1.Batch) -> None:
        if job.is_query:
            target: Any = work.run_query_batch
            args: tuple[Any, ...] = (org, job, batch)
        else:
            target, args = work.run_ingest_batch, (org, job, batch, write_row, max_records)
        threading.Thread(target=target, args=args, name=f"bulk-v1-{batch.id}", daemon=True).start()

    return start


def _look(org: Any, job: v1.Job, batch: v1.Batch) -> None:
    v1.advance(org, job, batch, _start(org, job), float(org.options.get(RENDER_WAIT.name)))


def batch_info(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    batch = job.batch(match["batch"])
    _look(org, job, batch)
    as_json = job.content_type == "JSON"
    return fmt.view("batchInfo", batch.info(as_json), as_json)


def batch_list(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    for batch in list(job.batches):
        _look(org, job, batch)
    as_json = job.content_type == "JSON"
    return fmt.batch_list([b.info(as_json) for b in job.batches], as_json)


def batch_request(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    batch = job.batch(match["batch"])
    content_type = fmt.CONTENT_TYPES[job.content_type] + ";charset=UTF-8"
    return Response(status=200, headers={"Content-Type": content_type}, body=batch.request)


def _completed(job: v1.Job, batch_id: str) -> v1.Batch:
    batch = job.batch(batch_id)
    if batch.state != v1.COMPLETED:
        raise fmt.AsyncApiError("InvalidBatch", f"Batch not completed: {batch.state}")
    return batch


def batch_result(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    batch = _completed(job, match["batch"])
    as_json = job.content_type == "JSON"
    if job.is_query:
        return fmt.result_list([r.id for r in batch.results], as_json)
    if job.content_type == "CSV":
        body = work.dml_csv(batch.results).encode()
        return Response(status=200, headers={"Content-Type": "text/csv;charset=UTF-8"}, body=body)
    if as_json:
        return fmt.json_body(work.dml_json(batch.results))
    return fmt.xml_response(work.dml_xml(batch.results))


def query_result(org: Any, req: Request, match: re.Match[str], job: v1.Job) -> Response:
    batch = _completed(job, match["batch"])
    found = next((r for r in batch.results if r.id[:15] == match["result"][:15]), None)
    if found is None or not job.is_query or not found.path.exists():
        raise fmt.AsyncApiError("InvalidBatch", f"Unable to find result for id: {match['result']}")
    content_type = fmt.CONTENT_TYPES[job.content_type] + ";charset=UTF-8"
    return Response(status=200, headers={"Content-Type": content_type}, file=found.path)


def register(router: Router) -> None:
    routes = [
        ("POST", BASE, create_job),
        ("GET", JOB, job_info),
        ("POST", JOB, change_job),
        ("POST", JOB + "/batch", add_batch),
        ("GET", JOB + "/batch", batch_list),
        ("GET", BATCH, batch_info),
        ("GET", BATCH + "/request", batch_request),
        ("GET", BATCH + "/result", batch_result),
        ("GET", BATCH + r"/result/(?P<result>[A-Za-z0-9]{15,18})", query_result),
    ]
    for method, path, handler in routes:
        router.add(method, path, _guarded(handler), session_error=session_error)
