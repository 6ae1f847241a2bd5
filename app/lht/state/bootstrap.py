"""Ensure the LHT state tables exist (same DDL as sql/setup.sql, ``IF NOT EXISTS``)."""

from __future__ import annotations

from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner

__all__ = ["ensure_state_tables"]


def ensure_state_tables(runner: StatementRunner, tables: sst.StateTables) -> None:
    """Create SYNC_STATE, SYNC_RUNS and SYNC_LOCKS when missing (DDL: outside transactions).
    One catalog query first: when all three exist (every run after the first, and always
    after sql/setup.sql) no DDL runs."""
    builds = (sst.create_state_table, sst.create_runs_table, sst.create_locks_table)
    found = runner.run(sst.count_state_tables(tables))
    if found and int(found[0]["N"]) == len(builds):
        return
    for build in builds:
        runner.run(build(tables))
