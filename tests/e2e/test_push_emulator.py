"""PUSH_SOBJECT end to end: local warehouse → push → the Salesforce emulator, state read back.

Every operation is verified by reading Salesforce's state back through the emulator's REST
API; the emulator's request log shows what was (not) sent.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from emulator import FaultRule, RecordRule
from lht.push.service import push_sobject
from lht.salesforce.auth import Credentials
from lht.salesforce.bulk import PollPolicy
from lht.salesforce.client import SalesforceClient
from lht.salesforce.soql import quote_string
from procedures import push as handler
from tests.e2e.push_support import new_schema, rows

POLL = PollPolicy(min_interval=0.02, max_interval=0.2)
X_COLUMNS = (
    "NAME VARCHAR, EXTERNAL_ID__C VARCHAR, TEXT__C VARCHAR, CHECKBOX__C BOOLEAN, "
    "AMOUNT__C NUMBER(16,2), COUNT__C NUMBER(9,0), DATE__C DATE, DATETIME__C TIMESTAMP_NTZ(3)"
)


@pytest.fixture(scope="module")
def session(snowpark_session: Any) -> Any:
    """The shared embedded warehouse session (tests/conftest.py)."""
    return snowpark_session


@pytest.fixture
def client(emu: Any) -> SalesforceClient:
    """Against tests/e2e/conftest.py's emulator (reset before every test), polling fast."""
    return SalesforceClient(Credentials(emu.base_url, emu.client_id, emu.client_secret),
                            timeout=30.0, poll=POLL)  # fmt: skip


@pytest.fixture
def schema(session: Any) -> str:
    return new_schema(session)


def make_table(session: Any, schema: str, values: list[str], name: str = "X_OUT") -> str:
    table = f"{schema}.{name}"
    session.sql(f"CREATE TABLE {table} ({X_COLUMNS})").collect()
    if values:
        session.sql(f"INSERT INTO {table} VALUES {', '.join(values)}").collect()
    return table


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def x_rows(client: SalesforceClient, ext_ids: list[str], deleted: bool = False) -> dict[str, Any]:
    soql = (
        "SELECT Id, Name, External_Id__c, Text__c, Checkbox__c, Amount__c, Count__c, Date__c, "
        f"DateTime__c, IsDeleted FROM X__c WHERE External_Id__c IN "
        f"({', '.join(quote_string(e) for e in ext_ids)})"
    )
    return {r["External_Id__c"]: r for r in client.query_records(soql, include_deleted=deleted)}


def do_push(session: Any, client: SalesforceClient, operation: str, source: str,
            **options: Any) -> dict[str, Any]:  # fmt: skip
    return push_sobject(session, client, "X__c", operation, source, options=options, poll=POLL)


def log_since(emu: Any, seq: int, method: str, fragment: str) -> list[Any]:
    return [e for e in emu.org.request_log.entries()
            if e.seq > seq and e.method == method and fragment in e.path]  # fmt: skip


def last_seq(emu: Any) -> int:
    entries = emu.org.request_log.entries()
    return entries[-1].seq if entries else 0


def results(session: Any, run_id: str) -> dict[str | None, dict[str, Any]]:
    got = rows(session, "SELECT * FROM LHT.PUSH_RESULTS WHERE RUN_ID = ?", run_id)
    return {r["SOURCE_KEY"]: r for r in got}


