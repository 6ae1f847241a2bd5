"""Truthful counts (#12 item 4): a full sync's MERGE rewrites only rows whose values differ,
so ``rows_updated`` is the number of rows that changed in Salesforce."""

from __future__ import annotations


def test_e2e_full_sync_after_one_percent_changed_reports_that_one_percent(emu, h):
    emu.org.load(7, {"Account": 1000}, keep_counts=True)
    first = h.sync("Account", "accounts")
    assert first["success"], first["error"]
    assert first["rows_inserted"] == 1000
    ids = sorted(h.rows("accounts"))
    for rid in ids[::100]:  # 10 of 1,000 rows
        emu.org.update("Account", rid, {"Description": f"changed {rid}"})
    full = h.sync("Account", "accounts", force_full_sync=True)
    assert full["success"], full["error"]
    assert full["sync_mode"] == "full"
    assert (full["rows_inserted"], full["rows_updated"], full["rows_deleted"]) == (0, 10, 0)
    assert h.differences("Account", "accounts") == []
    again = h.sync("Account", "accounts", force_full_sync=True)
    assert (again["rows_inserted"], again["rows_updated"], again["rows_deleted"]) == (0, 0, 0)
