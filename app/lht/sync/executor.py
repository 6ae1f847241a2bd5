"""The sync executor: walk one run through the ports and return the seed's result dict.

Sequence (README "How a sync runs"): validate the target → ensure state tables → take the
target's lock → describe → plan → COUNT() estimate → choose method → extract pages to the
stage and COPY them into a TRANSIENT staging table → apply: ALTER ADD COLUMN for drift,
then ONE transaction (MERGE + watermark + run row; a full run also flags/deletes the rows
absent from Salesforce in it); a full run with no table yet or changed column types builds
a new table and renames/swaps it in first → cleanup. Any failure ends in ``success: False``
with a clear error and a failed SYNC_RUNS row; the target table and watermark stay as they
were, and every object the run created (staging table, new table, staged files) is kept and
named in the error.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from lht.errors import LhtError, SalesforceError
from lht.salesforce.describe import SObjectDescribe
from lht.salesforce.rest import COUNT_TIMEOUT_CODES
from lht.sync.extract import ExtractTotals, extract
from lht.sync.method import choose_method, method_family
from lht.sync.options import SyncRequest
from lht.sync.plan import SyncPlan, plan_sync
from lht.sync.ports import LoadCounts, RunRecord, SalesforcePort, SyncStore, Target

__all__ = ["new_run_id", "sync_sobject", "utc_now"]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The local clock (UTC): run rows, locks; the plan's fallback when Salesforce's clock is
    unknown."""
    return datetime.now(UTC)


def salesforce_now(sf: SalesforcePort, clock: Callable[[], datetime]) -> datetime:
    """The plan's ``now``: Salesforce's clock (the last response's HTTP ``Date``), since the
    window is compared with SystemModstamp, which Salesforce stamps; the local clock when no
    response carried a Date header (README "Full and incremental")."""
    server = sf.server_time()
    if server is None:
        log.info("no Date header from Salesforce; planning with the local clock")
        return clock()
    return server


def new_run_id() -> str:
    return uuid.uuid4().hex


@dataclass
class _Progress:
    """What a run got to before it failed (for the failed run row and the error text)."""

    run_id: str
    started_at: datetime
    sobject: str
    calls_before: int
    target: Target | None = None
    plan: SyncPlan | None = None
    method: str = "failed"
    estimate: int | None = None
    staging: str | None = None
    prefix: str | None = None
    totals: ExtractTotals | None = None
    state_ready: bool = False
    run_started: bool = False
    locked: bool = False
    committed: bool = False  # the apply transaction committed: the run succeeded
    counts: LoadCounts = field(default_factory=LoadCounts)


def sync_sobject(
    request: SyncRequest,
    sf: SalesforcePort,
    store: SyncStore,
    *,
    clock: Callable[[], datetime] = utc_now,
    timer: Callable[[], float] = time.monotonic,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Sync one sObject into one table. Never raises LhtError: failures are results.

    This is the run's boundary: whatever is raised (an LhtError, an unexpected exception, an
    interrupt), the run row ends FAILED with the error text and the names of what the run left
    behind, and the lock is released; an interrupt is re-raised after that."""
    started = timer()
    progress = _Progress(run_id or new_run_id(), _naive(clock()), request.sobject, sf.usage.calls)
    try:
        counts, warnings = _run(request, sf, store, clock, progress)
    except BaseException as exc:  # the one place that ends a run, whatever was raised
        if progress.committed:  # after the commit: the data is in, the run succeeded
            return _committed_anyway(request, progress, store, sf, exc, seconds=timer() - started)
        error = _fail(store, sf, progress, clock, exc)
        if not isinstance(exc, Exception):
            raise
        return _result(request, progress, seconds=timer() - started, sf=sf,
                       counts=LoadCounts(), warnings=(), error=error)  # fmt: skip
    return _result(request, progress, seconds=timer() - started, sf=sf, counts=counts,
                   warnings=warnings, error=None)  # fmt: skip


def _run(
    request: SyncRequest,
    sf: SalesforcePort,
    store: SyncStore,
    clock: Callable[[], datetime],
    progress: _Progress,
) -> tuple[LoadCounts, tuple[str, ...]]:
    target = store.target(request.schema, request.table)
    progress.target = target
    described = _describe_meanwhile(sf, request.sobject)
    store.ensure_state()
    progress.state_ready = True
    store.acquire_lock(target, progress.run_id, request.options.stale_lock_seconds)
    progress.locked = True
    store.start_run(_run_record(progress, sf, clock, "RUNNING", None))
    progress.run_started = True
    counts, warnings = _run_locked(request, sf, store, clock, progress, described=described)
    return counts, warnings + _release(store, progress)


def _release(store: SyncStore, progress: _Progress, *, ended: bool = True) -> tuple[str, ...]:
    """Release the lock; a failure here never changes the run's outcome (the lock is taken
    over once it expires). ``ended=False`` (the run row could not be ended): expire the lock
    instead, so the next run takes it over at once and ends this run's row."""
    target = progress.target
    if not progress.locked or target is None:
        return ()
    progress.locked = False
    try:
        if ended:
            store.release_lock(target, progress.run_id)
        else:
            store.abandon_lock(target, progress.run_id)
    except LhtError as exc:
        log.warning("releasing the lock of %s failed: %s", target.name, exc)
        return (f"lock release failed (taken over when it expires): {exc}",)
    return ()