def test_push_insert_bulk_values_arrive_typed(session, client, emu, schema) -> None:
    t = tag()
    table = make_table(session, schema, [
        f"('A {t}', 'I1-{t}', 'hello, \"world\"', TRUE, 1234.50, 42, '2024-02-29', "
        "'2024-01-02 03:04:05.678')",
        f"('B {t}', 'I2-{t}', NULL, FALSE, NULL, NULL, NULL, NULL)",
    ])  # fmt: skip
    out = do_push(session, client, "insert", table, collections_threshold=0,
                  key_column="External_Id__c")  # fmt: skip
    assert (out["success"], out["method"], out["created"], len(out["jobs"])) == (True, "bulk", 2, 1)
    got = x_rows(client, [f"I1-{t}", f"I2-{t}"])
    a, b = got[f"I1-{t}"], got[f"I2-{t}"]
    assert (a["Name"], a["Text__c"], a["Checkbox__c"]) == (f"A {t}", 'hello, "world"', True)
    assert (a["Amount__c"], a["Count__c"], a["Date__c"]) == (1234.5, 42, "2024-02-29")
    assert a["DateTime__c"].startswith("2024-01-02T03:04:05.678")
    assert (b["Text__c"], b["Amount__c"], b["DateTime__c"], b["Checkbox__c"]) == (
        None,
        None,
        None,
        False,
    )
    stored = results(session, out["run_id"])
    assert stored[f"I1-{t}"]["SALESFORCE_ID"] == a["Id"] and stored[f"I1-{t}"]["CREATED"]


@pytest.mark.parametrize("path", [(0, "bulk"), (200, "collections")])
def test_push_update_and_clear_nulls(session, client, schema, path) -> None:
    threshold, method = path
    t = tag()
    created = client.collection_create(
        "X__c",
        [{"Name": f"U {t}", "External_Id__c": f"U1-{t}", "Text__c": "keep me", "Count__c": 5}],
    )
    record_id = created[0].id
    session.sql(f"CREATE TABLE {schema}.UPD (ID VARCHAR, TEXT__C VARCHAR, COUNT__C NUMBER(9,0))"
                ).collect()  # fmt: skip
    session.sql(f"INSERT INTO {schema}.UPD VALUES (?, NULL, 7)", params=[record_id]).collect()
    out = do_push(session, client, "update", f"{schema}.UPD", collections_threshold=threshold)
    assert out["success"] and out["updated"] == 1 and out["method"] == method
    got = x_rows(client, [f"U1-{t}"])[f"U1-{t}"]
    assert (got["Text__c"], got["Count__c"]) == ("keep me", 7)  # empty cell = unchanged
    out = do_push(session, client, "update", f"{schema}.UPD", collections_threshold=threshold,
                  clear_nulls=True)  # fmt: skip
    assert out["success"]
    got = x_rows(client, [f"U1-{t}"])[f"U1-{t}"]
    assert (got["Text__c"], got["Count__c"]) == (None, 7)  # #N/A (Bulk) / null = cleared
    assert results(session, out["run_id"])[record_id]["SUCCESS"] is True


def test_push_upsert_reports_created_and_updated(session, client, emu, schema) -> None:
    t = tag()
    client.collection_create("X__c", [{"Name": "old", "External_Id__c": f"P1-{t}"}])
    table = make_table(session, schema, [
        f"('new name', 'P1-{t}', 'x', NULL, NULL, NULL, NULL, NULL)",
        f"('fresh', 'P2-{t}', 'y', NULL, NULL, NULL, NULL, NULL)",
    ])  # fmt: skip
    out = do_push(session, client, "upsert", table, external_id_field="External_Id__c",
                  collections_threshold=0)  # fmt: skip
    assert (out["success"], out["created"], out["updated"]) == (True, 1, 1)
    got = x_rows(client, [f"P1-{t}", f"P2-{t}"])
    assert (got[f"P1-{t}"]["Name"], got[f"P2-{t}"]["Name"]) == ("new name", "fresh")
    stored = results(session, out["run_id"])
    assert (stored[f"P1-{t}"]["CREATED"], stored[f"P2-{t}"]["CREATED"]) == (False, True)


