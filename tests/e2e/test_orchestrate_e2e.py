"""SYNC_CONFIG + SYNC_ALL + SYNC_STATUS + the API budget guard, end to end against the
emulator and the embedded warehouse."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lht.errors import ConfigError
from lht.orchestrate.config import list_config, remove_config, set_config
from lht.orchestrate.sync_all import Orchestration, finalize_graph, status, sync_all, sync_target
from lht.state.locks import TargetLock
from lht.warehouse import lock_statements as lst
from lht.warehouse.state_statements import StateTables

OBJECTS = ("Account", "Contact", "Opportunity", "X__c", "Case")


@pytest.fixture
def group() -> str:
    return f"G{uuid.uuid4().hex[:8].upper()}"


def _configure(h, group: str, failing: bool = True) -> None:
    for name in OBJECTS:
        set_config(h.session, name, h.schema, name.replace("__c", ""), group=group)
    if failing:  # a where clause on a field Lead does not have: Salesforce rejects the query
        set_config(h.session, "Lead", h.schema, "LEADS", group=group,
                   options={"where_clause": "NoSuchField__c = 1"})  # fmt: skip


def _mine(rows, schema):
    return [r for r in rows if str(r["TARGET"]).startswith(f"{schema}.")]


def test_sync_all_one_failing_object_others_succeed_and_status_lists_failure_first(h, group):
    _configure(h, group)
    rows = sync_all(h.session, h.client, group)
    by_object = {r["sobject"]: r for r in rows}
    assert len(rows) == 6
    assert (
        by_object["Lead"]["status"] == "FAILED" and "NoSuchField__c" in by_object["Lead"]["error"]
    )
    for name in OBJECTS:
        assert by_object[name]["status"] == "SUCCESS", by_object[name]["error"]
        assert h.differences(name, name.replace("__c", "")) == []
    mine = _mine(status(h.session), h.schema)
    assert [r["STATUS"] for r in mine] == ["FAILED"] + ["SUCCESS"] * 5
    assert mine[0]["SOBJECT"] == "Lead" and mine[0]["LAST_ERROR"]
    assert all(r["DATA_CURRENT_TO"] is not None for r in mine[1:])
    json.dumps(rows)  # rows are JSON-friendly (procedure TABLE rows / CLI output)


def test_sync_all_other_group_and_disabled_entries_are_not_run(h, group):
    set_config(h.session, "Account", h.schema, "A", group=group)
    set_config(h.session, "Contact", h.schema, "C", group=group, enabled=False)
    set_config(h.session, "Case", h.schema, "K", group=group + "X")
    rows = sync_all(h.session, h.client, group)
    assert [(r["sobject"], r["status"]) for r in rows] == [("Account", "SUCCESS")]
    assert not h.table_exists("C") and not h.table_exists("K")


def test_config_entries_are_validated_replaced_and_removed(h, group):
    with pytest.raises(ConfigError):
        set_config(h.session, "Account", h.schema, "A", group=group, options={"nope": 1})
    with pytest.raises(ConfigError):
        set_config(h.session, "Account", h.schema, "bad name", group=group)
    with pytest.raises(ConfigError):
        set_config(h.session, "Account", h.schema, "A", group="A__B")
    set_config(h.session, "Account", h.schema, "A", group=group)
    set_config(
        h.session, "Account", h.schema, "A", group=group, options='{"delete_policy": "hard"}'
    )
    entries = list_config(h.session, group)
    assert [(e.target, e.options) for e in entries] == [
        (f"{h.schema}.A", {"delete_policy": "hard"})
    ]
    assert remove_config(h.session, h.schema, "a") is True
    assert remove_config(h.session, h.schema, "a") is False
    assert list_config(h.session, group) == []


def test_budget_guard_defers_above_share_and_next_run_catches_up(h, emu, group):
    _configure(h, group, failing=False)
    emu.org.limits.configure("DailyApiRequests", max=1000, used=797, hard_max=5000)
    first = sync_all(h.session, h.client, group)
    statuses = [r["status"] for r in first]
    assert statuses[0] == "SUCCESS" and set(statuses[1:]) == {"DEFERRED"}, statuses
    deferred = [r for r in first if r["status"] == "DEFERRED"]
    assert all("80%" in r["error"] and r["api_calls"] == 0 for r in deferred)
    runs = {r["RUN_ID"]: r for r in h.session.table('"LHT"."SYNC_RUNS"').collect()}
    assert all(runs[r["run_id"]]["STATUS"] == "DEFERRED" for r in deferred)
    assert {r["STATUS"] for r in _mine(status(h.session), h.schema)} == {"SUCCESS", "DEFERRED"}

    emu.org.limits.configure("DailyApiRequests", used=10)  # a new day: usage is low again
    second = sync_all(h.session, h.client, group)
    assert [r["status"] for r in second] == ["SUCCESS"] * 5
    assert [r["sobject"] for r in second] == [r["sobject"] for r in first[1:] + first[:1]]
    for name in OBJECTS:
        assert h.differences(name, name.replace("__c", "")) == []
    usage = h.session.sql('SELECT * FROM "LHT"."API_USAGE" WHERE TARGET LIKE ?',
                          params=[f"{h.schema}.%"]).collect()  # fmt: skip
    assert usage and all(u["DAILY_ALLOWANCE"] for u in usage)  # max of the day's readings
    assert sum(u["API_CALLS"] for u in usage) == sum(r["api_calls"] for r in first + second)
    emu.org.limits.configure("DailyApiRequests", used=797)  # tight again: Account ran last
    third = sync_all(h.session, h.client, group)
    assert [r["status"] for r in third] == ["SUCCESS"] + ["DEFERRED"] * 4
    assert third[0]["sobject"] == first[0]["sobject"]  # nothing was deferred by the 2nd run
    samples = h.session.sql('SELECT API_USED, API_MAX FROM "LHT"."API_USAGE_SAMPLES" '
                            "WHERE SYNC_GROUP = ?", params=[group]).collect()  # fmt: skip
    assert len(samples) == 15 and {s["API_MAX"] for s in samples} == {1000}


def test_finalizer_summarises_the_group_since_the_graph_started(h, group):
    _configure(h, group)
    started = datetime.now(UTC) - timedelta(seconds=1)
    sync_all(h.session, h.client, group)
    orch = Orchestration.create(h.session, h.client)
    summary = finalize_graph(orch, group, started, "graph-1")
    assert (summary["objects"], summary["succeeded"], summary["failed"]) == (6, 5, 1)
    stored = h.session.sql('SELECT * FROM "LHT"."SYNC_GRAPH_RUNS" WHERE GRAPH_RUN_ID = ?',
                           params=["graph-1"]).collect()  # fmt: skip
    assert len(stored) == 1 and json.loads(stored[0]["DETAILS"])[f"{h.schema}.LEADS"] == "FAILED"


def test_timed_out_child_task_lock_is_taken_over_by_the_next_run(h, group, monkeypatch):
    """#16.7: a child task killed at its USER_TASK_TIMEOUT_MS never releases its lock. Its
    lock lives exactly as long as the task may (poll timeout + margin), not the 6 h default,
    so the next graph run takes it over and ends the dead run's RUNNING row."""
    set_config(h.session, "Account", h.schema, "A", group=group,
               options={"poll_timeout_seconds": 600})  # fmt: skip
    orch = Orchestration.create(h.session, h.client)
    target = f"{h.schema}.A"
    with monkeypatch.context() as patched:  # the task is killed: the release never happens
        patched.setattr(TargetLock, "release", lambda self: None)
        first = sync_target(orch, h.schema, "A")
    tables = StateTables()
    (row,) = h.session.sql(lst.read_lock(tables, target).text, [target]).collect()
    assert row["RUN_ID"] == first["run_id"]
    assert (row["EXPIRES_AT"] - row["ACQUIRED_AT"]).total_seconds() == 600 + 3600
    h.session.sql(
        f"UPDATE {tables.runs.sql} SET STATUS = 'RUNNING' WHERE RUN_ID = ?", [first["run_id"]]
    ).collect()  # killed before it could record its end
    blocked = sync_target(orch, h.schema, "A")
    assert blocked["status"] == "FAILED" and first["run_id"] in blocked["error"]
    h.session.sql(  # the task timeout has passed since the killed child took the lock
        f"UPDATE {tables.locks.sql} SET ACQUIRED_AT = DATEADD(second, -4201, ACQUIRED_AT), "
        "EXPIRES_AT = DATEADD(second, -4201, EXPIRES_AT) WHERE TARGET = ?",
        [target],
    ).collect()
    second = sync_target(orch, h.schema, "A")
    assert second["status"] == "SUCCESS", second["error"]
    runs = {r["RUN_ID"]: r for r in h.session.sql(
        f"SELECT RUN_ID, STATUS, ERROR FROM {tables.runs.sql} WHERE RUN_ID = ?",
        [first["run_id"]]).collect()}  # fmt: skip
    assert runs[first["run_id"]]["STATUS"] == "FAILED"
    assert "abandoned" in runs[first["run_id"]]["ERROR"]
