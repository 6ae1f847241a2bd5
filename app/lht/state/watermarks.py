"""Watermarks: read a target's SYNC_STATE row; build the statement that advances it.

The advance statement is meant to run inside the executor's transaction together with the
MERGE and the run-log row, and always records the plan's upper bound (fixed when the run was
planned), never the latest row seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import Statement

__all__ = ["SyncState", "advance_watermark", "read_sync_state"]


@dataclass(frozen=True)
class SyncState:
    """One SYNC_STATE row; timestamps are naive UTC."""

    watermark_field: str | None
    watermark: datetime | None
    last_run_id: str | None
    last_success_at: datetime | None
    deletes_checked_to: datetime | None = None
    formulas_refreshed_at: datetime | None = None


def _value(row: Any, key: str) -> Any:
    data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return data.get(key)


def read_sync_state(
    runner: StatementRunner, tables: sst.StateTables, sobject: str, schema: str, table: str
) -> SyncState | None:
    """The stored state for (sobject, schema, table), or None if it never succeeded."""
    rows = runner.run(sst.read_state(tables, sobject, schema, table))
    if not rows:
        return None
    row = rows[0]
    return SyncState(
        watermark_field=_value(row, "WATERMARK_FIELD"),
        watermark=_value(row, "WATERMARK"),
        last_run_id=_value(row, "LAST_RUN_ID"),
        last_success_at=_value(row, "LAST_SUCCESS_AT"),
        deletes_checked_to=_value(row, "DELETES_CHECKED_TO"),
        formulas_refreshed_at=_value(row, "FORMULAS_REFRESHED_AT"),
    )


def advance_watermark(
    tables: sst.StateTables,
    *,
    sobject: str,
    schema: str,
    table: str,
    watermark_field: str | None,
    upper_bound: datetime | None,
    run_id: str,
    success_at: datetime,
    deletes_checked_to: datetime | None = None,
    formulas_refreshed_at: datetime | None = None,
) -> tuple[Statement, ...]:
    """The statement recording a successful run at ``upper_bound`` (one MERGE); run it
    inside the commit transaction. ``deletes_checked_to`` / ``formulas_refreshed_at`` are
    recorded when the run did those passes (None keeps the stored values)."""
    stmt = sst.upsert_state(
        tables,
        sobject=sobject,
        schema=schema,
        table=table,
        watermark_field=watermark_field,
        watermark=upper_bound,
        run_id=run_id,
        success_at=success_at,
        deletes_checked_to=deletes_checked_to,
        formulas_refreshed_at=formulas_refreshed_at,
    )
    return (stmt,)
