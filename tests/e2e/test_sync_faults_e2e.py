"""Faults and bad input end to end: each run ends in exact equality or success False with
the table and watermark unchanged, and a rerun converges."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest

from emulator import FaultRule
from lht.errors import ConfigError, WarehouseError
from lht.orchestrate.config import set_config
from lht.state.bootstrap import ensure_state_tables
from lht.warehouse.runner import StatementRunner
from lht.warehouse.state_statements import StateTables

STAGE = {"bulk_api_threshold": 1, "stage_threshold": 2, "max_records": 40}


def snapshot(h, table):
    return h.rows(table), [(r["WATERMARK"], r["LAST_RUN_ID"]) for r in h.state(table)]


def assert_failed_unchanged(h, table, result, before):
    assert result["success"] is False and result["error"]
    assert snapshot(h, table) == before
    assert h.runs(table)[-1]["STATUS"] == "FAILED"


def first_sync_then_change(emu, h):
    assert h.sync("Account", "accounts")["success"]
    ids = sorted(h.rows("accounts"))
    emu.org.update("Account", ids[0], {"Name": "After the fault"})
    return snapshot(h, "accounts")


def test_e2e_5xx_burst_is_retried_to_equality(emu, h):
    emu.org.faults.add(FaultRule(kind="status", path="/jobs/query", status=503, count=2))
    emu.org.faults.add(FaultRule(kind="status", path="/results", status=502, count=1))
    result = h.sync("Account", "accounts", **STAGE)
    assert result["success"], result["error"]
    assert h.differences("Account", "accounts") == []


def test_e2e_401_mid_run_refreshes_token(emu, h):
    emu.org.faults.add(FaultRule(kind="session", path="/results", nth=2, count=1))
    result = h.sync("Account", "accounts", **STAGE)
    assert result["success"], result["error"]
    assert h.differences("Account", "accounts") == []


def test_e2e_failed_job_leaves_table_and_watermark(emu, h):
    before = first_sync_then_change(emu, h)
    emu.org.options.set("bulk.force_fail_message", "InternalServerError : retried too often")
    result = h.sync("Account", "accounts", **STAGE)
    assert "SalesforceJobFailed" in result["error"]
    assert_failed_unchanged(h, "accounts", result, before)
    emu.org.options.set("bulk.force_fail_message", "")
    assert h.sync("Account", "accounts", **STAGE)["success"]
    assert h.differences("Account", "accounts") == []


def test_e2e_truncated_page_never_loads_partially(emu, h):
    before = first_sync_then_change(emu, h)
    emu.org.faults.add(FaultRule(kind="truncate", path="/results", after_bytes=200, count=10))
    result = h.sync("Account", "accounts", **STAGE)
    if result["success"]:  # the client re-fetched the page intact
        assert h.differences("Account", "accounts") == []
    else:
        assert_failed_unchanged(h, "accounts", result, before)
    emu.org.faults.clear()
    assert h.sync("Account", "accounts", **STAGE)["success"]
    assert h.differences("Account", "accounts") == []


@pytest.mark.parametrize(
    ("path", "nth", "options"),
    [("/describe", 1, {}), ("/queryAll", 2, {}), ("/jobs/query/[^/]+$", 2, STAGE)],
    ids=["describe", "rest-page", "job-poll"],
)
def test_e2e_truncated_answer_is_retried_to_equality(emu, h, path, nth, options):
    """#11.3: a non-streamed answer cut mid-body (describe, REST query page, job poll)
    raised requests' ChunkedEncodingError through the run: no retry, a RUNNING row."""
    before = first_sync_then_change(emu, h)
    emu.org.faults.add(FaultRule(kind="truncate", path=path, nth=nth, after_bytes=60, count=1))
    result = h.sync("Account", "accounts", **options)
    assert result["success"], result["error"]
    assert h.differences("Account", "accounts") == []
    assert snapshot(h, "accounts") != before
    assert [f["fired"] for f in emu.org.faults.list()] == [1]


def test_e2e_request_limit_exceeded_stops_run_unchanged(emu, h):
    before = first_sync_then_change(emu, h)
    emu.org.faults.add(FaultRule(kind="limit", path="/query", count=0))
    result = h.sync("Account", "accounts")
    assert "REQUEST_LIMIT_EXCEEDED" in result["error"] or "RateLimit" in result["error"]
    assert_failed_unchanged(h, "accounts", result, before)
    emu.org.faults.clear()
    assert h.sync("Account", "accounts")["success"]
    assert h.differences("Account", "accounts") == []