def _fail(
    store: SyncStore,
    sf: SalesforcePort,
    progress: _Progress,
    clock: Callable[[], datetime],
    exc: BaseException,
) -> str:
    """End a failed run: the error text (with what the run left behind), the FAILED row,
    then the lock (released, or expired when even the FAILED row could not be written)."""
    error = _describe_error(exc, store)
    if isinstance(exc, LhtError):
        log.error("sync of %s failed: %s", progress.sobject, error)
    else:
        log.error("sync of %s failed unexpectedly: %s", progress.sobject, error, exc_info=exc)
    error, ended = _record_failure(store, sf, progress, clock, error)
    _release(store, progress, ended=ended)
    return error


def _committed_anyway(
    request: SyncRequest,
    progress: _Progress,
    store: SyncStore,
    sf: SalesforcePort,
    exc: BaseException,
    *,
    seconds: float,
) -> dict[str, Any]:
    """Something raised after the commit (cleanup, lock release): the run stays SUCCESS."""
    log.error("after committing %s: %s", progress.sobject, exc, exc_info=exc)
    warnings = (f"after the commit: {type(exc).__name__}: {exc}", *_release(store, progress))
    if not isinstance(exc, Exception):
        raise exc
    plan = progress.plan
    return _result(request, progress, seconds=seconds, sf=sf, counts=progress.counts,
                   warnings=(*(plan.warnings if plan else ()), *warnings), error=None)  # fmt: skip


