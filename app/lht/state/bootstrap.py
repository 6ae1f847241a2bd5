"""Ensure the LHT state tables exist in their current layout (same DDL as sql/setup.sql,
``IF NOT EXISTS``), migrating installs made before a column existed."""

from __future__ import annotations

import logging

from lht.errors import ConfigError
from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner

__all__ = ["ensure_state_tables", "refuse_state_schema"]

log = logging.getLogger(__name__)


def refuse_state_schema(schema: str, state_schema: str, what: str = "sync target") -> None:
    """LHT's own schema (state tables, run log, locks, stages, push results) is never a place
    to write user data: refuse it before anything is created (``schema`` already validated).
    Syncing into it would add an object's columns to e.g. SYNC_RUNS and merge rows into it."""
    if schema.upper() == state_schema.upper():
        raise ConfigError(
            f"{schema.upper()} is LHT's own schema (its state tables, run log, locks and "
            f"stages); it cannot be a {what}: use another schema, e.g. RAW"
        )


def ensure_state_tables(runner: StatementRunner, tables: sst.StateTables) -> None:
    """Create SYNC_STATE, SYNC_RUNS and SYNC_LOCKS when missing and add the columns an older
    install lacks (DDL: outside transactions). One catalog query first: when every table has
    every column (every run after the first, and always after sql/setup.sql) no DDL runs."""
    found: dict[str, set[str]] = {}
    for row in runner.run(sst.state_columns(tables)):
        data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
        found.setdefault(str(data["TABLE_NAME"]).upper(), set()).add(
            str(data["COLUMN_NAME"]).upper()
        )
    builds = {
        tables.state.table: sst.create_state_table,
        tables.runs.table: sst.create_runs_table,
        tables.locks.table: sst.create_locks_table,
    }
    for table, columns in sst.expected_columns(tables).items():
        have = found.get(table)
        if have is None:
            runner.run(builds[table](tables))
            continue
        for column in columns:
            if column not in have:
                log.info("migrating %s.%s: adding column %s", tables.schema, table, column)
                runner.run(sst.add_state_column(tables, table, column))