@pytest.mark.parametrize("operation", ["delete", "hardDelete"])
def test_push_delete_operations_remove_records(session, client, emu, schema, operation) -> None:
    t = tag()
    made = client.collection_create(
        "X__c", [{"Name": f"D{i}", "External_Id__c": f"D{i}-{t}"} for i in range(3)]
    )
    session.sql(f"CREATE TABLE {schema}.DEL AS SELECT column1 AS ID FROM VALUES "
                + ", ".join(f"('{m.id}')" for m in made[:2])).collect()  # fmt: skip
    out = do_push(session, client, operation, f"{schema}.DEL")
    assert out["success"] and out["succeeded"] == 2
    live = x_rows(client, [f"D{i}-{t}" for i in range(3)])
    assert list(live) == [f"D2-{t}"]
    everything = x_rows(client, [f"D{i}-{t}" for i in range(3)], deleted=True)
    expected_deleted = 2 if operation == "delete" else 0
    assert sum(1 for r in everything.values() if r["IsDeleted"]) == expected_deleted


def test_push_failed_rows_keep_salesforce_error_text(session, client, emu, schema) -> None:
    emu.org.add_rule(RecordRule("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Text must not start BAD",
                                field="Text__c", pattern="^BAD", sobject="X__c"))  # fmt: skip
    t = tag()
    table = make_table(session, schema, [
        f"('ok', 'F1-{t}', 'fine', NULL, NULL, NULL, NULL, NULL)",
        f"('no', 'F2-{t}', 'BAD one', NULL, NULL, NULL, NULL, NULL)",
    ])  # fmt: skip
    out = do_push(session, client, "upsert", table, external_id_field="External_Id__c",
                  collections_threshold=0)  # fmt: skip
    assert (out["success"], out["status"], out["failed"], out["succeeded"]) == (
        False,
        "PARTIAL",
        1,
        1,
    )
    stored = results(session, out["run_id"])
    assert stored[f"F2-{t}"]["ERROR"].startswith(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION:Text must not start BAD"
    )
    assert stored[f"F2-{t}"]["SUCCESS"] is False
    run = rows(session, "SELECT * FROM LHT.PUSH_RUNS WHERE RUN_ID = ?", out["run_id"])[0]
    assert (run["ROWS_FAILED"], run["SUCCESS"]) == (1, False)
    assert list(x_rows(client, [f"F1-{t}", f"F2-{t}"])) == [f"F1-{t}"]


def test_push_only_changed_sends_only_changed_rows(session, client, emu, schema) -> None:
    t = tag()
    table = make_table(
        session,
        schema,
        [f"('n{i}', 'C{i}-{t}', 'v', NULL, NULL, NULL, NULL, NULL)" for i in range(5)],
    )
    opts = {"external_id_field": "External_Id__c", "only_changed": True,
            "collections_threshold": 0}  # fmt: skip
    first = do_push(session, client, "upsert", table, **opts)
    assert first["rows_sent"] == 5 and first["success"]
    mark = last_seq(emu)
    second = do_push(session, client, "upsert", table, **opts)
    assert (second["rows_sent"], second["rows_unchanged"], second["jobs"]) == (0, 5, [])
    assert log_since(emu, mark, "POST", "/jobs/ingest") == []
    session.sql(f"UPDATE {table} SET TEXT__C = 'changed' WHERE EXTERNAL_ID__C = 'C3-{t}'"
                ).collect()  # fmt: skip
    mark = last_seq(emu)
    third = do_push(session, client, "upsert", table, **opts)
    assert (third["rows_sent"], third["rows_unchanged"]) == (1, 4)
    uploads = log_since(emu, mark, "PUT", "/batches")
    assert len(uploads) == 1 and uploads[0].body.count("\n") == 2
    assert f"C3-{t}" in uploads[0].body
    assert x_rows(client, [f"C3-{t}"])[f"C3-{t}"]["Text__c"] == "changed"


