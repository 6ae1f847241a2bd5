"""Bulk API 2.0 job administration (parity with the older CLI's list-jobs / show-job /
delete-job): list query and ingest jobs, abort one, clean up old ones.

Per-job failures during cleanup are data (an ``error`` on that job's row), never a reason to
stop: one job that Salesforce refuses to delete does not keep the others around.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from lht.errors import ConfigError, LhtError

__all__ = ["JOB_COLUMNS", "TERMINAL_STATES", "abort_job", "cleanup_jobs", "list_jobs"]

log = logging.getLogger(__name__)

KINDS = ("query", "ingest")
TERMINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
#: Columns of a job row (LIST_BULK_JOBS / CLEANUP_BULK_JOBS tables; lower-case dict keys).
JOB_COLUMNS = ("ID", "KIND", "OBJECT", "OPERATION", "STATE", "CREATED_DATE", "AGE_HOURS")


class JobsPort(Protocol):
    def list_jobs(self, kind: str = "query") -> Any: ...
    def abort_job(self, kind: str, job_id: str) -> None: ...
    def delete_job(self, kind: str, job_id: str) -> None: ...


def _parse_time(text: Any) -> datetime | None:
    """Salesforce job timestamps: ``2024-05-01T10:00:00.000+0000``."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    except ValueError:
        return None


def _row(kind: str, job: dict[str, Any], now: datetime) -> dict[str, Any]:
    created = _parse_time(job.get("createdDate"))
    age = None if created is None else round((now - created).total_seconds() / 3600.0, 2)
    return {
        "id": job.get("id"),
        "kind": kind,
        "object": job.get("object"),
        "operation": job.get("operation"),
        "state": job.get("state"),
        "created_date": job.get("createdDate"),
        "age_hours": age,
    }


def _now() -> datetime:
    return datetime.now(UTC)


def list_jobs(
    client: JobsPort, kind: str | None = None, *, clock: Callable[[], datetime] = _now
) -> list[dict[str, Any]]:
    """Query and ingest jobs (or only ``kind``), newest first."""
    kinds = KINDS if kind is None else (_check_kind(kind),)
    now = clock()
    rows = [_row(k, job, now) for k in kinds for job in client.list_jobs(k)]
    return sorted(rows, key=lambda r: str(r["created_date"] or ""), reverse=True)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ConfigError(f"job kind must be 'query' or 'ingest', got {kind!r}")
    return kind


def _find(client: JobsPort, job_id: str) -> dict[str, Any]:
    if not isinstance(job_id, str) or not job_id.isalnum():
        raise ConfigError(f"invalid Bulk job id {job_id!r}")
    for row in list_jobs(client):
        if row["id"] == job_id:
            return row
    raise ConfigError(f"no Bulk job {job_id} visible to this user")


def abort_job(client: JobsPort, job_id: str) -> dict[str, Any]:
    """Abort one job (query or ingest, found by id); returns its row with the new state.
    Aborting a finished job is a Salesforce error (``INVALIDJOBSTATE``), raised as such."""
    row = _find(client, job_id)
    client.abort_job(row["kind"], job_id)
    log.info("aborted %s job %s", row["kind"], job_id)
    return {**row, "state": "Aborted", "action": "aborted", "error": None}


def cleanup_jobs(
    client: JobsPort, max_age_hours: float, *, clock: Callable[[], datetime] = _now
) -> list[dict[str, Any]]:
    """Delete jobs created more than ``max_age_hours`` ago: finished jobs are deleted, jobs
    still open or running that long are aborted first. One row per job acted on, with
    ``action`` (deleted / aborted+deleted) and ``error`` (None on success)."""
    if not isinstance(max_age_hours, int | float) or max_age_hours < 0:
        raise ConfigError(f"max_age_hours must be a non-negative number, got {max_age_hours!r}")
    now = clock()
    cutoff = now - timedelta(hours=float(max_age_hours))
    done = []
    for row in list_jobs(client, clock=clock):
        created = _parse_time(row["created_date"])
        if created is None or created > cutoff:
            continue
        done.append(_clean(client, row))
    return done


def _clean(client: JobsPort, row: dict[str, Any]) -> dict[str, Any]:
    action = "deleted"
    try:
        if row["state"] not in TERMINAL_STATES:
            client.abort_job(row["kind"], row["id"])
            action = "aborted+deleted"
        client.delete_job(row["kind"], row["id"])
    except LhtError as exc:
        log.warning("cleanup of %s job %s failed: %s", row["kind"], row["id"], exc)
        return {**row, "action": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {**row, "action": action, "error": None}
