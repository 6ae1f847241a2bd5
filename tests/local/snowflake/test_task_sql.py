"""Parsing CREATE / ALTER / EXECUTE TASK, including the exact DDL SCHEDULE_SYNC generates."""

from __future__ import annotations

from pathlib import Path

import pytest

from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import ObjectName
from lht.local.snowflake.task_sql import check_schedule, parse_alter, parse_create, parse_execute

SNAPSHOTS = Path(__file__).parents[2] / "snapshots" / "orchestrate"


@pytest.mark.parametrize("snapshot", ["schedule_warehouse.sql", "schedule_serverless.sql"])
def test_schedule_sync_ddl_parses(snapshot: str) -> None:
    statements = [s.strip() for s in (SNAPSHOTS / snapshot).read_text().split(";\n") if s.strip()]
    creates = [parse_create(s) for s in statements if s.startswith("CREATE")]
    root, *children, fin = creates
    assert root.props.get("SCHEDULE") == "USING CRON 0 2 * * * Europe/Berlin"
    assert root.body.startswith("SELECT SYSTEM$TASK_RUNTIME_INFO(")
    root_name = ObjectName(("LHT", "LHT", "LHT_SYNC_NIGHTLY_ROOT"))
    assert all(c.after == (root_name,) for c in children)
    assert children[0].body == 'CALL "LHT"."LHT"."SYNC_TARGET"(\'RAW\', \'ACCOUNTS\')'
    assert children[0].props.get("USER_TASK_TIMEOUT_MS") == 7200000
    assert fin.props.get("FINALIZE") == root_name
    assert all(c.or_replace for c in creates)
    alters = [parse_alter(s) for s in statements if s.startswith("ALTER")]
    assert [(a.action, a.if_exists) for a in alters] == [("SUSPEND", True), ("RESUME", True)]


def test_create_task_properties_and_body() -> None:
    c = parse_create(
        "CREATE TASK IF NOT EXISTS t WAREHOUSE = wh USER_TASK_TIMEOUT_MS = 500 "
        "TASK_AUTO_RETRY_ATTEMPTS = 2 ALLOW_OVERLAPPING_EXECUTION = TRUE "
        "TIMEZONE = 'UTC' COMMENT = 'x' AS\n  INSERT INTO t2 SELECT 1;"
    )
    assert c.if_not_exists and c.body == "INSERT INTO t2 SELECT 1"
    assert c.props.values == {
        "WAREHOUSE": ObjectName(("WH",)),
        "USER_TASK_TIMEOUT_MS": 500,
        "TASK_AUTO_RETRY_ATTEMPTS": 2,
        "ALLOW_OVERLAPPING_EXECUTION": True,
        "TIMEZONE": "UTC",
        "COMMENT": "x",
    }


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "CREATE TASK t GIZMO = 1 AS SELECT 1",
            "syntax error line 1 at position 14 unexpected 'GIZMO'",
        ),
        ("CREATE TASK t COMMENT = 'a' COMMENT = 'b' AS SELECT 1", "unexpected 'COMMENT'"),
        ("CREATE TASK t SCHEDULE = 'every day' AS SELECT 1", "invalid value 'every day'"),
        (
            "CREATE TASK t WAREHOUSE = w "
            "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'SMALL' AS SELECT 1",
            "Conflicting properties",
        ),
        (
            "CREATE TASK t USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'HUGE' AS SELECT 1",
            "invalid value 'HUGE'",
        ),
        ("CREATE TASK t USER_TASK_TIMEOUT_MS = 86400001 AS SELECT 1", "USER_TASK_TIMEOUT_MS"),
        ("CREATE TASK t TASK_AUTO_RETRY_ATTEMPTS = 31 AS SELECT 1", "TASK_AUTO_RETRY_ATTEMPTS"),
        ("CREATE TASK t WHEN SYSTEM$STREAM_HAS_DATA('s') AS SELECT 1", "WHEN conditions"),
        ("CREATE TASK t AS", "unexpected '<EOF>'"),
    ],
)
def test_create_task_refusals(sql: str, message: str) -> None:
    with pytest.raises(SqlError) as err:
        parse_create(sql)
    assert message in err.value.message


def test_schedules() -> None:
    assert check_schedule("30 MINUTES") == "30 MINUTES"
    assert check_schedule("1 minute") == "1 MINUTE"
    assert check_schedule("2 HOURS") == "2 HOURS"
    assert check_schedule("USING CRON */5 * * * 1-5 Europe/Berlin") == (
        "USING CRON */5 * * * 1-5 Europe/Berlin"
    )
    for bad in ("0 MINUTES", "USING CRON 0 2 * * UTC", "daily"):
        with pytest.raises(SqlError):
            check_schedule(bad)


def test_alter_and_execute() -> None:
    assert parse_alter(
        "ALTER TASK t SET USER_TASK_TIMEOUT_MS = 10, COMMENT = 'c'"
    ).props.values == {"USER_TASK_TIMEOUT_MS": 10, "COMMENT": "c"}
    assert parse_alter("ALTER TASK t UNSET COMMENT").unset == ("COMMENT",)
    assert parse_alter("ALTER TASK t MODIFY AS SELECT 2").body == "SELECT 2"
    assert parse_execute("EXECUTE TASK db.s.t").name == ObjectName(("DB", "S", "T"))
    assert parse_execute("EXECUTE TASK t RETRY LAST").retry_last
