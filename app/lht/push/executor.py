"""The push executor: validate, read, render, send, record — through the two ports.

Order of a run (nothing reaches Salesforce before every check passed):

1. classify the source text (pure), make sure the LHT push tables exist;
2. read the source's columns with a ``LIMIT 0`` probe (a missing table or a bad SELECT
   fails here, as ConfigError); describe the object; plan (column/type/key validation);
3. stream rows, render them (spec §4.6), skip unchanged ones in diff mode;
4. at most ``collections_threshold`` rows → sObject Collections, else Bulk ingest jobs split
   by size and record count (see :mod:`lht.push.jobs`);
5. one transaction stores the per-row results, the accepted rows' hashes and the run row.

Whatever is raised once the lock is held, the run is recorded: the outcomes known so far,
``unknown`` for every sent row whose answer never arrived (Salesforce may have applied it,
e.g. an insert whose answer was cut off), and a FAILED run row; then the error is raised
again. An empty source is a successful no-op: no job, one run row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from typing import Any

from lht.errors import ConfigError, LhtError, SalesforceRequestError, WarehouseError
from lht.push.bulk_send import BulkSender
from lht.push.collections_send import COLLECTION_OPERATIONS, send_collections
from lht.push.jobs import choose_method
from lht.push.options import PushRequest
from lht.push.plan import PushPlan, plan_push
from lht.push.ports import PushSalesforce, PushStore, RunWriter
from lht.push.relationships import check_parents, parent_objects
from lht.push.render import csv_line, render_row, row_hash
from lht.push.source import classify_source
from lht.push.summary import PushSummary, Tally

__all__ = ["PushRow", "push"]

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PushRow:
    """A source row ready to send: raw values, rendered cells, key and content hash (the
    hash only in diff mode)."""

    values: tuple[Any, ...]
    cells: list[str]
    key: str | None
    row_hash: str | None


def push(
    request: PushRequest,
    sf: PushSalesforce,
    store: PushStore,
    *,
    run_id: str | None = None,
    now: Callable[[], datetime] = _utcnow,
    poll: Any = None,
) -> PushSummary:
    """Run one push; returns the summary (``success`` per the documented rule)."""
    run_id = run_id or uuid.uuid4().hex
    plan = _prepare(request, sf, store)
    with store.lock(plan, run_id):
        started = now()
        tally = Tally()
        writer = store.writer(run_id, plan.sobject)
        try:
            tally.method = _execute(plan, sf, store, writer, tally, poll=poll)
        except BaseException as exc:  # the run boundary: whatever is raised, the run is recorded
            unexpected = "" if isinstance(exc, LhtError) else "unexpected "
            summary = _summary(tally, run_id, plan, f"{unexpected}{type(exc).__name__}: {exc}")
            _record_failure(store, writer, plan, _run_values(summary, plan, started, now(), sf))
            raise
        summary = _summary(tally, run_id, plan, None)
        store.commit(writer, plan, _run_values(summary, plan, started, now(), sf))
    log.info("push %s %s: %s", plan.operation, plan.sobject, summary.status)
    return summary


def _prepare(request: PushRequest, sf: PushSalesforce, store: PushStore) -> PushPlan:
    source = classify_source(request.source)
    store.ensure_tables()
    columns = store.source_columns(source)
    try:
        describe = sf.describe(request.sobject)
    except SalesforceRequestError as exc:
        if exc.status == 404 or exc.error_code in ("NOT_FOUND", "INVALID_TYPE"):
            raise ConfigError(f"Salesforce has no object {request.sobject!r}: {exc}") from exc
        raise
    plan = plan_push(request, describe, columns)
    wanted = {p.lower(): p for p in parent_objects(plan.columns, describe).values()}
    check_parents(plan.columns, describe, {k: sf.describe(v) for k, v in wanted.items()})
    return plan


def _execute(
    plan: PushPlan, sf: PushSalesforce, store: PushStore, writer: RunWriter, tally: Tally,
    *, poll: Any,
) -> str:  # fmt: skip
    rows = _prepared_rows(plan, store, writer, tally)
    threshold = plan.options.collections_threshold
    if plan.operation not in COLLECTION_OPERATIONS:
        threshold = 0
    head = list(islice(rows, threshold + 1))
    if not head:
        return "none"
    tally.method = choose_method(len(head), threshold)
    if tally.method == "collections":
        tally.rows_sent = len(head)  # on a lost answer these are the rows of unknown outcome
        results, retried = send_collections(plan, sf, [r.values for r in head],
                                            [r.key for r in head])  # fmt: skip
        tally.retried = retried
        for result in results:
            tally.add(result)
        writer.add_results(results)
        return "collections"
    BulkSender(plan, sf, writer, tally, poll).send(csv_line(r.cells) for r in chain(head, rows))
    return "bulk"


def _prepared_rows(
    plan: PushPlan, store: PushStore, writer: RunWriter, tally: Tally
) -> Iterator[PushRow]:
    names = plan.source_columns
    match_index = plan.columns.match_index
    diff = plan.options.only_changed
    salt = plan.header_line
    for values, stored_hash in store.rows(plan):
        tally.rows_read += 1
        cells = render_row(values, plan.options.clear_nulls, match_index, names)
        key = (cells[match_index] or None) if match_index is not None else None
        digest = row_hash(cells, salt) if diff else None
        if digest is not None and stored_hash == digest:
            tally.rows_unchanged += 1
            continue
        if key is not None:  # every sent key: its hash (diff mode), or a failed run's unknowns
            writer.add_sent(key, digest or "")
        yield PushRow(tuple(values), cells, key, digest)


def _summary(tally: Tally, run_id: str, plan: PushPlan, error: str | None) -> PushSummary:
    return tally.summary(
        run_id=run_id, sobject=plan.sobject, operation=plan.operation, method=tally.method,
        max_failed_rows=plan.options.max_failed_rows, error=error,
    )  # fmt: skip


def _run_values(
    s: PushSummary, plan: PushPlan, started: datetime, ended: datetime, sf: PushSalesforce
) -> dict[str, Any]:
    usage = getattr(sf, "usage", None)
    return {
        "RUN_ID": s.run_id, "SOBJECT": s.sobject, "OPERATION": s.operation,
        "SOURCE": plan.source.identity, "METHOD": s.method, "STARTED_AT": started,
        "ENDED_AT": ended, "STATUS": s.status, "SUCCESS": s.success, "ROWS_READ": s.rows_read,
        "ROWS_UNCHANGED": s.rows_unchanged, "ROWS_SENT": s.rows_sent,
        "ROWS_SUCCEEDED": s.succeeded, "ROWS_CREATED": s.created, "ROWS_FAILED": s.failed,
        "ROWS_UNPROCESSED": s.unprocessed, "ROWS_RETRIED": s.retried, "JOBS": len(s.jobs),
        "JOB_IDS": ",".join(s.jobs) or None, "API_CALLS": getattr(usage, "calls", None),
        "ERROR": s.error,
    }  # fmt: skip


def _record_failure(
    store: PushStore, writer: RunWriter, plan: PushPlan, run: dict[str, Any]
) -> None:
    """Commit the outcomes known so far (sent rows without one: ``unknown``); if even that
    fails, write the run row alone."""
    try:
        unknown = store.commit(writer, plan, run, failed=True)
        if unknown:
            log.error("push %s: %d sent row(s) have an unknown outcome", run["RUN_ID"], unknown)
    except (WarehouseError, ConfigError) as exc:
        log.error("could not record results of failed push %s: %s", run["RUN_ID"], exc)
        try:
            store.record_failed_run(run)
        except WarehouseError as again:
            log.error("could not record failed push run %s: %s", run["RUN_ID"], again)
