"""The statements a run sends (README "What every run costs"): a run only sends what it needs."""

from __future__ import annotations

from typing import Any

from lht.warehouse.runner import StatementRunner


class Recording(StatementRunner):
    """The session's runner, recording the name of every statement sent."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self.names: list[str] = []

    def run(self, stmt: Any) -> list[Any]:
        self.names.append(stmt.name)
        return super().run(stmt)


def test_e2e_incremental_with_nothing_changed_sends_no_merge_copy_or_remove(h):
    assert h.sync("Account", "accounts")["success"]
    runner = Recording(h.session)
    result = h.sync("Account", "accounts", runner=runner)
    assert result["success"], result["error"]
    assert result["sync_mode"] == "incremental" and result["actual_records"] == 0
    assert not {"merge_from_staging", "copy_into_staging", "remove_stage_prefix"} & set(
        runner.names
    )
    after_lock = runner.names[runner.names.index("insert_run") :]  # lock statements: #11's
    assert after_lock == [
        "insert_run", "read_state", "table_columns", "create_staging_table", "begin",
        "upsert_state", "update_run", "commit", "drop_table", "release_lock",
    ]  # fmt: skip
    assert h.state("accounts")[0]["LAST_RUN_ID"] == result["run_id"]


def test_e2e_incremental_with_changes_merges_once(emu, h):
    assert h.sync("Account", "accounts")["success"]
    emu.org.update("Account", sorted(h.rows("accounts"))[0], {"Name": "Changed"})
    runner = Recording(h.session)
    result = h.sync("Account", "accounts", runner=runner)
    assert result["success"], result["error"] and result["rows_updated"] == 1
    assert runner.names.count("merge_from_staging") == 1
    assert runner.names.count("copy_into_staging") == 1
    assert h.differences("Account", "accounts") == []
