"""Orchestration SQL: every builder parses with sqlglot's Snowflake dialect (Task DDL falls
back to an unparsed Command there, so it gets shape checks instead), binds match placeholders,
and the text equals its snapshot in tests/snapshots/orchestrate/.

Regenerate snapshots with ``LHT_UPDATE_SNAPSHOTS=1 pytest tests/unit/orchestrate``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlglot

from lht.errors import ConfigError
from lht.orchestrate.config import ConfigEntry
from lht.orchestrate.graph import (
    Compute,
    TaskGraph,
    drop_statements,
    plan_graph,
    schedule_statements,
)
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse.statements import Statement
from tests.sql_checks import SNAPSHOTS as SNAPSHOT_ROOT
from tests.sql_checks import assert_parses_as_snowflake, assert_snapshot

SNAPSHOTS = SNAPSHOT_ROOT / "orchestrate"
NOW = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
T = ost.OrchestrateTables()
CONTACT_OPTIONS = {"delete_policy": "hard", "poll_timeout_seconds": 10800}
ENTRIES = (
    ConfigEntry("Account", "RAW", "ACCOUNTS", "NIGHTLY"),
    ConfigEntry("Contact", "RAW", "CONTACTS", "NIGHTLY", options=CONTACT_OPTIONS),
    ConfigEntry("Order", "RAW", "ORDER", "NIGHTLY"),
    ConfigEntry("Lead", "RAW", "LEADS", "NIGHTLY", enabled=False),
    ConfigEntry("Case", "RAW", "CASES", "HOURLY"),
)


def _statements() -> dict[str, Statement]:
    options = '{"delete_policy": "hard"}'
    delete, insert = ost.upsert_config(T, sobject="Account", schema="RAW", table="ACCOUNTS",
                                       group="DEFAULT", enabled=True, options_json=options,
                                       now=NOW)  # fmt: skip
    views = {s.name: s for s in ost.create_views(T)}
    graph_run = {c: 1 for c in ost.GRAPH_RUN_COLUMNS} | {"STARTED_AT": NOW, "FINISHED_AT": NOW}
    return {
        "create_config_table": ost.create_config_table(T),
        "create_samples_table": ost.create_samples_table(T),
        "create_graph_runs_table": ost.create_graph_runs_table(T),
        "delete_config": delete,
        "insert_config": insert,
        "select_config_group": ost.select_config(T, "DEFAULT", True),
        "select_config_all": ost.select_config(T, None, False),
        "insert_sample": ost.insert_sample(T, NOW, (10, 100), group="G", sobject="Account"),
        "select_runs_since": ost.select_runs_since(T, NOW),
        "insert_graph_run": ost.insert_graph_run(T, graph_run),
        "select_status": ost.select_status(T),
        **views,
    }


@pytest.mark.parametrize("name", sorted(_statements()))
def test_orchestrate_statement_parses_and_matches_snapshot(name: str) -> None:
    stmt = _statements()[name]
    assert_parses_as_snowflake(stmt)
    assert stmt.ddl == stmt.text.startswith("CREATE")
    assert_snapshot(SNAPSHOTS / f"{name}.sql", stmt.text)


def _graph(compute: str = "COMPUTE_WH", database: str | None = "LHT"):
    return plan_graph(ENTRIES, group="nightly", cron="0 2 * * * Europe/Berlin",
                      compute=Compute.parse(compute), database=database)  # fmt: skip


@pytest.mark.parametrize("compute", ["COMPUTE_WH", "SERVERLESS:SMALL"])
def test_schedule_sql_matches_snapshot(compute: str) -> None:
    existing = ["LHT_SYNC_NIGHTLY__RAW__OLD", "LHT_SYNC_NIGHTLY_ROOT", "LHT_SYNC_HOURLY_ROOT",
                "LHT_SYNC_NIGHTLYX__RAW__A"]  # fmt: skip
    stmts = schedule_statements(_graph(compute), existing)
    name = "serverless" if compute.startswith("SERVERLESS") else "warehouse"
    assert_snapshot(SNAPSHOTS / f"schedule_{name}.sql", ";\n\n".join(s.text for s in stmts) + ";")
    drops = [s.text for s in stmts if s.name == "drop_task"]
    assert drops == ['DROP TASK IF EXISTS "LHT"."LHT"."LHT_SYNC_NIGHTLY__RAW__OLD"']  # others kept


_CLAUSE_ORDER = ("CREATE OR REPLACE TASK", "WAREHOUSE|USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE",
                 "SCHEDULE", "USER_TASK_TIMEOUT_MS", "COMMENT", "FINALIZE", "AFTER",
                 "AS")  # fmt: skip


def _clauses(text: str) -> list[str]:
    return [line.strip().split(" ", 1)[0] if not line.startswith("CREATE") else
            "CREATE OR REPLACE TASK" for line in text.splitlines()]  # fmt: skip


def test_task_ddl_shape_follows_create_task_syntax() -> None:
    graph = _graph()
    stmts = [s for s in schedule_statements(graph) if s.name == "create_task"]
    assert len(stmts) == 1 + 3 + 1  # root, the 3 enabled NIGHTLY objects, finalizer
    root = '"LHT"."LHT"."LHT_SYNC_NIGHTLY_ROOT"'
    for stmt in stmts:
        parsed = sqlglot.parse_one(stmt.text, read="snowflake")  # Command fallback: no errors
        assert parsed is not None and stmt.ddl
        clauses = _clauses(stmt.text)
        positions = [next(i for i, p in enumerate(_CLAUSE_ORDER) if re.fullmatch(p, c) or
                          c == p) for c in clauses]  # fmt: skip
        assert positions == sorted(positions), stmt.text
        assert clauses.count("AS") == 1 and clauses[-1] == "AS"
        assert 'WAREHOUSE = "COMPUTE_WH"' in stmt.text
    root_sql, *children, final = (s.text for s in stmts)
    assert "SCHEDULE = 'USING CRON 0 2 * * * Europe/Berlin'" in root_sql and "AFTER" not in root_sql
    for child in children:
        assert f"AFTER {root}" in child and "SCHEDULE" not in child
        assert re.search(r"AS CALL \"LHT\".\"LHT\".\"SYNC_TARGET\"\('RAW', '[A-Z]+'\)$", child)
        parsed_call = sqlglot.parse_one(child.split("AS ", 1)[1], read="snowflake")
        assert parsed_call is not None
    assert f"FINALIZE = {root}" in final and "SCHEDULE" not in final and "AFTER" not in final
    assert final.endswith("""AS CALL "LHT"."LHT"."FINALIZE_SYNC"('NIGHTLY')""")
    assert "USER_TASK_TIMEOUT_MS" not in root_sql + final  # only the syncs wait on Salesforce


def _timeouts(graph: TaskGraph) -> dict[str, int]:
    """Target → USER_TASK_TIMEOUT_MS of every task that sets one."""
    pairs = {}
    for stmt in schedule_statements(graph):
        match = re.search(r"USER_TASK_TIMEOUT_MS = (\d+)\n  COMMENT = '[^:]*: ([^']+)'", stmt.text)
        if match:
            pairs[match.group(2)] = int(match.group(1))
    return pairs


def test_child_tasks_time_out_after_the_poll_timeout_plus_margin_not_the_1h_default() -> None:
    assert _timeouts(_graph()) == {
        "RAW.ACCOUNTS": (3600 + 3600) * 1000,  # default poll timeout 1 h + 1 h margin
        "RAW.CONTACTS": (10800 + 3600) * 1000,  # the entry's poll_timeout_seconds
        "RAW.ORDER": 7_200_000,
    }


def test_child_task_timeout_is_capped_and_survives_bad_options() -> None:
    entries = (
        ConfigEntry("Account", "RAW", "A", "G", options={"poll_timeout_seconds": 10**6}),
        ConfigEntry("Account", "RAW", "B", "G", options={"poll_timeout_seconds": "soon"}),
        ConfigEntry("Account", "RAW", "C", "G", options={"unknown_option": 1}),
    )
    graph = plan_graph(entries, group="g", cron="0 2 * * * UTC", compute=Compute("WH"))

    assert _timeouts(graph) == {"RAW.A": 86_400_000, "RAW.B": 7_200_000, "RAW.C": 7_200_000}


def test_task_bodies_and_names_are_fully_qualified_with_the_database() -> None:
    stmts = schedule_statements(_graph(database="LHT_PROD"), ["LHT_SYNC_NIGHTLY__RAW__OLD"])
    texts = [s.text for s in stmts]

    assert texts[0] == 'ALTER TASK IF EXISTS "LHT_PROD"."LHT"."LHT_SYNC_NIGHTLY_ROOT" SUSPEND'
    assert texts[1] == 'DROP TASK IF EXISTS "LHT_PROD"."LHT"."LHT_SYNC_NIGHTLY__RAW__OLD"'
    calls = [t.split("AS ", 1)[1] for t in texts if t.startswith("CREATE") and "AS CALL" in t]
    assert calls and all(c.startswith('CALL "LHT_PROD"."LHT".') for c in calls)
    assert all(f.startswith('"LHT_PROD"."LHT".') for t in texts
               for f in re.findall(r"(?:AFTER|FINALIZE =) (\S+)", t))  # fmt: skip
    assert texts[-1] == (
        "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('LHT_PROD.LHT.LHT_SYNC_NIGHTLY_ROOT') AS RESULT"
    )


def test_drop_statements_suspend_root_then_drop_children_finalizer_root() -> None:
    existing = ["LHT_SYNC_NIGHTLY__RAW__A", "LHT_SYNC_NIGHTLY_ROOT", "LHT_SYNC_OTHER__RAW__A"]
    texts = [s.text for s in drop_statements("nightly", existing, database="LHT")]
    assert texts == [
        'ALTER TASK IF EXISTS "LHT"."LHT"."LHT_SYNC_NIGHTLY_ROOT" SUSPEND',
        'DROP TASK IF EXISTS "LHT"."LHT"."LHT_SYNC_NIGHTLY__RAW__A"',
        'DROP TASK IF EXISTS "LHT"."LHT"."LHT_SYNC_NIGHTLY_FINALIZE"',
        'DROP TASK IF EXISTS "LHT"."LHT"."LHT_SYNC_NIGHTLY_ROOT"',
    ]


CRONS = [
    ("0 2 * * * UTC", "USING CRON 0 2 * * * UTC"),
    ("*/15 8-18 * * MON-FRI America/New_York", "USING CRON */15 8-18 * * MON-FRI America/New_York"),
    ("60 minutes", "60 MINUTES"),
    ("1 hour", "1 HOURS"),
    ("2 HOURS", "2 HOURS"),
]


@pytest.mark.parametrize(("cron", "expected"), CRONS)
def test_check_cron_valid_forms_normalised(cron: str, expected: str) -> None:
    assert ost.check_cron(cron) == expected


@pytest.mark.parametrize("cron", ["0 2 * * *", "0 2 * * * UTC'; DROP TABLE x", "", "x y z",
                                  "0 2 * * * UTC extra", "5 SECONDS", "0 MINUTES"])  # fmt: skip
def test_check_cron_bad_input_rejected(cron: str) -> None:
    with pytest.raises(ConfigError):
        ost.check_cron(cron)


def test_plan_graph_refuses_empty_oversized_and_bad_input() -> None:
    with pytest.raises(ConfigError, match="no enabled"):
        plan_graph(ENTRIES, group="weekly", cron="0 2 * * * UTC", compute=Compute("WH"))
    many = [ConfigEntry("Account", "RAW", f"T{i}") for i in range(101)]
    with pytest.raises(ConfigError, match="at most 100"):
        plan_graph(many, group=None, cron="0 2 * * * UTC", compute=Compute("WH"))
    with pytest.raises(ConfigError):
        Compute.parse("my warehouse")
    with pytest.raises(ConfigError):
        _graph("SERVERLESS:HUGE")