def test_push_large_push_split_into_several_jobs(session, client, emu, schema) -> None:
    t = tag()
    table = f"{schema}.BIG"
    session.sql(f"CREATE TABLE {table} (NAME VARCHAR, EXTERNAL_ID__C VARCHAR)").collect()
    session.sql(f"INSERT INTO {table} SELECT 'big ' || seq4(), 'B' || seq4() || '-{t}' "
                "FROM TABLE(GENERATOR(ROWCOUNT => 300))").collect()  # fmt: skip
    out = do_push(session, client, "upsert", table, external_id_field="External_Id__c",
                  max_job_bytes=2048)  # fmt: skip
    assert out["success"] and out["succeeded"] == 300 and out["created"] == 300
    assert len(out["jobs"]) >= 3
    uploads = [e for e in emu.org.request_log.entries() if e.method == "PUT"
               and any(j in e.path for j in out["jobs"])]  # fmt: skip
    assert len(uploads) == len(out["jobs"])
    assert len(x_rows(client, [f"B{i}-{t}" for i in (0, 150, 299)])) == 3


def test_push_small_push_uses_collections(session, client, emu, schema) -> None:
    t = tag()
    table = make_table(
        session,
        schema,
        [f"('s{i}', 'S{i}-{t}', NULL, NULL, NULL, NULL, NULL, NULL)" for i in range(3)],
    )
    mark = last_seq(emu)
    out = do_push(session, client, "upsert", table, external_id_field="External_Id__c")
    assert (out["method"], out["success"], out["created"]) == ("collections", True, 3)
    assert log_since(emu, mark, "POST", "/jobs/ingest") == []
    assert len(log_since(emu, mark, "PATCH", "/composite/sobjects/X__c/External_Id__c")) == 1
    assert len(x_rows(client, [f"S{i}-{t}" for i in range(3)])) == 3


def test_push_lock_failures_retried_once(session, client, emu, schema) -> None:
    rule = emu.org.add_rule(RecordRule("UNABLE_TO_LOCK_ROW", field="Text__c", pattern="^lock",
                                       sobject="X__c"))  # fmt: skip

    class LockReleasedAfterFirstJob:
        """The real client; the row lock is released once the first job has run."""

        def __init__(self, inner: SalesforceClient) -> None:
            self.inner, self.jobs = inner, 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def ingest_job(self, *args: Any, **kwargs: Any) -> Any:
            self.jobs += 1
            if self.jobs == 2:
                emu.org.rules.remove(rule)
            return self.inner.ingest_job(*args, **kwargs)

    t = tag()
    table = make_table(session, schema, [
        f"('l', 'L1-{t}', 'locked', NULL, NULL, NULL, NULL, NULL)",
        f"('f', 'L2-{t}', 'free', NULL, NULL, NULL, NULL, NULL)",
    ])  # fmt: skip
    out = push_sobject(session, LockReleasedAfterFirstJob(client), "X__c", "upsert", table,
                       options={"external_id_field": "External_Id__c",
                                "collections_threshold": 0}, poll=POLL)  # fmt: skip
    assert (out["success"], out["retried"], out["succeeded"], len(out["jobs"])) == (True, 1, 2, 2)
    assert x_rows(client, [f"L1-{t}"])[f"L1-{t}"]["Text__c"] == "locked"


