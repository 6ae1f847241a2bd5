"""Extraction strategies: Salesforce pages → gzip CSV files on the stage → staging table.

Each method family really differs in how it moves data (README "Sync methods"):

* ``regular_api`` — REST ``queryAll`` pages (2,000 records, no job to wait for), rendered to
  CSV in chunks; one COPY of the run prefix at the end. Cheapest for small sets.
* ``bulk_api`` — one Bulk 2.0 ``queryAll`` job; each result page is checked, compressed,
  uploaded and COPY'd before the next page is requested (one page in memory).
* ``bulk_api_stage`` — one Bulk 2.0 job; a background thread downloads (HTTP) and compresses
  the next pages while the main thread uploads (the Snowpark session is only ever used from
  the calling thread), bounded by ``prefetch_pages``; one COPY of the whole prefix at the end.
  Bulk 2.0 locators are sequential, so parallelism is this download/upload pipeline.

Every strategy checks rows loaded by COPY against the records Salesforce reported, so a
truncated page can never become a silent partial load.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lht.errors import SalesforceError
from lht.sync.pages import check_header, gzip_bytes, rest_chunks
from lht.sync.plan import SyncPlan
from lht.sync.ports import SalesforcePort, SyncStore

__all__ = ["ExtractTotals", "extract"]

log = logging.getLogger(__name__)
_DONE = object()


@dataclass(frozen=True)
class ExtractTotals:
    files: int
    records: int
    bytes_staged: int
    loaded: int


@dataclass(frozen=True)
class _Staged:
    name: str
    gz: bytes
    records: int


def extract(
    family: str, sf: SalesforcePort, store: SyncStore, plan: SyncPlan, *, staging: str, prefix: str
) -> ExtractTotals:
    """Run the ``family`` strategy; returns what was staged and loaded into ``staging``."""
    if family == "regular_api":
        totals = _load_all(store, _rest_files(sf, plan), staging, prefix)
    elif family == "bulk_api":
        totals = _bulk_sequential(sf, store, plan, staging, prefix)
    elif family == "bulk_api_stage":
        totals = _bulk_pipelined(sf, store, plan, staging, prefix)
    else:
        raise ValueError(f"unknown method family {family!r}")
    if totals.loaded != totals.records:
        raise SalesforceError(
            f"{plan.request.sobject}: COPY loaded {totals.loaded} rows but Salesforce reported "
            f"{totals.records} records (truncated or malformed page); staged files kept at "
            f"{prefix}"
        )
    log.info(
        "%s: staged %d files, %d records, %d bytes",
        plan.request.sobject,
        totals.files,
        totals.records,
        totals.bytes_staged,
    )
    return totals


def _part(number: int) -> str:
    return f"part-{number:05d}.csv.gz"


def _rest_files(sf: SalesforcePort, plan: SyncPlan) -> Iterator[_Staged]:
    names = [f.name for f in plan.fields]
    records = sf.query_records(plan.soql, include_deleted=True)
    for number, chunk in enumerate(
        rest_chunks(records, names, plan.request.options.rest_chunk_rows), start=1
    ):
        yield _Staged(_part(number), gzip_bytes(chunk.raw), chunk.records)


def _bulk_files(job: Any, plan: SyncPlan) -> Iterator[_Staged]:
    names = [f.name for f in plan.fields]
    number = 0
    for page in job.pages():
        if page.records == 0:
            continue
        number += 1
        check_header(page.raw, names, f"Bulk job {job.id} page {number}")
        staged = _Staged(_part(number), gzip_bytes(page.raw), page.records)
        del page  # the raw page is not held while the consumer uploads
        yield staged


def _start_job(sf: SalesforcePort, plan: SyncPlan) -> Any:
    opts = plan.request.options
    return sf.bulk_query(
        plan.soql,
        include_deleted=True,
        max_records=opts.max_records,
        poll_timeout=opts.poll_timeout_seconds,
    )


def _load_all(
    store: SyncStore, files: Iterator[_Staged], staging: str, prefix: str
) -> ExtractTotals:
    count = records = size = 0
    for staged in files:
        store.put_file(prefix, staged.name, staged.gz)
        count, records, size = count + 1, records + staged.records, size + len(staged.gz)
    loaded = store.copy_staging(staging, prefix) if count else 0
    return ExtractTotals(count, records, size, loaded)


def _bulk_sequential(
    sf: SalesforcePort, store: SyncStore, plan: SyncPlan, staging: str, prefix: str
) -> ExtractTotals:
    job = _start_job(sf, plan)
    count = records = size = loaded = 0
    for staged in _bulk_files(job, plan):
        page_prefix = f"{prefix}{staged.name.split('.')[0]}/"  # COPY takes prefixes, not files
        store.put_file(page_prefix, staged.name, staged.gz)
        loaded += store.copy_staging(staging, page_prefix)
        count, records, size = count + 1, records + staged.records, size + len(staged.gz)
    job.delete()
    return ExtractTotals(count, records, size, loaded)


def _bulk_pipelined(
    sf: SalesforcePort, store: SyncStore, plan: SyncPlan, staging: str, prefix: str
) -> ExtractTotals:
    job = _start_job(sf, plan)
    totals = _load_all(store, _prefetched(_bulk_files(job, plan), plan), staging, prefix)
    job.delete()
    return totals


def _prefetched(files: Iterator[_Staged], plan: SyncPlan) -> Iterator[_Staged]:
    """Run ``files`` (HTTP download + gzip) in a worker thread, ``prefetch_pages`` ahead."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=plan.request.options.prefetch_pages)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in files:
                if stop.is_set():
                    return
                slots.put(item)
            slots.put(_DONE)
        except Exception as exc:  # thread boundary: hand it to the consumer, which re-raises
            slots.put(exc)

    worker = threading.Thread(target=produce, name="lht-bulk-download", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not _DONE:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get(timeout=0.05)
            except queue.Empty:
                continue
        worker.join()
