"""Bulk ingest processing: parse the upload, write each row through the org, keep result files.

Rows are written with the org's write API, so later queries (REST or Bulk) see them, and the org's
record-level rules (required fields, injected UNABLE_TO_LOCK_ROW ...) fail single rows without
failing the job. Job-level problems (header, line ending, batch allowance) end the job ``Failed``
with an ``errorMessage`` and leave the rows in ``unprocessedrecords``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.bulk import jobs
from emulator.bulk.csvfmt import (
    NUMBER_TYPES,
    CsvDialect,
    IngestCsvError,
    IngestTable,
    java_double,
    parse_ingest_csv,
    quote_cell,
)
from emulator.bulk.ingest_rows import Column, RowFailure, map_columns, row_values

log = logging.getLogger(__name__)

BATCH_ROWS = 10_000
WriteRow = Callable[
    [jobs.BulkJob, dict[str, Any], tuple[tuple[Column, str], ...]], tuple[str, bool]
]


@dataclass
class IngestWork:
    """Ingest specifics: uploaded bytes, parsed table and the three result files (as lines)."""

    dialect: CsvDialect
    upload: bytes | None = None
    table: IngestTable | None = None
    successes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    processed_rows: int = 0
    started: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)
    error: str | None = None

    def release(self) -> None:
        """Job deleted or expired: stop processing at the next row."""
        self.cancelled.set()


def _normalized(column: Column | None, text: str) -> str:
    if column is None or column.is_lookup or column.field.type not in NUMBER_TYPES:
        return text
    try:
        return java_double(float(text))
    except ValueError:
        return text


def _echo(columns: tuple[Column, ...] | None, cells: tuple[str, ...], delimiter: str) -> str:
    """Original cells, quoted; numbers re-rendered the way Salesforce stored them."""
    out = []
    for position, text in enumerate(cells):
        column = columns[position] if columns and position < len(columns) else None
        out.append(quote_cell(_normalized(column, text)))
    return delimiter.join(out)


def result_header(work: IngestWork, first: str, second: str) -> str:
    delimiter = work.dialect.delimiter
    echoed = f"{delimiter}{work.table.header_line}" if work.table else ""
    return f'"{first}"{delimiter}"{second}"{echoed}{work.dialect.newline}'


def _success_line(work: IngestWork, cols: Any, record_id: str, created: bool, cells: Any) -> str:
    d = work.dialect.delimiter
    flag = "true" if created else "false"
    return f'"{record_id}"{d}"{flag}"{d}{_echo(cols, cells, d)}{work.dialect.newline}'


def _failure_line(work: IngestWork, cols: Any, record_id: str, error: str, cells: Any) -> str:
    d = work.dialect.delimiter
    echoed = _echo(cols, cells, d)
    return f"{quote_cell(record_id)}{d}{quote_cell(error)}{d}{echoed}{work.dialect.newline}"


def batches_for(rows: int) -> int:
    """DailyBulkApiBatches charge: one parent batch plus one per 10,000 records (spec §4.7)."""
    return 1 + math.ceil(rows / BATCH_ROWS)


def _row_id(job: jobs.BulkJob, columns: tuple[Column, ...], cells: tuple[str, ...]) -> str:
    if job.operation in ("update", "delete", "hardDelete") or (
        job.operation == "upsert" and (job.external_id_field or "").lower() == "id"
    ):
        for column, text in zip(columns, cells, strict=False):
            if column.field.name == "Id":
                return text
    return ""


def process(job: jobs.BulkJob, schema: Any, limits: Any, write_row: WriteRow) -> None:
    """Run the whole job (called in a worker thread); sets the final state fields on ``job``."""
    work: IngestWork = job.payload
    started = time.monotonic()
    try:
        _process_rows(job, work, schema, limits, write_row)
    except IngestCsvError as exc:
        work.error = exc.message
    finally:
        job.processing_ms = int((time.monotonic() - started) * 1000)
        work.done.set()


def _process_rows(
    job: jobs.BulkJob, work: IngestWork, schema: Any, limits: Any, write_row: WriteRow
) -> None:
    work.table = parse_ingest_csv(work.upload or b"", work.dialect)
    obj = schema.get(job.object)
    columns = map_columns(schema, obj, work.table.header, job.operation)
    needed = batches_for(len(work.table.rows))
    if limits.exhausted("DailyBulkApiBatches", needed):
        raise IngestCsvError(
            f"Exceeded max batches per 24 hours ({limits.max('DailyBulkApiBatches')}): "
            "the remaining data was not processed"
        )
    limits.charge("DailyBulkApiBatches", needed)
    for cells in work.table.rows:
        if work.cancelled.is_set():
            return
        _process_row(job, work, columns, cells, write_row)
        work.processed_rows += 1


def _process_row(
    job: jobs.BulkJob,
    work: IngestWork,
    columns: tuple[Column, ...],
    cells: tuple[str, ...],
    write_row: WriteRow,
) -> None:
    record_id = _row_id(job, columns, cells)
    try:
        row = row_values(columns, cells)
        new_id, created = write_row(job, row.values, row.lookups)
    except RowFailure as failure:
        job.records_failed += 1
        work.failures.append(_failure_line(work, columns, record_id, failure.sf_error(), cells))
    else:
        work.successes.append(_success_line(work, columns, new_id, created, cells))
    job.records_processed += 1


def unprocessed_body(work: IngestWork) -> str:
    """Header as uploaded plus every row the job never reached (all of them before processing)."""
    table = work.table
    if table is None:
        if work.upload is None:
            return ""
        try:
            table = parse_ingest_csv(work.upload, work.dialect)
        except IngestCsvError:
            return work.upload.decode("utf-8", errors="replace")
    newline = work.dialect.newline
    rows = table.rows[work.processed_rows :]
    lines = [table.header_line + newline]
    lines.extend(_echo(None, cells, work.dialect.delimiter) + newline for cells in rows)
    return "".join(lines)


def start(job: jobs.BulkJob, run: Callable[[], None]) -> None:
    """Start processing in a daemon thread once (the first poll after the timing knobs)."""
    work: IngestWork = job.payload
    if work.started:
        return
    work.started = True
    threading.Thread(target=run, name=f"bulk-ingest-{job.id}", daemon=True).start()