@pytest.mark.parametrize(
    "case",
    [
        ("insert", "SELECT 'x' AS NOPE__C", {}, "unknown column NOPE__C"),
        ("insert", "SELECT 'x' AS DATE__C", {}, "string values cannot be pushed to date"),
        (
            "upsert",
            "SELECT 'x' AS NAME",
            {"external_id_field": "External_Id__c"},
            "needs column External_Id__c",
        ),
        (
            "upsert",
            "SELECT 'x' AS NAME",
            {"external_id_field": "Text__c"},
            "not an external ID field",
        ),
        ("insert", "NO_SUCH_TABLE_Q", {}, "cannot be read"),
        ("insert", "SELECT name FROM", {}, "cannot be read"),
        ("update", "SELECT 'x' AS NAME", {}, "needs column Id"),
        ("insert", "SELECT 'x' AS NAME", {"sobject": "Nope__c"}, "no object 'Nope__c'"),
    ],
)
def test_push_bad_input_creates_no_job_and_writes_nothing(session, client, emu, case) -> None:
    operation, source, options, message = case
    options = dict(options)
    sobject = options.pop("sobject", "X__c")
    do_push(session, client, "insert", "SELECT 1 AS COUNT__C WHERE 1 = 0")  # tables exist
    runs_before = rows(session, "SELECT COUNT(*) AS N FROM LHT.PUSH_RUNS")[0]["N"]
    mark = last_seq(emu)
    out = push_sobject(session, client, sobject, operation, source, options=options, poll=POLL)
    assert out["success"] is False and message in out["error"]
    assert out["error"].startswith("ConfigError")
    sent = [e for e in emu.org.request_log.entries() if e.seq > mark
            and ("/jobs/ingest" in e.path or "/composite/" in e.path)]  # fmt: skip
    assert sent == []
    assert rows(session, "SELECT COUNT(*) AS N FROM LHT.PUSH_RUNS")[0]["N"] == runs_before


def test_push_empty_source_is_noop(session, client, emu, schema) -> None:
    table = make_table(session, schema, [])
    mark = last_seq(emu)
    out = do_push(session, client, "insert", table)
    assert (out["success"], out["method"], out["rows_sent"]) == (True, "none", 0)
    writes = [e for e in emu.org.request_log.entries() if e.seq > mark
              and e.method != "GET" and e.path.startswith("/services/data")]  # fmt: skip
    assert writes == []


def test_push_failed_job_rows_recorded_unprocessed(session, client, emu, schema) -> None:
    emu.org.options.set("bulk.force_fail_message", "InvalidBatch : forced by test")
    t = tag()
    table = make_table(
        session,
        schema,
        [f"('j{i}', 'J{i}-{t}', NULL, NULL, NULL, NULL, NULL, NULL)" for i in range(2)],
    )
    out = do_push(session, client, "upsert", table, external_id_field="External_Id__c",
                  collections_threshold=0)  # fmt: skip
    assert (out["success"], out["status"], out["unprocessed"], out["succeeded"]) == (
        False,
        "FAILED",
        2,
        0,
    )
    stored = results(session, out["run_id"])
    assert all("InvalidBatch : forced by test" in r["ERROR"] for r in stored.values())
    assert {r["OUTCOME"] for r in stored.values()} == {"unprocessed"}
    assert x_rows(client, [f"J0-{t}", f"J1-{t}"]) == {}


def test_push_poll_timeout_aborts_job_and_counts_rows_unprocessed(
    session, client, emu, schema
) -> None:
    emu.org.options.set("bulk.polls_in_progress", 10_000)
    t = tag()
    table = make_table(
        session,
        schema,
        [f"('t{i}', 'T{i}-{t}', NULL, NULL, NULL, NULL, NULL, NULL)" for i in range(2)],
    )
    out = do_push(session, client, "upsert", table, external_id_field="External_Id__c",
                  collections_threshold=0, poll_timeout_seconds=0.3)  # fmt: skip
    assert out["success"] is False
    assert out["succeeded"] + out["failed"] + out["unprocessed"] == 2
    job = out["jobs"][0]
    aborts = [e for e in emu.org.request_log.entries()
              if e.method == "PATCH" and job in e.path and "Aborted" in e.body]  # fmt: skip
    assert len(aborts) == 1


