"""#11 item 5: what failed and killed runs leave (staging/rebuild tables, staged files) is
removed by the next run of the target and by CLEANUP_LEFTOVERS; SYNC_STATUS counts it."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lht.errors import WarehouseError
from lht.orchestrate.sync_all import status
from lht.warehouse.runner import StatementRunner
from lht.warehouse.state_statements import timestamp_param
from lht.warehouse.statements import Statement
from procedures import orchestrate as handlers
from tests.e2e.test_orchestrate_procedures_e2e import TableSession

STAGE = {"bulk_api_threshold": 1, "stage_threshold": 2, "max_records": 40}


class FailingRunner:
    """The real runner, failing the named statement."""

    def __init__(self, inner: StatementRunner, fail_on: str) -> None:
        self.inner, self.fail_on = inner, fail_on

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def run(self, stmt: Statement) -> list[Any]:
        if stmt.name == self.fail_on:
            raise WarehouseError(f"injected failure before {stmt.name}")
        return self.inner.run(stmt)

    @contextlib.contextmanager
    def transaction(self) -> Any:
        with self.inner.transaction():
            yield self


def _tables(h: Any, *schemas: str) -> set[str]:
    rows = h.session.sql(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE "
        "CONTAINS(TABLE_NAME, '__LHT_')"
    ).collect()
    return {f"{r['TABLE_SCHEMA']}.{r['TABLE_NAME']}" for r in rows if r["TABLE_SCHEMA"] in schemas}


def _files(h: Any, sobject: str, run_id: str) -> list[str]:
    rows = h.session.sql(f"LIST @LHT.LHT_STAGE/{sobject}/{run_id}/").collect()
    return [r["name"] for r in rows]


def _leftover_count(h: Any, table: str) -> int:
    target = f"{h.schema}.{table.upper()}"
    return next(r["LEFTOVER_TABLES"] for r in status(h.session) if r["TARGET"] == target)


def _staging(run_id: str, table: str = "ACCOUNTS") -> str:
    return f"LHT.{table}__LHT_STG_{run_id[:12].upper()}"


def test_e2e_next_run_removes_what_a_failed_run_left(emu, h, runner):
    assert h.sync("Account", "accounts", **STAGE)["success"]
    emu.org.update("Account", sorted(h.rows("accounts"))[0], {"Name": "changed"})
    failed = h.sync("Account", "accounts", runner=FailingRunner(runner, "merge_from_staging"),
                    **STAGE)  # fmt: skip
    run_id = failed["run_id"]
    assert failed["success"] is False and _staging(run_id) in failed["error"]
    assert _staging(run_id) in _tables(h, "LHT") and _files(h, "Account", run_id)
    assert _leftover_count(h, "accounts") == 1

    rerun = h.sync("Account", "accounts", **STAGE)

    assert rerun["success"], rerun["error"]
    assert _staging(run_id) not in _tables(h, "LHT")
    assert _files(h, "Account", run_id) == []
    assert _leftover_count(h, "accounts") == 0
    assert h.differences("Account", "accounts") == []


def test_e2e_next_run_removes_a_failed_rebuild_table_in_the_target_schema(h, runner):
    failed = h.sync("Account", "accounts", runner=FailingRunner(runner, "rename_table"), **STAGE)
    new = f"{h.schema}.ACCOUNTS__LHT_NEW_{failed['run_id'][:12].upper()}"
    assert new in failed["error"] and new in _tables(h, h.schema)

    assert h.sync("Account", "accounts", **STAGE)["success"]

    assert _tables(h, h.schema, "LHT") & {new, _staging(failed["run_id"])} == set()
    assert _files(h, "Account", failed["run_id"]) == []


def test_e2e_run_left_running_is_ended_and_swept_by_the_next(h, runner):
    """Failing every update_run leaves the row RUNNING with its lock expired (what a killed
    process leaves once its lock went stale): the next run takes over, ends it, sweeps."""
    dead = h.sync("Account", "accounts", runner=FailingRunner(runner, "update_run"), **STAGE)
    assert h.runs("accounts")[-1]["STATUS"] == "RUNNING"

    assert h.sync("Account", "accounts", **STAGE)["success"]

    ended = next(r for r in h.runs("accounts") if r["RUN_ID"] == dead["run_id"])
    assert ended["STATUS"] == "FAILED"
    assert _staging(dead["run_id"]) not in _tables(h, "LHT")
    assert _files(h, "Account", dead["run_id"]) == []


def _fake_run(h: Any, table: str, status_: str, lock_expires: datetime | None) -> str:
    """A run row (and its target's lock) as a live or dead process would have left it."""
    run_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    runner = StatementRunner(h.session)
    runner.run(Statement("fake_run", "INSERT INTO LHT.SYNC_RUNS (RUN_ID, SOBJECT, TARGET_SCHEMA, "
                         "TARGET_TABLE, STATUS, STARTED_AT) VALUES (?, 'Account', ?, ?, ?, "
                         "TO_TIMESTAMP_NTZ(?))",
                         (run_id, h.schema, table, status_, timestamp_param(now))))  # fmt: skip
    if lock_expires is not None:
        runner.run(Statement("fake_lock", "INSERT INTO LHT.SYNC_LOCKS (TARGET, RUN_ID, "
                             "ACQUIRED_AT, EXPIRES_AT) VALUES (?, ?, TO_TIMESTAMP_NTZ(?), "
                             "TO_TIMESTAMP_NTZ(?))", (f"{h.schema}.{table}", run_id,
                             timestamp_param(now), timestamp_param(lock_expires))))  # fmt: skip
    staging = _staging(run_id, table)
    runner.run(Statement("fake_staging", f"CREATE TABLE {staging} (ID VARCHAR)", ddl=True))
    return run_id


def test_e2e_cleanup_leftovers_removes_ended_and_stale_keeps_live_and_unknown(emu, h, runner):
    assert h.sync("Account", "accounts", **STAGE)["success"]
    emu.org.update("Account", sorted(h.rows("accounts"))[0], {"Name": "changed"})
    failed = h.sync("Account", "accounts", runner=FailingRunner(runner, "merge_from_staging"),
                    **STAGE)["run_id"]  # fmt: skip
    orphan = h.sync("Contact", "contacts", runner=FailingRunner(runner, "insert_from_staging"),
                    **STAGE)["run_id"]  # fmt: skip
    for table in (_staging(orphan, "CONTACTS"), f"{h.schema}.CONTACTS__LHT_NEW_{orphan[:12]}"):
        runner.run(Statement("drop", f"DROP TABLE {table}", ddl=True))  # only files are left
    now = datetime.now(UTC)
    live = _fake_run(h, "LIVE_T", "RUNNING", now + timedelta(hours=1))
    stale = _fake_run(h, "STALE_T", "RUNNING", now - timedelta(minutes=1))
    unknown = f"LHT.NOBODY__LHT_STG_{uuid.uuid4().hex[:12].upper()}"
    runner.run(Statement("unknown", f"CREATE TABLE {unknown} (ID VARCHAR)", ddl=True))

    result = handlers.cleanup_leftovers(TableSession(h.session))

    assert result["columns"] == ["KIND", "NAME", "RUN_ID", "RUN_STATUS", "ACTION", "ERROR"]
    rows = {(r["KIND"], r["NAME"]): r for r in result["rows"]}
    assert rows[("table", _staging(failed))]["ACTION"] == "removed"
    assert rows[("files", f"Account/{failed}/")]["ACTION"] == "removed"
    assert rows[("files", f"Contact/{orphan}/")]["ACTION"] == "removed"  # files, table gone
    assert rows[("table", _staging(stale, "STALE_T"))]["ACTION"] == "removed"
    assert rows[("table", _staging(live, "LIVE_T"))]["ACTION"] == "kept"
    assert rows[("table", _staging(live, "LIVE_T"))]["ERROR"] == "its run is still RUNNING"
    assert rows[("table", unknown)]["ERROR"] == "no run row explains it"
    left = _tables(h, "LHT")
    assert _staging(live, "LIVE_T") in left and unknown in left
    assert _staging(failed) not in left and _staging(stale, "STALE_T") not in left
    assert _files(h, "Account", failed) == [] and _files(h, "Contact", orphan) == []
    stale_row = h.session.sql("SELECT STATUS FROM LHT.SYNC_RUNS WHERE RUN_ID = ?",
                              params=[stale]).collect()  # fmt: skip
    assert stale_row[0]["STATUS"] == "FAILED"
    for name in (_staging(live, "LIVE_T"), unknown):
        runner.run(Statement("drop", f"DROP TABLE {name}", ddl=True))
