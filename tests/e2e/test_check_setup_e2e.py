"""CHECK_SETUP against the emulator and the embedded warehouse, through the procedure handler
(session first, the Salesforce secret from the environment, as in Snowflake), on a fresh
database made by sql/setup.sql's statements that the stand-in runs (database, schema LHT,
stages, network rule, secret, integration, tables, roles and grants).

Injected: a wrong secret, a network rule without the host, a missing state table, an object in
SYNC_CONFIG that the org does not have. SHOW TASKS is the local Snowflake's (#10): no graph is
scheduled here, so the tasks check is OK. The secret comes from the environment (the
in-process stand-in for ``_snowflake``, which the local Snowflake's CALL runtime will provide).
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lht.cli.backends import LocalBackend
from lht.cli.main import main
from lht.cli.output import Output
from lht.deploy.checks import COLUMNS
from lht.orchestrate import config
from lht.sync.options import SyncRequest
from lht.sync.service import client_from_secret, run_sync
from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner
from procedures import setup_check
from tests.e2e.deployed_db import create_deployed_database
from tests.e2e.test_orchestrate_procedures_e2e import TableSession


@pytest.fixture(scope="module")
def deployed(local_warehouse: Any, emu_server: Any) -> Iterator[Any]:
    """A new session on a fresh database set up like a deployment, the secret pointing at the
    emulator, one synced object and its SYNC_CONFIG entry (shared by this module's tests;
    each restores what it changes)."""
    creds = {"login_url": emu_server.base_url, "client_id": emu_server.client_id,
             "client_secret": emu_server.client_secret}  # fmt: skip
    session = local_warehouse.new_session()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LHT_SECRET_SALESFORCE_OAUTH", json.dumps(creds))
        try:
            create_deployed_database(session, emu_server.base_url, {
                "SF_CLIENT_ID": emu_server.client_id, "SF_CLIENT_SECRET": emu_server.client_secret,
            }, "LHT_CHECK")  # fmt: skip
            request = SyncRequest("Account", "RAW", "ACCOUNTS")
            result = run_sync(session, client_from_secret(), request)
            assert result["success"], result["error"]
            config.set_config(session, "Account", "RAW", "ACCOUNTS")
            yield session
        finally:
            local_warehouse.close_session(session)


@pytest.fixture(autouse=True)
def _no_faults(emu_server: Any) -> None:
    emu_server.org.faults.clear()  # a fault rule left by another module must not leak here


def _check(session: Any) -> dict[str, dict[str, Any]]:
    frame = setup_check.check_setup(TableSession(session))
    assert frame["columns"] == list(COLUMNS)
    return {row["CHECK_NAME"]: row for row in frame["rows"]}


def _statuses(rows: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {name: row["STATUS"] for name, row in rows.items()}


HEALTHY = {"secret": "OK", "token": "OK", "network_rule": "OK", "describe": "OK", "query": "OK",
           "stage": "OK", "state_tables": "OK", "sync_config": "OK", "tasks": "OK",
           "api_usage": "OK"}  # fmt: skip


def test_check_setup_deployed_database_passes_what_the_stand_in_can_show(
    deployed: Any, emu_server: Any
) -> None:
    rows = _check(deployed)

    assert _statuses(rows) == HEALTHY
    host = emu_server.base_url.removeprefix("http://")
    assert rows["network_rule"]["DETAIL"] == f"LHT.SALESFORCE_API allows {host}"
    assert rows["stage"]["DETAIL"] == "put and remove of a file on @LHT.LHT_STAGE worked"  # #11
    assert rows["tasks"]["DETAIL"] == "no task graphs scheduled"  # SHOW TASKS works (#10)
    assert "1 entries name queryable objects" in rows["sync_config"]["DETAIL"]


def test_check_setup_wrong_secret_fails_the_token_and_never_shows_it(
    deployed: Any, emu_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = emu_server
    wrong = "not-the-secret-" + uuid.uuid4().hex
    creds = {"login_url": emu.base_url, "client_id": emu.client_id, "client_secret": wrong}
    monkeypatch.setenv("LHT_SECRET_SALESFORCE_OAUTH", json.dumps(creds))
    rows = _check(deployed)

    assert rows["token"]["STATUS"] == "FAIL" and "invalid_client" in rows["token"]["DETAIL"]
    assert "consumer key" in rows["token"]["HOW_TO_FIX"]
    for name in ("describe", "query", "sync_config", "api_usage"):
        assert rows[name]["STATUS"] == "WARN" and "not checked" in rows[name]["DETAIL"], name
    assert wrong not in json.dumps(rows)


def test_check_setup_rule_without_the_host_fails_naming_it(deployed: Any, emu_server: Any) -> None:
    rule = "ALTER NETWORK RULE LHT.SALESFORCE_API SET VALUE_LIST = ({})"
    deployed.sql(rule.format("'other.my.salesforce.com:443'")).collect()
    try:
        rows = _check(deployed)
    finally:
        deployed.sql(rule.format(f"'{emu_server.base_url.removeprefix('http://')}'")).collect()

    host = emu_server.base_url.removeprefix("http://")
    assert rows["network_rule"]["STATUS"] == "FAIL"
    assert f"not {host} (the login_url and instance_url host)" in rows["network_rule"]["DETAIL"]
    assert "SF_LOGIN_URL=" in rows["network_rule"]["HOW_TO_FIX"]
    assert _statuses(rows) == {**HEALTHY, "network_rule": "FAIL"}


def test_check_setup_missing_state_table_fails_naming_it(deployed: Any) -> None:
    deployed.sql('DROP TABLE "LHT"."SYNC_RUNS"').collect()
    try:
        rows = _check(deployed)
    finally:
        StatementRunner(deployed).run(sst.create_runs_table(sst.StateTables()))

    assert rows["state_tables"]["STATUS"] == "FAIL"
    assert rows["state_tables"]["DETAIL"] == "missing in schema LHT: SYNC_RUNS"
    assert _statuses(rows) == {**HEALTHY, "state_tables": "FAIL"}  # the others still ran


def test_check_setup_sync_config_entry_for_an_unknown_object_fails(deployed: Any) -> None:
    config.set_config(deployed, "Nope__c", "RAW", "NOPE")
    try:
        rows = _check(deployed)
    finally:
        config.remove_config(deployed, "RAW", "NOPE")

    assert rows["sync_config"]["STATUS"] == "FAIL"
    assert "RAW.NOPE: Nope__c does not exist" in rows["sync_config"]["DETAIL"]


def _lht_check(session: Any) -> tuple[int, str]:
    @contextmanager
    def backend(connection: str | None, data_dir: str) -> Iterator[LocalBackend]:
        assert connection is None
        yield LocalBackend(lambda: session)

    stdout, stderr = io.StringIO(), io.StringIO()
    out = Output(stdout, stderr, terminal=False)
    out.console.width = 400
    return main(["check"], backend=backend, out=out), stdout.getvalue()


def test_lht_check_prints_every_check_and_exits_one_only_on_a_fail(
    deployed: Any, emu_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = _lht_check(deployed)

    assert code == 0
    for name, status in HEALTHY.items():
        assert re.search(rf"{name}\s+│\s+{status}\s+│", text), name

    creds = {"login_url": emu_server.base_url, "client_id": emu_server.client_id,
             "client_secret": "wrong"}  # fmt: skip
    monkeypatch.setenv("LHT_SECRET_SALESFORCE_OAUTH", json.dumps(creds))
    code, text = _lht_check(deployed)
    assert code == 1 and re.search(r"token\s+│\s+FAIL\s+│", text)
