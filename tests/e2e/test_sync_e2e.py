"""Salesforce emulator (HTTP) → LHT sync → local warehouse, verified column by column
against the emulator's REST API (an independent read path)."""

from __future__ import annotations

import pytest

from emulator import FieldDef

METHOD_OPTIONS = {
    "regular_api": {},
    "bulk_api": {"bulk_api_threshold": 10, "stage_threshold": 100_000, "max_records": 50},
    "bulk_api_stage": {"bulk_api_threshold": 1, "stage_threshold": 2, "max_records": 50},
}


def live_ids(h, sobject: str) -> list[str]:
    rows = h.reader.rows(sobject, ["Id", "IsDeleted"])
    return sorted(i for i, r in rows.items() if not r["IsDeleted"])


def mutate_accounts(emu, h) -> dict[str, str]:
    ids = live_ids(h, "Account")
    emu.org.update(
        "Account", ids[0], {"Name": 'Renamed, "quoted"\nline', "AnnualRevenue": 950000000}
    )
    emu.org.update("Account", ids[1], {"Industry": None})
    new_id = emu.org.insert("Account", {"Name": "Brand New Account"})
    emu.org.delete("Account", ids[2])
    emu.org.delete("Account", ids[3], hard=True)
    return {"updated": ids[0], "new": new_id, "soft": ids[2], "hard": ids[3]}


@pytest.mark.parametrize("family", sorted(METHOD_OPTIONS))
def test_e2e_full_then_incremental_each_method_equals_salesforce(emu, h, family):
    opts = METHOD_OPTIONS[family]
    first = h.sync("Account", "accounts", **opts)
    assert first["success"], first["error"]
    assert first["sync_method"] == f"{family}_full"
    assert first["actual_records"] == first["estimated_records"] == 120
    assert h.differences("Account", "accounts") == []

    changed = mutate_accounts(emu, h)
    second = h.sync("Account", "accounts", method=family, **opts)  # few changes: force family
    assert second["success"], second["error"]
    assert second["sync_method"] == f"{family}_incremental"
    assert second["rows_inserted"] >= 1 and second["rows_updated"] >= 3
    rows = h.rows("accounts")
    assert rows[changed["soft"]]["ISDELETED"] is True
    assert changed["new"] in rows
    # hard deletes are invisible to incremental runs; everything else matches exactly
    diffs = h.differences("Account", "accounts")
    assert diffs == [f"{changed['hard']}: hard-deleted in Salesforce but not flagged ISDELETED"]


def test_e2e_force_full_detects_hard_delete_soft_policy(emu, h):
    assert h.sync("Account", "accounts")["success"]
    changed = mutate_accounts(emu, h)
    result = h.sync("Account", "accounts", force_full_sync=True)
    assert result["success"], result["error"]
    assert result["sync_method"] == "regular_api_full" and result["rows_deleted"] == 1
    assert h.rows("accounts")[changed["hard"]]["ISDELETED"] is True
    assert h.differences("Account", "accounts") == []


def test_e2e_hard_policy_removes_soft_and_hard_deleted_rows(emu, h):
    assert h.sync("Account", "accounts", delete_policy="hard")["success"]
    changed = mutate_accounts(emu, h)
    assert h.sync("Account", "accounts", delete_policy="hard")["success"]
    assert changed["soft"] not in h.rows("accounts")
    assert h.sync("Account", "accounts", delete_policy="hard", force_full_sync=True)["success"]
    assert changed["hard"] not in h.rows("accounts")
    assert h.differences("Account", "accounts", policy="hard") == []


@pytest.mark.parametrize("sobject", ["Contact", "Opportunity", "X__c"])
def test_e2e_every_field_type_round_trips(h, sobject):
    result = h.sync(sobject, f"t_{sobject}", bulk_api_threshold=1, stage_threshold=100_000)
    assert result["success"], result["error"]
    assert h.differences(sobject, f"t_{sobject}") == []


def test_e2e_schema_drift_adds_column_and_loads_new_values(emu, h):
    assert h.sync("Account", "accounts")["success"]
    emu.org.add_field("Account", FieldDef("Region__c", "string", "Region", length=40, custom=True))
    target = live_ids(h, "Account")[0]
    emu.org.update("Account", target, {"Region__c": "EMEA"})
    result = h.sync("Account", "accounts")
    assert result["success"], result["error"]
    assert any("REGION__C" in w for w in result["warnings"])
    assert h.rows("accounts")[target]["REGION__C"] == "EMEA"
    assert h.differences("Account", "accounts") == []


def test_e2e_where_clause_limits_rows(h):
    where = "Industry = 'Banking'"
    result = h.sync("Account", "banks", where_clause=where)
    assert result["success"], result["error"]
    assert 0 < result["actual_records"] < 120
    assert h.differences("Account", "banks", where=where) == []


def test_e2e_zero_rows_creates_empty_table(h):
    result = h.sync("Account", "nothing", where_clause="Name = 'no such account'")
    assert result["success"], result["error"]
    assert result["actual_records"] == 0
    assert h.table_exists("nothing") and h.rows("nothing") == {}


def test_e2e_rerun_without_changes_is_idempotent(h):
    assert h.sync("Account", "accounts", bulk_api_threshold=0)["success"]
    again = h.sync("Account", "accounts", bulk_api_threshold=0)
    assert again["success"] and again["rows_inserted"] == 0
    assert h.differences("Account", "accounts") == []
    assert [r["STATUS"] for r in h.runs("accounts")] == ["SUCCESS", "SUCCESS"]
