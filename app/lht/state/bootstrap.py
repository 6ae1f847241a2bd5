"""Ensure the LHT state tables exist (same DDL as sql/setup.sql, ``IF NOT EXISTS``)."""

from __future__ import annotations

from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner

__all__ = ["ensure_state_tables"]


def ensure_state_tables(runner: StatementRunner, tables: sst.StateTables) -> None:
    """Create SYNC_STATE, SYNC_RUNS and SYNC_LOCKS when missing (DDL: outside transactions)."""
    for build in (sst.create_state_table, sst.create_runs_table, sst.create_locks_table):
        runner.run(build(tables))
