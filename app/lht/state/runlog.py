"""Run-log rows (LHT.SYNC_RUNS): a RUNNING row at start, then SUCCESS (inside the commit
transaction) or FAILED (a separate statement after ROLLBACK).

Error texts are truncated to fit the column comfortably and must already be free of
secrets and row contents (LhtError messages are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from lht.warehouse import state_statements as sst
from lht.warehouse.statements import Statement

__all__ = [
    "MAX_ERROR_CHARS",
    "RunCounts",
    "RunStart",
    "failed_run",
    "start_run",
    "successful_run",
]

MAX_ERROR_CHARS = 4000
RunStatus = Literal["RUNNING", "SUCCESS", "FAILED"]


@dataclass(frozen=True)
class RunStart:
    run_id: str
    sobject: str
    target_schema: str
    target_table: str
    sync_method: str
    started_at: datetime
    estimated_records: int | None = None
    watermark_from: datetime | None = None
    watermark_to: datetime | None = None


@dataclass(frozen=True)
class RunCounts:
    rows_extracted: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    bytes_staged: int = 0
    api_calls: int = 0


def _counts(counts: RunCounts) -> dict[str, Any]:
    return {
        "ROWS_EXTRACTED": counts.rows_extracted,
        "ROWS_INSERTED": counts.rows_inserted,
        "ROWS_UPDATED": counts.rows_updated,
        "ROWS_DELETED": counts.rows_deleted,
        "BYTES_STAGED": counts.bytes_staged,
        "API_CALLS": counts.api_calls,
    }


def start_run(tables: sst.StateTables, run: RunStart) -> Statement:
    """INSERT the RUNNING row when a run starts."""
    return sst.insert_run(
        tables,
        {
            "RUN_ID": run.run_id,
            "SOBJECT": run.sobject,
            "TARGET_SCHEMA": run.target_schema,
            "TARGET_TABLE": run.target_table,
            "SYNC_METHOD": run.sync_method,
            "STARTED_AT": run.started_at,
            "STATUS": "RUNNING",
            "ESTIMATED_RECORDS": run.estimated_records,
            "WATERMARK_FROM": run.watermark_from,
            "WATERMARK_TO": run.watermark_to,
        },
    )


def successful_run(
    tables: sst.StateTables, run_id: str, ended_at: datetime, counts: RunCounts
) -> Statement:
    """UPDATE the run row to SUCCESS (run it inside the commit transaction)."""
    values = {"STATUS": "SUCCESS", "ENDED_AT": ended_at, "ERROR": None, **_counts(counts)}
    return sst.update_run(tables, run_id, values)


def failed_run(
    tables: sst.StateTables,
    run_id: str,
    ended_at: datetime,
    error: str,
    counts: RunCounts | None = None,
) -> Statement:
    """UPDATE the run row to FAILED with the (truncated) error, after ROLLBACK."""
    text = error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"
    values: dict[str, Any] = {"STATUS": "FAILED", "ENDED_AT": ended_at, "ERROR": text}
    if counts is not None:
        values |= _counts(counts)
    return sst.update_run(tables, run_id, values)
