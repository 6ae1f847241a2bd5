"""The surfaces end to end: the procedure handlers (secret from the environment), the legacy
façade, sync_many, the per-target lock, and a removed Salesforce field."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import requests

from emulator import FaultRule
from lht.salesforce.intelligent_sync import IntelligentSync, sync_sobject_intelligent
from lht.state.locks import TargetLock
from lht.sync.service import sync_many
from lht.warehouse import state_statements as sst
from lht.warehouse.statements import Statement
from procedures import sync as handlers


@pytest.fixture
def secret_env(emu, monkeypatch):
    creds = {"login_url": emu.base_url, "client_id": emu.client_id,
             "client_secret": emu.client_secret}  # fmt: skip
    monkeypatch.setenv("LHT_SECRET_SALESFORCE_OAUTH", json.dumps(creds))


def test_e2e_procedure_handler_syncs_with_secret_from_env(h, secret_env):
    result = handlers.sync_sobject(h.session, "Account", h.schema, "proc_accounts")
    assert result["success"], result["error"]
    assert h.differences("Account", "proc_accounts") == []
    json.dumps(result)  # the VARIANT payload must be JSON-serialisable


def test_e2e_procedure_overload_takes_json_options(h, secret_env):
    options = json.dumps({"where_clause": "Industry = 'Banking'", "bulk_api_threshold": 0})
    result = handlers.sync_sobject_with_options(h.session, "Account", h.schema, "b", options)
    assert result["success"], result["error"]
    assert result["sync_method"] == "bulk_api_full"
    assert h.differences("Account", "b", where="Industry = 'Banking'") == []


@pytest.mark.parametrize("options", ['{"nope": 1}', "not json", {"delete_policy": "purge"}])
def test_e2e_procedure_bad_options_return_failure(h, secret_env, options):
    result = handlers.sync_sobject_with_options(h.session, "Account", h.schema, "t", options)
    assert result["success"] is False and result["error"]
    assert not h.table_exists("t")


def test_e2e_procedure_without_secret_returns_failure(h, monkeypatch, tmp_path):
    monkeypatch.delenv("LHT_SECRET_SALESFORCE_OAUTH", raising=False)
    monkeypatch.setenv("LHT_SECRETS_FILE", str(tmp_path / "missing.json"))
    result = handlers.sync_sobject(h.session, "Account", h.schema, "t")
    assert result["success"] is False and "salesforce_oauth" in result["error"].lower()


def test_e2e_facade_with_access_info_and_thresholds(emu, h):
    access = {"login_url": emu.base_url, "client_id": emu.client_id,
              "client_secret": emu.client_secret}  # fmt: skip
    sync = IntelligentSync(h.session, access)
    sync.BULK_API_THRESHOLD, sync.STAGE_THRESHOLD = 1, 2
    result = sync.sync_sobject("Contact", h.schema, "contacts")
    assert result["success"], result["error"]
    assert result["sync_method"] == "bulk_api_stage_full"
    assert h.differences("Contact", "contacts") == []


def test_e2e_sync_many_isolates_failures(h):
    results = sync_many(h.session, h.client, [
        {"sobject": "Account", "schema": h.schema, "table": "a"},
        {"sobject": "Nope__c", "schema": h.schema, "table": "n"},
        {"sobject": "Contact", "schema": h.schema},
        {"sobject": "Opportunity", "schema": h.schema, "table": "o"},
    ])  # fmt: skip
    assert [r["success"] for r in results] == [True, False, False, True]
    assert h.differences("Opportunity", "o") == []


def test_e2e_second_sync_of_locked_target_fails_fast(h, runner):
    assert h.sync("Account", "accounts")["success"]
    before = h.rows("accounts")
    lock = TargetLock(runner, sst.StateTables(), f"{h.schema}.ACCOUNTS", "other-run",
                      clock=lambda: datetime.now(UTC).replace(tzinfo=None))  # fmt: skip
    with lock:
        result = h.sync("Account", "accounts", force_full_sync=True)
    assert result["success"] is False and "ConcurrentRunError" in result["error"]
    assert "other-run" in result["error"]
    assert h.rows("accounts") == before
    assert h.sync("Account", "accounts")["success"]


def test_e2e_removed_field_keeps_its_column_through_a_full_rebuild(h, runner):
    assert h.sync("Account", "accounts")["success"]
    runner.run(Statement("add", f'ALTER TABLE "{h.schema}"."ACCOUNTS" ADD COLUMN "OLD__C" VARCHAR',
                         ddl=True))  # fmt: skip
    incremental = h.sync("Account", "accounts")
    assert any("OLD__C" in w for w in incremental["warnings"])
    full = h.sync("Account", "accounts", force_full_sync=True)
    assert full["success"], full["error"]
    assert all("OLD__C" in row for row in h.rows("accounts").values())
    assert h.differences("Account", "accounts") == []


def test_e2e_changed_type_is_reported_not_coerced_until_full_rebuild(emu, h, runner):
    assert h.sync("Account", "accounts")["success"]
    table = f'"{h.schema}"."ACCOUNTS"'
    runner.run(Statement("drop", f'ALTER TABLE {table} DROP COLUMN "NAME"', ddl=True))
    runner.run(Statement("add", f'ALTER TABLE {table} ADD COLUMN "NAME" NUMBER(18,0)', ddl=True))
    target = sorted(h.rows("accounts"))[0]
    emu.org.update("Account", target, {"Name": "Not a number"})
    incremental = h.sync("Account", "accounts")
    assert incremental["success"], incremental["error"]
    assert any("NAME" in w and "not coerced" in w for w in incremental["warnings"])
    assert h.rows("accounts")[target]["NAME"] is None  # the column was left alone
    full = h.sync("Account", "accounts", force_full_sync=True)
    assert full["success"], full["error"]
    assert h.rows("accounts")[target]["NAME"] == "Not a number"
    assert h.differences("Account", "accounts") == []


def test_e2e_missing_target_schema_is_created_by_the_first_sync(h):
    h.schema = f"NEW_{uuid.uuid4().hex[:8].upper()}"
    result = h.sync("Account", "accounts")
    assert result["success"], result["error"]
    assert h.differences("Account", "accounts") == []


def test_e2e_facade_with_old_style_access_token_syncs_and_fails_clearly_on_401(emu, h):
    token = requests.post(f"{emu.base_url}/services/oauth2/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": emu.client_id,
        "client_secret": emu.client_secret}).json()  # fmt: skip
    access = {"access_token": token["access_token"], "instance_url": token["instance_url"]}
    result = sync_sobject_intelligent(h.session, access, "Contact", h.schema, "contacts")
    assert result["success"], result["error"]
    assert h.differences("Contact", "contacts") == []
    emu.org.faults.add(FaultRule(kind="session", path="/sobjects", count=1))
    failed = sync_sobject_intelligent(h.session, access, "Contact", h.schema, "contacts")
    assert failed["success"] is False
    assert "SalesforceAuthError" in failed["error"] and "cannot be refreshed" in failed["error"]
    assert token["access_token"] not in failed["error"]
    assert h.runs("contacts")[-1]["STATUS"] == "FAILED"
