"""Extraction: Salesforce pages → gzip CSV files on the stage → the staging table.

The method families differ in where the rows come from (README "Sync methods"):

* ``regular_api`` — REST ``queryAll`` pages (2,000 records, no job to wait for), rendered
  to CSV files of ``rest_chunk_rows`` rows. Cheapest for small sets.
* ``bulk_api`` — one Bulk 2.0 ``queryAll`` job whose pages are walked by locator (one
  download at a time: small sets have one or two pages).
* ``bulk_api_stage`` — one Bulk 2.0 job whose pages are listed with ``resultPages`` and
  downloaded up to ``download_streams`` at once (the locator walk if the org lacks it).

All share one pipeline. A background thread downloads and prepares the files
(:mod:`lht.sync.stagefiles`: gzip pages staged as Salesforce sent them, or joined into
``stage_file_mb`` files), at most ``prefetch_pages`` ready files ahead. The calling thread —
the only one that ever uses the Snowpark session — PUTs each file and, whenever no further
file is ready yet, COPYs the files PUT so far into the staging table, so loading overlaps the
downloads still running. After each COPY every file's loaded-row count must equal the records
Salesforce reported for it: a truncated or malformed page never becomes a silent partial load.
The apply (one MERGE transaction) follows in the executor.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from lht.errors import SalesforceError
from lht.sync.pages import rest_chunks
from lht.sync.plan import SyncPlan
from lht.sync.ports import SalesforcePort, SyncStore
from lht.sync.stagefiles import StagedFile, part_name, stage_files, staged_bytes

__all__ = ["MIN_PAGE", "ExtractTotals", "extract", "page_size"]

log = logging.getLogger(__name__)
_DONE = object()
MIN_PAGE = 10_000
_ABANDON_AFTER = 5.0  # seconds a failed run waits for the extraction thread to stop


@dataclass(frozen=True)
class ExtractTotals:
    staging: str
    files: int
    records: int
    bytes_staged: int
    loaded: int
    copies: int = 0


def extract(
    family: str,
    sf: SalesforcePort,
    store: SyncStore,
    plan: SyncPlan,
    *,
    prefix: str,
    create_staging: Callable[[], str],
    estimate: int | None = 0,
) -> ExtractTotals:
    """Run the ``family`` strategy into a staging table made by ``create_staging`` (called
    while the Salesforce side runs: job, polls, first page); returns what was staged."""
    if family == "regular_api":
        files = _rest_files(sf, plan)
    elif family in ("bulk_api", "bulk_api_stage"):
        opts = plan.request.options
        streams = opts.download_streams if family == "bulk_api_stage" else 1
        files = _bulk_files(sf, plan, streams, page_size(opts.max_records, estimate, streams))
    else:
        raise ValueError(f"unknown method family {family!r}")
    return _load(store, files, plan, prefix, create_staging)


def page_size(max_records: int | None, estimate: int | None, streams: int) -> int | None:
    """Rows per result page: ``max_records``, but small enough that ``streams`` pages can
    download at once (never below :data:`MIN_PAGE` rows: each page is an API call and a PUT).
    An unknown estimate (the COUNT() timed out: a large object) keeps ``max_records``."""
    if max_records is None or streams <= 1 or estimate is None:
        return max_records
    return min(max_records, max(MIN_PAGE, -(-estimate // streams)))


def _bulk_files(
    sf: SalesforcePort, plan: SyncPlan, streams: int, page: int | None
) -> Iterator[StagedFile]:
    """Runs in the extraction thread: create and poll the job, stage its pages, then delete
    the job (after the last page, while the calling thread still loads)."""
    opts = plan.request.options
    job = sf.bulk_query(plan.soql, include_deleted=True, max_records=page,
                        poll_timeout=opts.poll_timeout_seconds)  # fmt: skip
    columns = [f.name for f in plan.fields]
    pages = job.download(streams=streams)
    yield from stage_files(pages, columns, f"Bulk job {job.id}", opts.stage_file_mb * 1_000_000)
    job.delete()


def _rest_files(sf: SalesforcePort, plan: SyncPlan) -> Iterator[StagedFile]:
    names = [f.name for f in plan.fields]
    records = sf.query_records(plan.soql, include_deleted=True)
    chunks = rest_chunks(records, names, plan.request.options.rest_chunk_rows)
    for number, chunk in enumerate(chunks, start=1):
        yield staged_bytes(part_name(number), chunk.raw, chunk.records)


class _Batch:
    """Files PUT under ``<prefix>b<NNNN>/`` since the last COPY (COPY takes prefixes)."""

    def __init__(self, prefix: str, number: int = 1) -> None:
        self.number = number
        self.folder = f"b{number:04d}"
        self.path = f"{prefix}{self.folder}/"
        self.expected: dict[str, int] = {}


@dataclass
class _Tally:
    files: int = 0
    records: int = 0
    size: int = 0
    loaded: int = 0
    copies: int = 0


def _load(
    store: SyncStore,
    files: Iterator[StagedFile],
    plan: SyncPlan,
    prefix: str,
    create_staging: Callable[[], str],
) -> ExtractTotals:
    sobject = plan.request.sobject
    tally, batch = _Tally(), _Batch(prefix)
    with _Prefetched(files, plan.request.options.prefetch_pages) as ready:
        staging = create_staging()  # while the extraction thread waits for Salesforce
        for staged in ready:
            try:
                store.put_file(prefix, f"{batch.folder}/{staged.name}", staged.body)
            finally:
                staged.close()
            batch.expected[staged.name] = staged.records
            tally.files, tally.records = tally.files + 1, tally.records + staged.records
            tally.size += staged.size
            if not ready.waiting():  # nothing else is ready: load now, downloads go on
                tally.loaded += _copy(store, staging, batch, sobject, prefix)
                tally.copies += 1
                batch = _Batch(prefix, batch.number + 1)
    if batch.expected:
        tally.loaded += _copy(store, staging, batch, sobject, prefix)
        tally.copies += 1
    log.info(
        "%s: staged %d files, %d records, %d bytes", sobject, tally.files, tally.records, tally.size
    )  # fmt: skip  (the CLI's progress bars read this record)
    log.debug("%s: %d COPY statement(s)", sobject, tally.copies)
    return ExtractTotals(staging, tally.files, tally.records, tally.size, tally.loaded,
                         tally.copies)  # fmt: skip


def _copy(store: SyncStore, staging: str, batch: _Batch, sobject: str, prefix: str) -> int:
    """COPY one batch; every file must load exactly the records Salesforce reported."""
    loaded = store.copy_staging(staging, batch.path)
    for name in sorted(set(batch.expected) | set(loaded)):
        got, expected = loaded.get(name, 0), batch.expected.get(name, 0)
        if got != expected:
            raise SalesforceError(
                f"{sobject}: COPY loaded {got} rows from {batch.path}{name} but Salesforce "
                f"reported {expected} records for it (truncated or malformed page); staged "
                f"files kept at {prefix}"
            )
    return sum(loaded.values())


class _Prefetched:
    """Runs ``files`` (HTTP downloads, file preparation) in a worker thread, at most
    ``ahead`` ready files in advance; iterating yields them on the calling thread."""

    def __init__(self, files: Iterator[StagedFile], ahead: int) -> None:
        self._files = files
        self._slots: queue.Queue[Any] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._produce, name="lht-extract", daemon=True)

    def __enter__(self) -> _Prefetched:
        self._worker.start()
        return self

    def _produce(self) -> None:
        try:
            for item in self._files:
                if self._stop.is_set():
                    item.close()
                    return
                self._slots.put(item)
            self._slots.put(_DONE)
        except Exception as exc:  # thread boundary: hand it to the consumer, which re-raises
            self._slots.put(exc)
        finally:
            close = getattr(self._files, "close", None)
            if close is not None:
                close()  # stops the downloads of an abandoned run (generator cleanup)

    def __iter__(self) -> Iterator[StagedFile]:
        while (item := self._slots.get()) is not _DONE:
            if isinstance(item, Exception):
                raise item
            yield item

    def waiting(self) -> int:
        """Ready files (or the end marker) waiting to be taken."""
        return self._slots.qsize()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        # A failed run does not wait for a producer still polling a job or downloading: it
        # stops at its next file (and drops it); the thread is a daemon.
        patience = _ABANDON_AFTER if exc_type is not None else float("inf")
        deadline = time.monotonic() + patience
        while self._worker.is_alive() and time.monotonic() < deadline:
            try:  # unblock a producer waiting on a full queue
                item = self._slots.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(item, StagedFile):
                item.close()
