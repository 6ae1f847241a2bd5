"""State tables, watermarks, run log and locks on the local stand-in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from lht.errors import ConcurrentRunError, WarehouseError
from lht.state.bootstrap import ensure_state_tables
from lht.state.locks import TargetLock, lock_key
from lht.state.runlog import RunCounts, RunStart, failed_run, start_run, successful_run
from lht.state.watermarks import advance_watermark, read_sync_state
from lht.warehouse import lock_statements as lst
from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import Statement

T0 = dt.datetime(2024, 1, 2, 3, 4, 5, 123000)


@pytest.fixture
def tables(runner: StatementRunner, schema: str) -> sst.StateTables:
    found = sst.StateTables(schema)
    ensure_state_tables(runner, found)
    return found


def _clock(moment: dt.datetime) -> Any:
    return lambda: moment


def _runs(runner: StatementRunner, tables: sst.StateTables) -> list[Any]:
    return runner.run(Statement("read", f"SELECT * FROM {tables.runs.sql} ORDER BY RUN_ID"))


def test_ensure_state_tables_twice_is_idempotent(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    ensure_state_tables(runner, tables)
    assert read_sync_state(runner, tables, "Account", "RAW", "ACCOUNTS") is None


def test_advance_watermark_insert_then_update_reads_back(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    first = advance_watermark(tables, sobject="Account", schema="RAW", table="ACCOUNTS",
                              watermark_field="SystemModstamp", upper_bound=T0, run_id="r1",
                              success_at=T0)  # fmt: skip
    runner.run_all(list(first))
    later = T0 + dt.timedelta(hours=1)
    runner.run_all(list(advance_watermark(tables, sobject="Account", schema="RAW", table="ACCOUNTS",
                                 watermark_field="SystemModstamp", upper_bound=later,
                                 run_id="r2", success_at=later)))  # fmt: skip
    state = read_sync_state(runner, tables, "Account", "RAW", "ACCOUNTS")
    assert state is not None
    assert (state.watermark_field, state.watermark, state.last_run_id) == (
        "SystemModstamp", later, "r2")  # fmt: skip
    assert read_sync_state(runner, tables, "Contact", "RAW", "ACCOUNTS") is None


def test_advance_watermark_keeps_deletes_and_formula_marks_when_not_given(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    def advance(run_id: str, **marks: dt.datetime) -> None:
        runner.run_all(list(advance_watermark(tables, sobject="Account", schema="RAW",
                                              table="M", watermark_field="SystemModstamp",
                                              upper_bound=T0, run_id=run_id, success_at=T0,
                                              **marks)))  # fmt: skip

    advance("r1", deletes_checked_to=T0, formulas_refreshed_at=T0)
    advance("r2")
    state = read_sync_state(runner, tables, "Account", "RAW", "M")
    assert state is not None and (state.deletes_checked_to, state.formulas_refreshed_at) == (T0, T0)
    later = T0 + dt.timedelta(minutes=5)
    advance("r3", deletes_checked_to=later)
    runner.run(sst.mark_formulas_refreshed(tables, sobject="Account", schema="RAW", table="M",
                                           at=later))  # fmt: skip
    state = read_sync_state(runner, tables, "Account", "RAW", "M")
    assert state is not None
    assert (state.deletes_checked_to, state.formulas_refreshed_at) == (later, later)
    assert (state.watermark, state.last_run_id) == (T0, "r3")


def test_ensure_state_tables_migrates_an_older_install(
    runner: StatementRunner, schema: str
) -> None:
    """Tables created by an older LHT (no deletions checkpoint, no formula columns) get the
    new columns, keeping their rows; a second call runs no DDL."""
    old = sst.StateTables(schema)
    runner.run(Statement("old_state", f"CREATE TABLE {old.state.sql} (SOBJECT VARCHAR, "
                         "TARGET_SCHEMA VARCHAR, TARGET_TABLE VARCHAR, WATERMARK_FIELD VARCHAR, "
                         "WATERMARK TIMESTAMP_NTZ, LAST_RUN_ID VARCHAR, "
                         "LAST_SUCCESS_AT TIMESTAMP_NTZ)", ddl=True))  # fmt: skip
    runner.run(Statement("old_row", f"INSERT INTO {old.state.sql} (SOBJECT, TARGET_SCHEMA, "
                         "TARGET_TABLE, WATERMARK_FIELD, WATERMARK) SELECT 'Account', 'RAW', "
                         "'A', 'SystemModstamp', TO_TIMESTAMP_NTZ(?)",
                         (sst.timestamp_param(T0),)))  # fmt: skip
    old_runs = [c for c in sst.RUN_COLUMNS if c not in ("DELETE_CHECK", "FORMULA_COLUMNS")]
    runner.run(Statement("old_runs", f"CREATE TABLE {old.runs.sql} "
                         f"({', '.join(c + ' VARCHAR' for c in old_runs)})", ddl=True))  # fmt: skip
    ensure_state_tables(runner, old)
    state = read_sync_state(runner, old, "Account", "RAW", "A")
    assert state is not None and state.watermark == T0 and state.deletes_checked_to is None
    found = runner.run(sst.state_columns(old))
    columns = {(r["TABLE_NAME"], r["COLUMN_NAME"]) for r in found}
    expected = {(t, c) for t, cols in sst.expected_columns(old).items() for c in cols}
    assert columns == expected

    class NoDdl(StatementRunner):
        def run(self, stmt: Statement) -> list[Any]:
            assert not stmt.ddl, stmt.text
            return super().run(stmt)

    ensure_state_tables(NoDdl(runner.session), old)


def test_advance_watermark_aware_datetime_stored_as_utc(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    aware = dt.datetime(2024, 1, 2, 5, 4, 5, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    runner.run_all(list(advance_watermark(tables, sobject="Case", schema="RAW", table="CASE",
                                 watermark_field="SystemModstamp", upper_bound=aware,
                                 run_id="r1", success_at=T0)))  # fmt: skip
    state = read_sync_state(runner, tables, "Case", "RAW", "CASE")
    assert state is not None and state.watermark == T0


def test_transaction_rollback_leaves_state_unchanged(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    runner.run_all(list(advance_watermark(tables, sobject="Account", schema="RAW", table="A",
                                 watermark_field="SystemModstamp", upper_bound=T0, run_id="r1",
                                 success_at=T0)))  # fmt: skip
    later = T0 + dt.timedelta(days=1)
    with pytest.raises(RuntimeError), runner.transaction() as tx:
        tx.run_all(list(advance_watermark(tables, sobject="Account", schema="RAW", table="A",
                                 watermark_field="SystemModstamp", upper_bound=later,
                                 run_id="r2", success_at=later)))  # fmt: skip
        raise RuntimeError("injected between MERGE and COMMIT")
    state = read_sync_state(runner, tables, "Account", "RAW", "A")
    assert state is not None and (state.watermark, state.last_run_id) == (T0, "r1")
    assert not runner.in_transaction


def test_transaction_refuses_ddl_inside(runner: StatementRunner, tables: sst.StateTables) -> None:
    with pytest.raises(WarehouseError, match="DDL inside a transaction"), runner.transaction():
        runner.run(sst.create_state_table(tables))


def test_runlog_start_then_success_row(runner: StatementRunner, tables: sst.StateTables) -> None:
    start = RunStart("run-1", "Account", "RAW", "ACCOUNTS", "bulk_api_full", T0,
                     estimated_records=10, watermark_to=T0)  # fmt: skip
    runner.run(start_run(tables, start))
    assert _runs(runner, tables)[0]["STATUS"] == "RUNNING"
    counts = RunCounts(rows_extracted=10, rows_inserted=7, rows_updated=3, bytes_staged=99,
                       api_calls=4)  # fmt: skip
    with runner.transaction() as tx:
        tx.run(successful_run(tables, "run-1", T0 + dt.timedelta(seconds=5), counts))
    row = _runs(runner, tables)[0]
    assert row["STATUS"] == "SUCCESS"
    assert (row["ROWS_INSERTED"], row["ROWS_UPDATED"], row["API_CALLS"]) == (7, 3, 4)
    assert row["ENDED_AT"] == T0 + dt.timedelta(seconds=5)
    assert row["ERROR"] is None


def test_runlog_failed_row_keeps_truncated_error(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    runner.run(start_run(tables, RunStart("run-2", "Account", "RAW", "A", "regular_api_full", T0)))
    runner.run(failed_run(tables, "run-2", T0, "x" * 5000))
    row = _runs(runner, tables)[0]
    assert row["STATUS"] == "FAILED"
    assert len(row["ERROR"]) == 4000


def _holders(runner: StatementRunner, tables: sst.StateTables, key: str) -> list[Any]:
    return [r["RUN_ID"] for r in runner.run(lst.read_lock(tables, key)) if r["RUN_ID"]]


def _running(runner: StatementRunner, tables: sst.StateTables, run_id: str) -> None:
    runner.run(start_run(tables, RunStart(run_id, "Account", "RAW", "A", "bulk_api_full", T0)))


def test_lock_second_run_fails_fast_with_concurrent_run_error(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    key = lock_key("raw", "accounts")
    first = TargetLock(runner, tables, key, "run-a", clock=_clock(T0))
    first.acquire()
    _running(runner, tables, "run-a")
    second = TargetLock(runner, tables, key, "run-b", clock=_clock(T0 + dt.timedelta(minutes=1)))
    with pytest.raises(ConcurrentRunError, match="run-a"):
        second.acquire()
    assert _holders(runner, tables, key) == ["run-a"]  # the loser wrote nothing
    first.release()
    second.acquire()
    assert second.held
    second.release()
    assert _holders(runner, tables, key) == []


def test_lock_expired_holder_is_taken_over_and_its_running_row_failed(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    """A killed run (or a timed-out task child) never releases: once its lock's own lifetime
    has passed, the next run takes over and ends the dead run's RUNNING row."""
    key = lock_key("RAW", "ACCOUNTS")
    TargetLock(runner, tables, key, "killed", clock=_clock(T0),
               stale_after=dt.timedelta(minutes=90)).acquire()  # fmt: skip
    _running(runner, tables, "killed")
    late = T0 + dt.timedelta(minutes=91)  # < the taker's 6 h: the holder's lifetime decides
    with TargetLock(runner, tables, key, "fresh", clock=_clock(late)) as lock:
        assert lock.held
        assert _holders(runner, tables, key) == ["fresh"]
    assert _holders(runner, tables, key) == []
    dead = next(r for r in _runs(runner, tables) if r["RUN_ID"] == "killed")
    assert dead["STATUS"] == "FAILED"
    assert "abandoned" in dead["ERROR"] and "fresh" in dead["ERROR"]