def test_push_procedure_handler_reads_secret_and_returns_summary(
    session, emu, schema, monkeypatch
) -> None:
    secret = {"login_url": emu.base_url, "client_id": emu.client_id,
              "client_secret": emu.client_secret}  # fmt: skip
    monkeypatch.setenv("LHT_SECRET_SALESFORCE_OAUTH", json.dumps(secret))
    t = tag()
    table = make_table(
        session,
        schema,
        [f"('h{i}', 'H{i}-{t}', NULL, NULL, NULL, NULL, NULL, NULL)" for i in range(2)],
    )
    options = json.dumps({"external_id_field": "External_Id__c"})
    out = handler.push_sobject_with_options(session, "X__c", "upsert", table, options)
    assert (out["success"], out["created"], out["method"]) == (True, 2, "collections")
    bad = handler.push_sobject(session, "X__c", "merge", table)
    assert bad["success"] is False and "unknown push operation" in bad["error"]
    bad = handler.push_sobject_with_options(session, "X__c", "insert", table, "[1]")
    assert bad["success"] is False and "options must be an object" in bad["error"]


def test_push_relationship_column_sets_lookup(session, client, emu, schema) -> None:
    account_id = next(client.query_records("SELECT Id FROM Account LIMIT 1"))["Id"]
    t = tag()
    session.sql(
        f'CREATE TABLE {schema}.REL (NAME VARCHAR, EXTERNAL_ID__C VARCHAR, "Account__r.Id" VARCHAR)'
    ).collect()
    session.sql(f"INSERT INTO {schema}.REL VALUES (?, ?, ?)",
                params=["rel", f"R1-{t}", account_id]).collect()  # fmt: skip
    out = do_push(session, client, "insert", f"{schema}.REL", collections_threshold=0)
    assert out["success"], out
    got = next(
        client.query_records(
            f"SELECT Account__c FROM X__c WHERE External_Id__c = {quote_string(f'R1-{t}')}"
        )
    )
    assert got["Account__c"] == account_id


def push_runs(session: Any, run_id: str) -> list[dict[str, Any]]:
    return rows(session, "SELECT * FROM LHT.PUSH_RUNS WHERE RUN_ID = ?", run_id)


@pytest.mark.parametrize(
    ("operation", "fault", "options"),
    [
        ("insert", FaultRule(kind="truncate", path="/composite/sobjects", after_bytes=20), {}),
        ("insert", FaultRule(kind="reset", path="/composite/sobjects"), {}),
        ("insert", FaultRule(kind="status", path="/composite/sobjects", status=500), {}),
        ("upsert", FaultRule(kind="truncate", path="/jobs/ingest/[^/]+/successfulResults",
                             after_bytes=10, count=0), {"collections_threshold": 0}),
        ("upsert", FaultRule(kind="reset", path="/jobs/ingest/[^/]+$", method="GET", count=0),
         {"collections_threshold": 0}),
    ],
    ids=["collections-cut", "collections-reset", "collections-500", "bulk-results-cut",
         "bulk-poll-reset"],
)  # fmt: skip
def test_push_answer_lost_records_run_and_each_sent_row_unknown(  # noqa: PLR0917
    session, client, emu, schema, operation, fault, options
) -> None:
    """#11.3: the writes may have landed but the answer was lost: the run is recorded FAILED
    and every sent row without a known outcome gets outcome 'unknown' (never silence)."""
    t = tag()
    table = make_table(
        session, schema,
        [f"('u{i}', 'U{i}-{t}', NULL, NULL, NULL, NULL, NULL, NULL)" for i in range(3)],
    )  # fmt: skip
    emu.org.faults.add(fault)
    run_id = uuid.uuid4().hex
    key = (
        {"external_id_field": "External_Id__c"}
        if operation == "upsert"
        else {"key_column": "EXTERNAL_ID__C"}
    )
    out = push_sobject(session, client, "X__c", operation, table, run_id=run_id, poll=POLL,
                       options={**key, **options})  # fmt: skip
    assert out["success"] is False and out["error"]
    (run,) = push_runs(session, run_id)
    assert run["STATUS"] == "FAILED" and "3 sent row(s) have outcome unknown" in run["ERROR"]
    stored = results(session, run_id)
    assert set(stored) == {f"U{i}-{t}" for i in range(3)}
    assert {r["OUTCOME"] for r in stored.values()} == {"unknown"}