class FailingRunner:
    """Wraps the real runner; raises when the named statement is about to run."""

    def __init__(self, inner, fail_on):
        self.inner, self.fail_on = inner, fail_on

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def run(self, stmt):
        if stmt.name == self.fail_on:
            raise WarehouseError(f"injected failure before {stmt.name}")
        return self.inner.run(stmt)

    @contextlib.contextmanager
    def transaction(self):
        with self.inner.transaction():
            yield self  # statements inside the transaction also pass through run()


@pytest.mark.parametrize(
    ("fail_on", "options"),
    [("merge_from_staging", {}), ("upsert_state", {}), ("update_run", {}),
     ("merge_from_staging", {"force_full_sync": True}),
     ("flag_absent_rows", {"force_full_sync": True}),
     ("upsert_state", {"force_full_sync": True})],
)  # fmt: skip
def test_e2e_failure_between_copy_and_commit_changes_nothing(emu, h, runner, fail_on, options):
    before = first_sync_then_change(emu, h)
    wrapped = FailingRunner(runner, fail_on)
    result = h.sync("Account", "accounts", runner=wrapped, **options)
    assert "injected failure" in result["error"] and "__LHT_STG_" in result["error"]
    assert f"files @LHT.LHT_STAGE/Account/{result['run_id']}/" in result["error"]
    assert snapshot(h, "accounts") == before
    # failing every update_run also fails the failed-row write (said in the error): the row
    # stays RUNNING, its lock expired, so the next run takes over and ends that row
    expected = "RUNNING" if fail_on == "update_run" else "FAILED"
    assert h.runs("accounts")[-1]["STATUS"] == expected
    assert h.sync("Account", "accounts")["success"]
    assert h.differences("Account", "accounts") == []
    failed = next(r for r in h.runs("accounts") if r["RUN_ID"] == result["run_id"])
    assert failed["STATUS"] == "FAILED"


def test_e2e_first_sync_failing_before_rename_names_the_new_table(h, runner):
    result = h.sync("Account", "accounts", runner=FailingRunner(runner, "rename_table"))
    assert result["success"] is False
    for kept in ("__LHT_STG_", "__LHT_NEW_", "files @LHT.LHT_STAGE/Account/"):
        assert kept in result["error"]
    assert not h.table_exists("accounts") and h.state("accounts") == []
    assert h.sync("Account", "accounts")["success"]
    assert h.differences("Account", "accounts") == []


def test_e2e_first_sync_dying_between_rename_and_state_commit_converges(emu, h, runner):
    """The rename is DDL (commits on its own): a failure after it leaves the loaded table
    without a watermark, so the rerun is a full sync again and converges."""
    result = h.sync("Account", "accounts", runner=FailingRunner(runner, "upsert_state"))
    assert result["success"] is False and "__LHT_NEW_" not in result["error"]
    assert h.table_exists("accounts") and h.state("accounts") == []
    emu.org.update("Account", sorted(h.rows("accounts"))[0], {"Name": "Changed meanwhile"})
    rerun = h.sync("Account", "accounts")
    assert rerun["success"] and rerun["sync_mode"] == "full"
    assert h.differences("Account", "accounts") == []


@pytest.mark.parametrize(
    "case",
    [
        ("NoSuch__c", None, "t", {}, "NoSuch__c"),
        ("Account", None, "t", {"include_fields": ("Nope__c",)}, "Nope__c"),
        ("Account", None, "t", {"where_clause": "Name = 'x'; DROP"}, "where clause"),
        ("Account", None, "t", {"where_clause": "Bogus__c = 1"}, "Bogus__c"),
        ("Account", 'RAW"X', "t", {}, "schema name"),
        ("Account", None, "t;drop", {}, "table name"),
        ("Account", None, "tÄble", {}, "table name"),
        ("Account", None, "my table", {}, "table name"),
    ],
)
def test_e2e_bad_input_is_clear_error_and_creates_nothing(h, case):
    sobject, schema, table, options, needle = case
    if schema is not None:
        h.schema = schema
    result = h.sync(sobject, table, **options)
    assert result["success"] is False and needle in result["error"]
    if schema is None and table.isidentifier():
        assert not h.table_exists(table)


