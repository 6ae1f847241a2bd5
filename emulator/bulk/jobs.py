"""Bulk API 2.0 job model shared by query and ingest jobs: ids, state machine, JSON shapes, store.

A job is a small mutable entity (state changes over time); its JSON views follow the key order of
the recorded responses in ``fixtures/salesforce/bulk2``. Timing: a job advances one step each time
a client looks at it (job info, results). ``bulk_job_polls_upload_complete`` /
``bulk_job_polls_in_progress`` say how many looks it spends in ``UploadComplete`` / ``InProgress``
first; both default to 0, so the first look already finds the job finished.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator import errors
from emulator.core.ids import make_id
from emulator.core.options import register_option
from emulator.http import SalesforceHttpError

JOB_KEY_PREFIX = "750"
#: Route prefix of the versioned Bulk 2.0 endpoints (named group ``version``).
VERSION_ROUTE = r"/services/data/(?P<version>v\d+\.\d+)"
QUERY = "V2Query"
INGEST = "V2Ingest"
OPEN = "Open"
UPLOAD_COMPLETE = "UploadComplete"
IN_PROGRESS = "InProgress"
JOB_COMPLETE = "JobComplete"
FAILED = "Failed"
ABORTED = "Aborted"
TERMINAL_STATES = frozenset({JOB_COMPLETE, FAILED, ABORTED})

POLLS_UPLOAD_COMPLETE = register_option(
    "bulk.polls_upload_complete",
    0,
    "Bulk 2.0: how many job-info polls a job answers with state UploadComplete before it runs.",
)
POLLS_IN_PROGRESS = register_option(
    "bulk.polls_in_progress",
    0,
    "Bulk 2.0: how many job-info polls a job answers with state InProgress before it finishes.",
)
RETENTION_DAYS = register_option(
    "bulk.job_retention_days",
    7.0,
    "Bulk 2.0: terminal jobs (and their results) disappear this many org-clock days after they "
    "finished; afterwards they answer 404 NOT_FOUND.",
)
FORCE_FAIL = register_option(
    "bulk.force_fail_message",
    "",
    "Bulk 2.0: when non-empty, every job that finishes ends Failed with this errorMessage.",
)


def sf_timestamp(moment: datetime) -> str:
    """Job timestamps: ``yyyy-MM-dd'T'HH:mm:ss.SSS+0000`` in UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def api_version_number(api_version: str) -> float:
    """``"v62.0"`` -> ``62.0`` (rendered as a JSON number)."""
    return float(api_version.lstrip("v"))


@dataclass
class BulkJob:
    """One Bulk 2.0 job. Query and ingest specifics live in ``payload`` (owned by their module)."""

    id: str
    job_type: str
    operation: str
    object: str
    created_by_id: str
    created_date: datetime
    api_version: str
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = UPLOAD_COMPLETE
    system_modstamp: datetime | None = None
    external_id_field: str | None = None
    assignment_rule_id: str | None = None
    polls_upload_complete: int = 0
    polls_in_progress: int = 0
    error_message: str | None = None
    records_processed: int = 0
    records_failed: int = 0
    processing_ms: int = 0
    started_at: datetime | None = None  # when it went InProgress
    payload: Any = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def touch(self, now: datetime) -> None:
        self.system_modstamp = now

    def head(self) -> dict[str, Any]:
        """Keys every view starts with (id .. state)."""
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by_id,
            "createdDate": sf_timestamp(self.created_date),
            "systemModstamp": sf_timestamp(self.system_modstamp or self.created_date),
            "state": self.state,
        }

    def common(self) -> dict[str, Any]:
        """Head plus externalIdFieldName (upsert only), concurrencyMode, contentType, apiVersion."""
        body = self.head()
        if self.external_id_field is not None:
            body["externalIdFieldName"] = self.external_id_field
        if self.assignment_rule_id is not None:
            body["assignmentRuleId"] = self.assignment_rule_id
        body["concurrencyMode"] = "Parallel"
        body["contentType"] = "CSV"
        body["apiVersion"] = api_version_number(self.api_version)
        return body

    def format_keys(self) -> dict[str, Any]:
        return {"lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter}

    def list_entry(self) -> dict[str, Any]:
        """One element of ``GET /jobs/query|ingest`` records."""
        return {**self.common(), "jobType": self.job_type, **self.format_keys()}


_JOB_NUMBERS = itertools.count(1)


class JobStore:
    """Bulk 2.0 jobs of one org, kept in ``org.jobs`` (id -> job) so an org reset drops them."""

    def __init__(self, jobs: dict[str, Any]) -> None:
        self._jobs = jobs

    def add(self, job: BulkJob) -> BulkJob:
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str, job_type: str) -> BulkJob:
        """The job of that type (15- or 18-char id), else Salesforce's 404 NOT_FOUND."""
        job = self._jobs.get(job_id)
        if job is None and len(job_id) == 15:
            job = next((j for key, j in list(self._jobs.items()) if key[:15] == job_id), None)
        if not isinstance(job, BulkJob) or job.job_type != job_type:
            raise errors.RESOURCE_NOT_FOUND.error()
        return job

    def remove(self, job: BulkJob) -> None:
        self._jobs.pop(job.id, None)

    def of_type(self, job_type: str | None) -> list[BulkJob]:
        return [
            job
            for job in list(self._jobs.values())
            if isinstance(job, BulkJob) and (job_type is None or job.job_type == job_type)
        ]