def _describe_meanwhile(sf: SalesforcePort, sobject: str) -> Future[SObjectDescribe]:
    """Describe (and log in) on another thread while this one takes the lock and writes the
    run row: the Salesforce and warehouse round trips overlap instead of adding up. Its
    error, if any, is raised where the describe is used, as if it ran there."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="lht-describe")
    try:
        return pool.submit(sf.describe, sobject)
    finally:
        pool.shutdown(wait=False)


def _run_locked(
    request: SyncRequest,
    sf: SalesforcePort,
    store: SyncStore,
    clock: Callable[[], datetime],
    progress: _Progress,
    *,
    described: Future[SObjectDescribe],
) -> tuple[LoadCounts, tuple[str, ...]]:
    target = progress.target
    assert target is not None
    describe = described.result()
    progress.sobject = describe.name
    prior = store.read_state(describe.name, target)
    columns = store.table_columns(target)
    now = salesforce_now(sf, clock)
    plan = plan_sync(request, describe, prior, columns, now=now, type_of=store.column_type)
    progress.plan = plan
    opts = request.options
    progress.estimate, estimate_note = _estimate(sf, describe.name, plan)
    progress.method = choose_method(progress.estimate, plan.incremental, opts.thresholds,
                                    opts.method)  # fmt: skip
    log.info("%s → %s: %s (%s), estimate %s", describe.name, target.name, progress.method,
             plan.reason, progress.estimate)  # fmt: skip
    progress.prefix = store.stage_prefix(describe.name, progress.run_id)

    def create_staging() -> str:  # called by extract while the Salesforce side runs
        progress.staging = store.create_staging(target, progress.run_id, plan.columns)
        return progress.staging

    progress.totals = extract(method_family(progress.method), sf, store, plan,
                              prefix=progress.prefix, create_staging=create_staging,
                              estimate=progress.estimate)  # fmt: skip
    run = _run_record(progress, sf, clock, "SUCCESS", None)
    apply = store.apply_incremental if plan.incremental else store.apply_full
    counts = apply(plan, progress.totals.staging, run)
    progress.counts, progress.committed = counts, True
    return counts, plan.warnings + estimate_note + _cleanup(store, progress)


def _estimate(
    sf: SalesforcePort, sobject: str, plan: SyncPlan
) -> tuple[int | None, tuple[str, ...]]:
    """The REST COUNT() estimate, or None (and a warning) when that count timed out: the
    run goes on with the method of a large object instead of failing."""
    try:
        return sf.count(sobject, plan.count_where), ()
    except SalesforceError as exc:
        if exc.error_code not in COUNT_TIMEOUT_CODES:
            raise
        log.warning("%s: COUNT() estimate timed out (%s); extracting as a large object",
                    sobject, exc.error_code)  # fmt: skip
        return None, (f"COUNT() estimate timed out ({exc.error_code}); extracted with the Bulk "
                      "API as for a large object",)  # fmt: skip


def _cleanup(store: SyncStore, progress: _Progress) -> tuple[str, ...]:
    """After the commit a cleanup failure is a warning: the data is already in place."""
    assert progress.staging is not None and progress.prefix is not None
    try:
        store.cleanup(progress.staging, progress.prefix)
    except LhtError as exc:
        log.warning("cleanup after a successful sync failed: %s", exc)
        return (f"cleanup failed (data is committed): {exc}",)
    return ()


def _run_record(
    progress: _Progress,
    sf: SalesforcePort,
    clock: Callable[[], datetime],
    status: str,
    error: str | None,
) -> RunRecord:
    assert progress.target is not None
    plan, totals = progress.plan, progress.totals
    return RunRecord(
        run_id=progress.run_id,
        sobject=progress.sobject,
        target=progress.target,
        method=progress.method,
        started_at=progress.started_at,
        ended_at=None if status == "RUNNING" else _naive(clock()),
        status=status,
        estimated_records=progress.estimate,
        rows_extracted=totals.records if totals else 0,
        bytes_staged=totals.bytes_staged if totals else 0,
        api_calls=sf.usage.calls - progress.calls_before,
        watermark_from=plan.window_from if plan else None,
        watermark_to=plan.new_watermark if plan else None,
        error=error,
    )


def _record_failure(
    store: SyncStore,
    sf: SalesforcePort,
    progress: _Progress,
    clock: Callable[[], datetime],
    error: str,
) -> tuple[str, bool]:
    """The FAILED run row; returns (error text, whether the row was written)."""
    if progress.target is None or not progress.state_ready:
        return error, True  # bad target names or no state tables: nothing created, nothing to log
    run = _run_record(progress, sf, clock, "FAILED", error)
    try:
        store.record_failure(replace(run, watermark_to=None), progress.run_started)
    except LhtError as exc:
        log.error("could not write the failed run row: %s", exc)
        return f"{error} (and the failed run row could not be written: {exc})", False
    return error, True


def _describe_error(exc: BaseException, store: SyncStore) -> str:
    """The error text, naming every object the run left behind (staging table, rebuilt
    ``__LHT_NEW_`` table, staged files) so they can be inspected, then dropped."""
    unexpected = "" if isinstance(exc, LhtError) else "unexpected "
    text = f"{unexpected}{type(exc).__name__}: {exc}"
    kept = store.leftovers()
    if kept:
        text += f" [kept for diagnosis: {', '.join(kept)}]"
    return text


def _result(
    request: SyncRequest,
    progress: _Progress,
    *,
    seconds: float,
    sf: SalesforcePort,
    counts: LoadCounts,
    warnings: tuple[str, ...],
    error: str | None,
) -> dict[str, Any]:
    plan, totals = progress.plan, progress.totals
    ok = error is None
    watermark = plan.new_watermark if (ok and plan and plan.new_watermark) else None
    target = progress.target.name if progress.target else f"{request.schema}.{request.table}"
    return {
        "sobject": progress.sobject,
        "target_table": target,
        "sync_method": progress.method,
        "estimated_records": progress.estimate or 0,
        "actual_records": totals.records if (ok and totals) else 0,
        "sync_duration_seconds": round(seconds, 3),
        "last_modified_date": _iso(watermark),
        "sync_timestamp": _iso(progress.started_at),
        "success": ok,
        "error": error,
        "run_id": progress.run_id,
        "sync_mode": plan.mode if plan else None,
        "rows_inserted": counts.inserted,
        "rows_updated": counts.updated,
        "rows_deleted": counts.deleted,
        "bytes_staged": totals.bytes_staged if totals else 0,
        "files_staged": totals.files if totals else 0,
        "api_calls": sf.usage.calls - progress.calls_before,
        "warnings": list(warnings),
    }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo, as stored in TIMESTAMP_NTZ columns."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.replace(tzinfo=None)