@pytest.mark.parametrize("skew_hours", [1, -3])
def test_e2e_salesforce_clock_skewed_from_local_incremental_converges(emu, h, client, skew_hours):
    """Windows are planned on Salesforce's clock (HTTP Date), not the local one: with the org
    clock hours ahead or behind, changed rows are still inside the next window."""
    emu.org.clock.advance(skew_hours * 3600)
    first = h.sync("Account", "accounts")
    assert first["success"], first["error"]
    server = client.server_time()
    assert server is not None and abs((server - emu.org.clock.now()).total_seconds()) < 5
    watermark = datetime.fromisoformat(first["last_modified_date"].replace("Z", "+00:00"))
    assert abs((watermark - emu.org.clock.now()).total_seconds()) < 60
    emu.org.clock.advance(60)
    ids = sorted(h.rows("accounts"))
    emu.org.update("Account", ids[0], {"Name": "Changed on a skewed clock"})
    second = h.sync("Account", "accounts")
    assert second["success"] and second["sync_mode"] == "incremental"
    assert second["rows_updated"] >= 1
    assert h.differences("Account", "accounts") == []


@pytest.mark.parametrize(("schema", "table"), [("LHT", "SYNC_RUNS"), ("lht", "sync_state"),
                                              ("LHT", "ACCOUNTS")])  # fmt: skip
def test_e2e_lht_own_schema_refused_as_target_before_anything_is_created(h, schema, table):
    """#11.1: `lht sync Account LHT SYNC_RUNS` added Account's columns to SYNC_RUNS and merged
    the accounts into it. LHT's own schema (state tables, stages) is never a target."""
    ensure_state_tables(StatementRunner(h.session), StateTables())
    columns = "SELECT COUNT(*) AS N FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'LHT'"
    before = h.session.sql(columns).collect()[0]["N"]
    runs_before = h.session.sql("SELECT COUNT(*) AS N FROM LHT.SYNC_RUNS").collect()[0]["N"]
    h.schema = schema
    result = h.sync("Account", table)
    assert result["success"] is False
    assert result["error"].startswith("ConfigError:") and "LHT's own schema" in result["error"]
    assert h.session.sql(columns).collect()[0]["N"] == before
    assert h.session.sql("SELECT COUNT(*) AS N FROM LHT.SYNC_RUNS").collect()[0]["N"] == runs_before


def test_e2e_lht_own_schema_refused_in_sync_config(h):
    with pytest.raises(ConfigError, match="LHT's own schema"):
        set_config(h.session, "Account", "LHT", "ACCOUNTS")


def test_e2e_count_query_timeout_falls_back_to_bulk_and_converges(emu, h):
    timeout = FaultRule(kind="error", path="/queryAll", status=400, count=1,
                        error_code="QUERY_TIMEOUT",
                        message="Your query request was running for too long.")  # fmt: skip
    emu.org.faults.add(timeout)
    result = h.sync("Account", "accounts")

    assert result["success"], result["error"]
    assert result["sync_method"] == "bulk_api_stage_full"
    assert any("COUNT() estimate timed out" in w for w in result["warnings"])
    assert h.runs("accounts")[-1]["ESTIMATED_RECORDS"] is None
    assert h.differences("Account", "accounts") == []


@pytest.mark.parametrize("options", [{}, {"bulk_api_threshold": 1}], ids=["rest", "bulk"])
def test_e2e_backslashes_in_text_load_verbatim(emu, h, options):
    """#16.6: a backslash is data (COPY ESCAPE_UNENCLOSED_FIELD = NONE): alone, as ``\\N``
    (Snowflake's default NULL marker for escaped fields), and at the end of a value."""
    assert h.sync("Account", "accounts", **options)["success"]
    ids = sorted(h.rows("accounts"))[:3]
    values = {ids[0]: "C:\\temp\\x", ids[1]: "\\N", ids[2]: "ends with \\"}
    for record_id, name in values.items():
        emu.org.update("Account", record_id, {"Name": name})
    result = h.sync("Account", "accounts", **options)
    assert result["success"], result["error"]
    names = {r["ID"]: r["NAME"] for r in h.session.sql(
        f'SELECT "ID", "NAME" FROM "{h.schema}"."ACCOUNTS"').collect()}  # fmt: skip
    assert {k: names[k] for k in values} == values
    assert h.differences("Account", "accounts") == []