def store(org: Any) -> JobStore:
    """The org's jobs, after dropping terminal jobs older than the retention (spec §3.9: 7 days)."""
    jobs = JobStore(org.jobs)
    cutoff = org.clock.now() - timedelta(days=float(org.options.get(RETENTION_DAYS.name)))
    for job in jobs.of_type(None):
        if job.terminal and (job.system_modstamp or job.created_date) < cutoff:
            jobs.remove(job)
            release = getattr(job.payload, "release", None)
            if callable(release):
                release()
    return jobs


def new_job(org: Any, job_type: str, operation: str, sobject: str, api_version: str) -> BulkJob:
    """A fresh job with a ``750`` id, created now, timing knobs read from the org's options."""
    now = org.clock.now()
    return BulkJob(
        id=make_id(JOB_KEY_PREFIX, next(_JOB_NUMBERS)),
        job_type=job_type,
        operation=operation,
        object=sobject,
        created_by_id=str(getattr(org, "user_id", None) or make_id("005", 0)),
        created_date=now,
        system_modstamp=now,
        api_version=api_version,
        polls_upload_complete=int(org.options.get(POLLS_UPLOAD_COMPLETE.name)),
        polls_in_progress=int(org.options.get(POLLS_IN_PROGRESS.name)),
    )


def advance(job: BulkJob, now: datetime, finish: Callable[[BulkJob], None]) -> None:
    """One poll: spend a configured UploadComplete/InProgress look, or run ``finish``."""
    with job.lock:
        if job.state == UPLOAD_COMPLETE:
            if job.polls_upload_complete > 0:
                job.polls_upload_complete -= 1
                return
            job.state = IN_PROGRESS
            job.started_at = now
            job.touch(now)
        if job.state == IN_PROGRESS:
            if job.polls_in_progress > 0:
                job.polls_in_progress -= 1
                return
            finish(job)
            job.touch(now)


def fail(job: BulkJob, message: str) -> None:
    job.state = FAILED
    job.error_message = message


def job_route(kind: str) -> str:
    """Route pattern of ``/services/data/vNN.N/jobs/<kind>/<job id>`` (groups version, job)."""
    return VERSION_ROUTE + rf"/jobs/{kind}/(?P<job>[A-Za-z0-9]{{15,18}})"


def matched_job(org: Any, match: re.Match[str], job_type: str) -> BulkJob:
    """The job a :func:`job_route` match names (404 when unknown or of the other type)."""
    return store(org).get(match.group("job"), job_type)


def require_object(body: Any) -> dict[str, Any]:
    """A create body must be a JSON object, else 400 JSON_PARSER_ERROR as Salesforce answers."""
    if not isinstance(body, dict):
        raise SalesforceHttpError(
            400, "JSON_PARSER_ERROR", "The request body must be a JSON object"
        )
    return body


def require_state_change(body: Any) -> str:
    """The ``state`` of a PATCH body, or 400 as Salesforce answers a malformed change."""
    state = body.get("state") if isinstance(body, dict) else None
    if not isinstance(state, str) or not state:
        raise SalesforceHttpError(
            400, "INVALIDJOBSTATE", "Invalid state: the state field is required"
        )
    return state


def abort(job: BulkJob, now: datetime) -> None:
    """PATCH {"state":"Aborted"}: allowed until the job is terminal (spec §3.6, §4.3)."""
    with job.lock:
        if job.terminal:
            verb = {JOB_COMPLETE: "Completed", FAILED: "Failed", ABORTED: "Aborted"}[job.state]
            raise SalesforceHttpError(
                400, "INVALIDJOBSTATE", f"Aborting already {verb} Job not allowed"
            )
        job.state = ABORTED
        job.touch(now)


def require_deletable(job: BulkJob) -> None:
    if not job.terminal and not (job.job_type == INGEST and job.state == UPLOAD_COMPLETE):
        raise SalesforceHttpError(
            400,
            "API_ERROR",
            "Error encountered when deleting the job because the job is not terminated",
        )


def list_page(
    jobs: list[BulkJob], locator: str | None, base: str, page_size: int
) -> dict[str, Any]:
    """``{done, records, nextRecordsUrl}``; the key stays present (null) on the last page."""
    start = 0
    if locator:
        _, _, offset = locator.rpartition("-")
        if not offset.isdigit():
            raise SalesforceHttpError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        start = int(offset)
    ordered = sorted(jobs, key=lambda job: (job.created_date, job.id))
    chunk = ordered[start : start + page_size]
    end = start + len(chunk)
    done = end >= len(ordered)
    next_url = None if done else f"{base}?queryLocator=01g{JOB_KEY_PREFIX}Dn000000000-{end}"
    return {
        "done": done,
        "records": [job.list_entry() for job in chunk],
        "nextRecordsUrl": next_url,
    }
