"""The runtime's state-table DDL and sql/setup.sql's state section must define the same
columns with the same types (whichever runs first creates the tables)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from lht.warehouse import state_statements as sst

SETUP = Path(__file__).resolve().parents[3] / "sql" / "setup.sql"
T = sst.StateTables()


def _columns(create_sql: str) -> list[tuple[str, str]]:
    tree = sqlglot.parse_one(create_sql, read="snowflake")
    defs = tree.find_all(exp.ColumnDef)
    return [(d.name.upper(), d.args["kind"].sql("snowflake").upper()) for d in defs]


def _setup_statement(table: str) -> str:
    text = re.sub(r"<%\s*\w+\s*%>", "DB", SETUP.read_text())
    for statement in text.split(";"):
        body = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
        if re.search(rf"CREATE TABLE IF NOT EXISTS DB\.LHT\.{table}\s*\(", body):
            return body
    raise AssertionError(f"{table} not in sql/setup.sql")


@pytest.mark.parametrize(
    ("table", "build"),
    [
        ("SYNC_STATE", sst.create_state_table),
        ("SYNC_RUNS", sst.create_runs_table),
        ("SYNC_LOCKS", sst.create_locks_table),
    ],
)
def test_state_table_ddl_matches_setup_sql(table: str, build: object) -> None:
    if not SETUP.exists():
        pytest.skip("sql/setup.sql not present")
    runtime = _columns(build(T).text)  # type: ignore[operator]
    assert runtime == _columns(_setup_statement(table))
    assert runtime[0][0] in {"SOBJECT", "RUN_ID", "TARGET"}
