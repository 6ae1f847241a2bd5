"""Tasks on the running stand-in: CREATE/ALTER/SHOW TASK, graph rules, EXECUTE TASK running
the graph as the owner, TASK_HISTORY, SYSTEM$TASK_RUNTIME_INFO."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import snowflake.connector

from lht.local.runtime import LocalWarehouse

Run = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture
def run(local_warehouse: LocalWarehouse) -> Iterator[Run]:
    configs = local_warehouse._configs(local_warehouse._port)
    conn = snowflake.connector.connect(**configs)
    schema = f"TK_{uuid.uuid4().hex[:6].upper()}"
    cursor = conn.cursor()
    cursor.execute(f"CREATE SCHEMA LHT_LOCAL.{schema}")

    def execute(sql: str) -> list[tuple[Any, ...]]:
        return list(conn.cursor().execute(sql).fetchall())

    execute.schema = schema  # type: ignore[attr-defined]
    yield execute
    execute("USE ROLE ACCOUNTADMIN")
    execute(f"DROP SCHEMA IF EXISTS LHT_LOCAL.{schema} CASCADE")  # its tasks go with it
    conn.close()


def _error(run: Run, sql: str) -> str:
    with pytest.raises(snowflake.connector.errors.ProgrammingError) as err:
        run(sql)
    return str(err.value.msg)


def _wait_for(
    run: Run, sql: str, done: Callable[[list[tuple[Any, ...]]], bool], timeout: float = 60
) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + timeout
    rows = run(sql)
    while not done(rows) and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = run(sql)
    return rows


def _graph(run: Run) -> str:
    """A root, two children AFTER it, a join AFTER both, a finalizer; each logs itself."""
    s = f"LHT_LOCAL.{run.schema}"  # type: ignore[attr-defined]
    run(f"CREATE TABLE {s}.LOG (TASK VARCHAR, GRAPH_RUN VARCHAR, LOGGED_AT TIMESTAMP_NTZ)")

    def log(name: str) -> str:
        return (
            f"INSERT INTO {s}.LOG SELECT '{name}', "
            "SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID'), "
            "CURRENT_TIMESTAMP()::TIMESTAMP_NTZ"
        )

    run(
        f"CREATE TASK {s}.ROOT WAREHOUSE = COMPUTE_WH SCHEDULE = 'USING CRON 0 2 * * * UTC' "
        f"AS {log('ROOT')}"
    )
    run(f"CREATE TASK {s}.A WAREHOUSE = COMPUTE_WH AFTER {s}.ROOT AS {log('A')}")
    run(
        f"CREATE TASK {s}.B USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' AFTER {s}.ROOT "
        f"AS {log('B')}"
    )
    run(f"CREATE TASK {s}.J WAREHOUSE = COMPUTE_WH AFTER {s}.A, {s}.B AS {log('J')}")
    run(f"CREATE TASK {s}.FIN WAREHOUSE = COMPUTE_WH FINALIZE = {s}.ROOT AS {log('FIN')}")
    return s


def test_show_tasks_lists_definitions_suspended(run: Run) -> None:
    s = _graph(run)
    rows = run(f"SHOW TASKS IN SCHEMA {s}")
    by_name = {r[1]: r for r in rows}
    assert set(by_name) == {"ROOT", "A", "B", "J", "FIN"}
    assert {r[10] for r in rows} == {"suspended"}
    assert by_name["ROOT"][8] == "USING CRON 0 2 * * * UTC"
    assert by_name["A"][7] == "COMPUTE_WH" and by_name["B"][7] is None
    assert f"{s}.ROOT" in by_name["J"][9] or "ROOT" in by_name["A"][9]
    assert run(f"SHOW TASKS LIKE 'R%' IN SCHEMA {s}")[0][1] == "ROOT"


def test_children_cannot_change_while_root_runs_and_order_of_suspend(run: Run) -> None:
    s = _graph(run)
    run(f"SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('{s}.ROOT')")
    assert {r[10] for r in run(f"SHOW TASKS IN SCHEMA {s}")} == {"started"}
    message = _error(run, f"ALTER TASK {s}.A SUSPEND")
    assert message == (
        f"091421 (22000): Unable to update graph with root task {s}.ROOT since "
        "that root task is not suspended."
    )
    assert "not suspended" in _error(
        run, f"CREATE OR REPLACE TASK {s}.A WAREHOUSE = COMPUTE_WH AFTER {s}.ROOT AS SELECT 1"
    )
    run(f"ALTER TASK {s}.ROOT SUSPEND")
    run(f"ALTER TASK {s}.A SUSPEND")
    run(f"DROP TASK {s}.J")


def test_execute_task_runs_the_graph_in_order_as_snowflake_does(run: Run) -> None:
    s = _graph(run)
    run(f"SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('{s}.ROOT')")
    run(f"ALTER TASK {s}.ROOT SUSPEND")  # EXECUTE TASK runs a suspended root too
    run(f"EXECUTE TASK {s}.ROOT")
    history = (
        f"SELECT NAME, STATE, GRAPH_RUN_GROUP_ID, SCHEDULED_FROM, ATTEMPT_NUMBER FROM "
        f"TABLE(LHT_LOCAL.INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 50)) "
        f"WHERE SCHEMA_NAME = '{run.schema}'"
    )  # type: ignore[attr-defined]
    rows = _wait_for(
        run, history, lambda rows: any(r[0] == "FIN" and r[1] == "SUCCEEDED" for r in rows)
    )
    assert {(r[0], r[1]) for r in rows} == {
        (n, "SUCCEEDED") for n in ("ROOT", "A", "B", "J", "FIN")
    }
    assert {r[3] for r in rows} == {"EXECUTE TASK"} and {r[4] for r in rows} == {1}
    log = run(f"SELECT TASK, GRAPH_RUN, LOGGED_AT FROM {s}.LOG ORDER BY LOGGED_AT")
    order = [r[0] for r in log]
    assert order[0] == "ROOT" and order[-1] == "FIN" and order.index("J") == 3
    assert {r[1] for r in log} == {rows[0][2]}  # one graph run id, seen by every task


def test_failed_task_stops_its_children_finalizer_still_runs(run: Run) -> None:
    s = _graph(run)
    run(f"ALTER TASK {s}.A MODIFY AS INSERT INTO {s}.NO_SUCH_TABLE VALUES (1)")
    run(f"SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('{s}.ROOT')")
    run(f"EXECUTE TASK {s}.ROOT")
    history = (
        f"SELECT NAME, STATE, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        f"RESULT_LIMIT => 50)) WHERE SCHEMA_NAME = '{run.schema}'"
    )  # type: ignore[attr-defined]
    rows = _wait_for(
        run, history, lambda rows: any(r[0] == "FIN" and r[1] != "EXECUTING" for r in rows)
    )
    states = {r[0]: r[1] for r in rows}
    assert states == {"ROOT": "SUCCEEDED", "A": "FAILED", "B": "SUCCEEDED", "FIN": "SUCCEEDED"}
    assert "NO_SUCH_TABLE" in next(r[2] for r in rows if r[0] == "A")


def test_execute_task_needs_execute_task_for_the_owner_and_a_root(run: Run) -> None:
    s = _graph(run)
    assert "is not a root task" in _error(run, f"EXECUTE TASK {s}.A")
    tag = uuid.uuid4().hex[:6].upper()
    role = f"TASKER_{tag}"
    run(f"CREATE ROLE {role}")
    run(f"GRANT ROLE {role} TO ROLE SYSADMIN")
    run(f"GRANT USAGE ON DATABASE LHT_LOCAL TO ROLE {role}")
    run(f"GRANT USAGE, CREATE TASK ON SCHEMA {s} TO ROLE {role}")
    run(f"GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE {role}")
    run(f"USE ROLE {role}")
    try:
        run(f"CREATE TASK {s}.MINE WAREHOUSE = COMPUTE_WH AS SELECT 1")
        assert _error(run, f"ALTER TASK {s}.MINE RESUME") == (
            "091089 (23001): Cannot execute task, EXECUTE TASK privilege must be granted to "
            "owner role"
        )
        assert "EXECUTE TASK privilege" in _error(run, f"EXECUTE TASK {s}.MINE")
        assert "Insufficient privileges to operate on account" in _error(
            run, f"CREATE TASK {s}.SERVERLESS AS SELECT 1"
        )  # needs EXECUTE MANAGED TASK
    finally:
        run("USE ROLE ACCOUNTADMIN")
    run(f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {role}")
    run(f"USE ROLE {role}")
    try:
        run(f"ALTER TASK {s}.MINE RESUME")
    finally:
        run(f"ALTER TASK {s}.MINE SUSPEND")
        run("USE ROLE ACCOUNTADMIN")
        run(f"DROP ROLE {role}")


def test_task_runtime_info_outside_a_task_fails(run: Run) -> None:
    assert "within a task run" in _error(
        run, "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID')"
    )


def test_create_task_validates_properties(run: Run) -> None:
    s = f"LHT_LOCAL.{run.schema}"  # type: ignore[attr-defined]
    assert "invalid value 'every day' for property 'SCHEDULE'" in _error(
        run, f"CREATE TASK {s}.X SCHEDULE = 'every day' AS SELECT 1"
    )
    assert "syntax error" in _error(run, f"CREATE TASK {s}.X GIZMO = 1 AS SELECT 1")
    assert "Warehouse 'NOPE' does not exist" in _error(
        run, f"CREATE TASK {s}.X WAREHOUSE = NOPE AS SELECT 1"
    )
    assert "does not exist" in _error(run, f"CREATE TASK {s}.X AFTER {s}.NOPE AS SELECT 1")
