"""Push SQL builders: parse with sqlglot's Snowflake dialect and compare with snapshots.

Regenerate snapshots with ``LHT_UPDATE_SNAPSHOTS=1 pytest tests/unit/push``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lht.errors import ConfigError
from lht.warehouse import push_statements as ps
from lht.warehouse.identifiers import TableName
from lht.warehouse.statements import Statement
from tests.sql_checks import SNAPSHOTS as SNAPSHOT_ROOT
from tests.sql_checks import assert_parses_as_snowflake, assert_snapshot

SNAPSHOTS = SNAPSHOT_ROOT / "push"
T = ps.PushTables()
NOW = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
RESULTS_STG = TableName.of("LHT", "PUSH_RESULTS__LHT_STG_RUN1")
SENT_STG = TableName.of("LHT", "PUSH_SENT__LHT_STG_RUN1")
SRC = ps.source_relation("table", ("ANALYTICS", "CONTACTS_OUT"))


def statements() -> dict[str, Statement]:
    query = ps.source_relation("query", query="SELECT id, name FROM t -- note")
    return {
        "create_runs": ps.create_runs_table(T),
        "create_results": ps.create_results_table(T),
        "create_hashes": ps.create_hashes_table(T),
        "probe_table": ps.probe_source(SRC),
        "probe_query": ps.probe_source(query),
        "read_plain": ps.read_source(SRC),
        "read_ordered": ps.read_source(SRC, order_by="ACCOUNTID"),
        "read_diff": ps.read_source(
            SRC, order_by="ACCOUNTID", diff=(T, "ANALYTICS.CONTACTS_OUT", "Contact", "EXT_ID__C")
        ),
        "insert_results": ps.insert_results(T, RESULTS_STG, "run1", NOW),
        "count_unknown": ps.count_unknown_results(SENT_STG, RESULTS_STG),
        "insert_unknown": ps.insert_unknown_results(
            T, SENT_STG, RESULTS_STG, run_id="run1", recorded_at=NOW, error="lost"
        ),
        "delete_hashes": ps.delete_replaced_hashes(T, RESULTS_STG, "SRC", "Contact"),
        "insert_hashes": ps.insert_accepted_hashes(
            T, RESULTS_STG, SENT_STG, source_id="SRC", sobject="Contact", run_id="run1", now=NOW
        ),
        "insert_run": ps.insert_push_run(
            T, {"RUN_ID": "run1", "STATUS": "SUCCEEDED", "STARTED_AT": NOW, "ROWS_SENT": 3}
        ),
    }


@pytest.mark.parametrize("name", sorted(statements()))
def test_push_statement_parses_as_snowflake_and_matches_snapshot(name):
    stmt = statements()[name]
    assert_parses_as_snowflake(stmt)
    assert_snapshot(SNAPSHOTS / f"{name}.sql", stmt.text)


def test_source_relation_quotes_upper_cased_parts():
    assert ps.source_relation("table", ("db", "sch", "t$1")) == '"DB"."SCH"."T$1"'


@pytest.mark.parametrize(
    ("kind", "parts", "query"),
    [
        ("table", ("a", "b", "c", "d"), ""),
        ("table", ('x"y',), ""),
        ("table", (), ""),
        ("query", (), "  "),
        ("other", (), "SELECT 1"),
    ],
)
def test_source_relation_rejects_bad_input(kind, parts, query):
    with pytest.raises(ConfigError):
        ps.source_relation(kind, parts, query)


def test_read_source_rejects_unquotable_order_column():
    with pytest.raises(ConfigError):
        ps.read_source(SRC, order_by="Account.Ext__c")


def test_insert_push_run_rejects_unknown_columns():
    with pytest.raises(ConfigError, match="BOGUS"):
        ps.insert_push_run(T, {"RUN_ID": "r", "BOGUS": 1})
    with pytest.raises(ConfigError, match="RUN_ID"):
        ps.insert_push_run(T, {"STATUS": "x"})


def test_insert_push_run_binds_timestamps_as_utc_text():
    stmt = ps.insert_push_run(T, {"RUN_ID": "r", "STARTED_AT": NOW})
    assert stmt.params == ("r", "2024-05-01 12:00:00.123000")
    assert "TO_TIMESTAMP_NTZ(?)" in stmt.text


@pytest.mark.parametrize(
    ("table", "builder"),
    [
        ("PUSH_RUNS", ps.create_runs_table),
        ("PUSH_RESULTS", ps.create_results_table),
        ("PUSH_HASHES", ps.create_hashes_table),
    ],
)
def test_setup_sql_push_tables_match_runtime_ddl(table, builder):
    setup = (Path(__file__).resolve().parents[3] / "sql" / "setup.sql").read_text()
    found = re.search(rf"CREATE TABLE IF NOT EXISTS <% database %>\.LHT\.{table} \((.*?)\n\);",
                      setup, re.DOTALL)  # fmt: skip
    assert found, f"{table} missing from sql/setup.sql"
    setup_columns = [" ".join(c.split()) for c in found.group(1).split(",\n")]
    runtime = builder(T).text.split("(", 1)[1].rsplit(")", 1)[0]
    runtime_columns = [c.strip() for c in re.split(r",\s(?![^()]*\))", runtime)]
    assert setup_columns == runtime_columns
