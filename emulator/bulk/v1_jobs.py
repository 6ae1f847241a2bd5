"""Bulk API 1.0 jobs and batches: model, views, the batch state machine and PK chunking.

Job states Open → Closed | Aborted (Bulk API Developer Guide "JobInfo"); batch states Queued →
InProgress → Completed | Failed, and NotProcessed for the batch PK chunking replaced and for the
queued batches of an aborted job ("BatchInfo"). A batch advances one step per look (GET of the
batch or the batch list), spending the Bulk 2.0 timing knobs first (`bulk.polls_upload_complete`
looks Queued, `bulk.polls_in_progress` looks InProgress); `Serial` jobs start a batch only once the
ones before it finished. `bulk.force_fail_message` fails finishing batches with that message, and
jobs expire after `bulk.job_retention_days` like Bulk 2.0 jobs.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from emulator.bulk import jobs as v2
from emulator.bulk.v1_format import NOT_PROCESSED, AsyncApiError, batch_state_text
from emulator.core.ids import make_id
from emulator.core.options import register_option

QUEUED, IN_PROGRESS, COMPLETED, FAILED = "Queued", "InProgress", "Completed", "Failed"
OPEN, CLOSED, ABORTED = "Open", "Closed", "Aborted"
BATCH_DONE = frozenset({COMPLETED, FAILED, NOT_PROCESSED})
DML = ("insert", "update", "upsert", "delete", "hardDelete")
QUERIES = ("query", "queryAll")
CONTENT_TYPES = ("CSV", "JSON", "XML")
PK_DEFAULT, PK_MAX = 100_000, 250_000  # "PK Chunking Header": default and largest chunkSize
MAX_BATCH_RECORDS = register_option(
    "bulk.v1_max_batch_records",
    10_000,
    "Bulk 1.0: records per ingest batch (more → the batch fails; the documented limit).",
)
_NUMBERS = itertools.count(1)


@dataclass
class Batch:
    id: str
    job_id: str
    created_date: datetime
    request: bytes
    state: str = QUEUED
    state_message: str | None = None
    system_modstamp: datetime | None = None
    records_processed: int = 0
    records_failed: int = 0
    processing_ms: int = 0
    polls_queued: int = 0
    polls_in_progress: int = 0
    id_range: tuple[int, int | None] | None = None  # PK chunk: [first row index, next chunk's)
    pk_original: bool = False  # the query batch PK chunking replaced (ends NotProcessed)
    results: list[Any] = field(default_factory=list)  # query: result ids; DML: row results
    done: threading.Event = field(default_factory=threading.Event)
    error: str | None = None

    def info(self, as_json: bool) -> list[tuple[str, Any]]:
        return [
            ("id", self.id),
            ("jobId", self.job_id),
            ("state", batch_state_text(self.state, as_json)),
            ("stateMessage", self.state_message),
            ("createdDate", self.created_date),
            ("systemModstamp", self.system_modstamp or self.created_date),
            ("numberRecordsProcessed", self.records_processed),
            ("numberRecordsFailed", self.records_failed),
            ("totalProcessingTime", self.processing_ms),
            ("apiActiveProcessingTime", self.processing_ms),
            ("apexProcessingTime", 0),
        ]


@dataclass
class Job:
    id: str
    operation: str
    object: str
    content_type: str
    concurrency_mode: str
    created_by_id: str
    created_date: datetime
    api_version: float
    external_id_field: str | None = None
    state: str = OPEN
    system_modstamp: datetime | None = None
    pk_chunk_size: int | None = None
    batches: list[Batch] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def is_query(self) -> bool:
        return self.operation in QUERIES

    def info(self) -> list[tuple[str, Any]]:
        states = [b.state for b in self.batches]
        return [
            ("id", self.id),
            ("operation", self.operation),
            ("object", self.object),
            ("createdById", self.created_by_id),
            ("createdDate", self.created_date),
            ("systemModstamp", self.system_modstamp or self.created_date),
            ("state", self.state),
            ("externalIdFieldName", self.external_id_field),
            ("concurrencyMode", self.concurrency_mode),
            ("contentType", self.content_type),
            ("numberBatchesQueued", states.count(QUEUED)),
            ("numberBatchesInProgress", states.count(IN_PROGRESS)),
            ("numberBatchesCompleted", states.count(COMPLETED)),
            ("numberBatchesFailed", states.count(FAILED)),
            ("numberBatchesTotal", len(states)),
            ("numberRecordsProcessed", sum(b.records_processed for b in self.batches)),
            ("numberRetries", 0),
            ("apiVersion", self.api_version),
            ("numberRecordsFailed", sum(b.records_failed for b in self.batches)),
            ("totalProcessingTime", sum(b.processing_ms for b in self.batches)),
            ("apiActiveProcessingTime", sum(b.processing_ms for b in self.batches)),
            ("apexProcessingTime", 0),
        ]

    def batch(self, batch_id: str) -> Batch:
        for batch in self.batches:
            if batch.id == batch_id or batch.id[:15] == batch_id[:15]:
                return batch
        raise AsyncApiError("InvalidBatch", f"Unable to find batch for id: {batch_id}")


def new_id(prefix: str) -> str:
    return make_id(prefix, next(_NUMBERS))


def store(org: Any) -> dict[str, Any]:
    """`org.jobs` (shared with Bulk 2.0, so a reset drops them) after expiring old jobs."""
    cutoff = org.clock.now() - timedelta(days=float(org.options.get(v2.RETENTION_DAYS.name)))
    for key, job in list(org.jobs.items()):
        if isinstance(job, Job) and job.state != OPEN and (job.system_modstamp or cutoff) < cutoff:
            org.jobs.pop(key, None)
            for batch in job.batches:  # query result files go with the job
                for result in batch.results:
                    path = getattr(result, "path", None)
                    if path is not None:
                        path.unlink(missing_ok=True)
    return dict(org.jobs)


def find(org: Any, job_id: str) -> Job:
    job = store(org).get(job_id)
    if job is None and len(job_id) == 15:
        job = next((j for k, j in store(org).items() if k[:15] == job_id), None)
    if not isinstance(job, Job):
        raise AsyncApiError("InvalidJob", f"Unable to find job for id: {job_id}")
    return job


def pk_chunk_size(header: str | None) -> int | None:
    """`Sforce-Enable-PKChunking: true | chunkSize=N | true; chunkSize=N; parent=X` → N."""
    if header is None or header.strip().lower() in ("", "false"):
        return None
    size = PK_DEFAULT
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "chunksize":
            if not value.strip().isdigit() or not 0 < int(value) <= PK_MAX:
                raise AsyncApiError(
                    "InvalidJob", f"Invalid chunkSize {value.strip()}: the maximum is {PK_MAX}"
                )
            size = int(value)
    return size


def chunk_ranges(indices: list[int], size: int) -> list[tuple[int, int | None]]:
    """Id ranges of PK chunks: every `size` rows in Id order, the last one open-ended."""
    starts = indices[::size] or [0]
    return [
        (start, starts[n + 1] if n + 1 < len(starts) else None) for n, start in enumerate(starts)
    ]


def _may_start(job: Job, batch: Batch) -> bool:
    if job.concurrency_mode != "Serial":
        return True
    earlier = job.batches[: job.batches.index(batch)]
    return all(b.state in BATCH_DONE for b in earlier)


def _step(job: Job, batch: Batch, start: Callable[[Batch], None], now: datetime) -> bool:
    """Move a Queued/InProgress batch on by one look; True when it may now finish."""
    if batch.state == QUEUED and batch.pk_original:
        batch.state, batch.system_modstamp = NOT_PROCESSED, now
    if batch.state == QUEUED:
        if batch.polls_queued > 0:
            batch.polls_queued -= 1
            return False
        if not _may_start(job, batch):
            return False
        batch.state, batch.system_modstamp = IN_PROGRESS, now
        start(batch)
    if batch.state != IN_PROGRESS:
        return False
    if batch.polls_in_progress > 0:
        batch.polls_in_progress -= 1
        return False
    return True


def advance(org: Any, job: Job, batch: Batch, start: Callable[[Batch], None], wait: float) -> None:
    """One look at a batch: spend a timing poll, start its work, or finish it."""
    now = org.clock.now()
    with job.lock:
        if not _step(job, batch, start, now):
            return
    if not batch.done.wait(wait):
        return
    with job.lock:
        if batch.state != IN_PROGRESS:
            return
        forced = str(org.options.get(v2.FORCE_FAIL.name))
        batch.state = FAILED if (batch.error or forced) else COMPLETED
        batch.state_message = batch.error or forced or None
        batch.system_modstamp = now


def abort(job: Job, now: datetime) -> None:
    """Aborted: batches that had not started are never processed."""
    with job.lock:
        job.state, job.system_modstamp = ABORTED, now
        for batch in job.batches:
            if batch.state == QUEUED:
                batch.state, batch.system_modstamp = NOT_PROCESSED, now