def test_lock_held_by_a_run_that_ended_is_taken_over_at_once(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    """A lock whose run is no longer RUNNING (its release failed) blocks nobody."""
    key = lock_key("RAW", "ENDED")
    TargetLock(runner, tables, key, "ended", clock=_clock(T0)).acquire()
    _running(runner, tables, "ended")
    runner.run(failed_run(tables, "ended", T0, "boom"))
    soon = T0 + dt.timedelta(minutes=1)
    with TargetLock(runner, tables, key, "next", clock=_clock(soon)) as lock:
        assert lock.held
    ended = next(r for r in _runs(runner, tables) if r["RUN_ID"] == "ended")
    assert (ended["STATUS"], ended["ERROR"]) == ("FAILED", "boom")  # its own outcome stays


def test_lock_legacy_row_without_expiry_is_taken_over_when_stale(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    key = lock_key("RAW", "LEGACY")
    runner.run(Statement("legacy", f"INSERT INTO {tables.locks.sql} (TARGET, RUN_ID, ACQUIRED_AT) "
                         "SELECT ?, 'old', TO_TIMESTAMP_NTZ(?)", (key, str(T0))))  # fmt: skip
    _running(runner, tables, "old")
    with pytest.raises(ConcurrentRunError, match="old"):
        TargetLock(runner, tables, key, "early", clock=_clock(T0 + dt.timedelta(hours=5))).acquire()
    with TargetLock(runner, tables, key, "new", clock=_clock(T0 + dt.timedelta(hours=7))) as lock:
        assert lock.held


def test_lock_release_by_other_run_does_not_free_it(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    key = lock_key("RAW", "B")
    holder = TargetLock(runner, tables, key, "holder", clock=_clock(T0))
    holder.acquire()
    runner.run(lst.release_lock(tables, key, "intruder"))
    assert _holders(runner, tables, key) == ["holder"]
    holder.release()


def test_lock_context_releases_on_error(runner: StatementRunner, tables: sst.StateTables) -> None:
    key = lock_key("RAW", f"T{uuid.uuid4().hex[:6]}")
    with pytest.raises(ValueError), TargetLock(runner, tables, key, "r", clock=_clock(T0)):
        raise ValueError("boom")
    assert _holders(runner, tables, key) == []


def test_ensure_state_tables_adds_lock_expiry_to_an_older_locks_table(
    runner: StatementRunner, schema: str
) -> None:
    tables = sst.StateTables(schema)
    runner.run(Statement("old_locks", f"CREATE TABLE {tables.locks.sql} (TARGET VARCHAR, "
                         "RUN_ID VARCHAR, ACQUIRED_AT TIMESTAMP_NTZ)", ddl=True))  # fmt: skip
    ensure_state_tables(runner, tables)
    with TargetLock(runner, tables, "RAW.X", "r", clock=_clock(T0)) as lock:
        rows = runner.run(lst.read_lock(tables, "RAW.X"))
        assert lock.held and rows[0]["EXPIRES_AT"] == T0 + dt.timedelta(hours=6)


def test_advance_watermark_none_reads_back_none(
    runner: StatementRunner, tables: sst.StateTables
) -> None:
    """Objects without a watermark field store NULL; it must not read back as 1970-01-01."""
    runner.run_all(list(advance_watermark(tables, sobject="X__c", schema="RAW", table="X",
                                          watermark_field=None, upper_bound=None, run_id="r1",
                                          success_at=T0)))  # fmt: skip
    state = read_sync_state(runner, tables, "X__c", "RAW", "X")
    assert state is not None
    assert (state.watermark_field, state.watermark) == (None, None)
