"""lht.deploy.checks: every CHECK_SETUP check on fake ports, each failure injected alone."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from lht.deploy.check_ports import CheckResult
from lht.deploy.checks import COLUMNS, rule_allows, run_checks
from lht.errors import (
    ConfigError,
    SalesforceAuthError,
    SalesforceRequestError,
    SalesforceUnavailable,
    WarehouseError,
)
from lht.orchestrate.config import ConfigEntry
from lht.salesforce.auth import Credentials
from lht.salesforce.describe import SObjectDescribe, SObjectSummary
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse import state_statements as sst

SECRET = "SuperSecret0123456789"
LOGIN = "https://acme.my.salesforce.com"
CREDS = Credentials(LOGIN, "3MVG9client", SECRET)
NAMES = ("secret", "token", "network_rule", "describe", "query", "stage", "state_tables",
         "sync_config", "tasks", "api_usage")  # fmt: skip


def _summary(name: str, queryable: bool = True) -> SObjectSummary:
    return SObjectSummary(name, name, False, False, queryable, True, True, True, None)


@dataclass
class FakeSalesforce:
    instance: str = LOGIN
    login_error: Exception | None = None
    objects: tuple[SObjectSummary, ...] = (_summary("Account"), _summary("User"),
                                           _summary("AccountHistory", queryable=False))  # fmt: skip
    rows: list[dict[str, Any]] = field(default_factory=lambda: [{"Id": "005000000000001AAA"}])
    usage: dict[str, Any] = field(
        default_factory=lambda: {"DailyApiRequests": {"Max": 15000, "Remaining": 14000}}
    )
    describe_error: Exception | None = None

    def login(self) -> str:
        if self.login_error is not None:
            raise self.login_error
        return self.instance

    def describe(self, sobject: str) -> SObjectDescribe:
        if self.describe_error is not None:
            raise self.describe_error
        return SObjectDescribe(sobject, sobject, True, True, True, True, ())

    def describe_global(self) -> tuple[SObjectSummary, ...]:
        return self.objects

    def query_records(self, soql: str, include_deleted: bool = True) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def limits(self) -> dict[str, Any]:
        return self.usage


def _all_columns() -> dict[str, set[str]]:
    tables = {t: set(c) for t, c in sst.expected_columns(sst.StateTables()).items()}
    return tables | {"SYNC_CONFIG": set(ost.CONFIG_COLUMNS)}


ENTRIES = [ConfigEntry("Account", "RAW", "ACCOUNTS", "NIGHTLY")]
NIGHTLY = {"LHT_SYNC_NIGHTLY_ROOT": "started", "LHT_SYNC_NIGHTLY__RAW__ACCOUNTS": "started",
           "LHT_SYNC_NIGHTLY_FINALIZE": "started"}  # fmt: skip


@dataclass
class FakeWarehouse:
    rule: list[str] = field(default_factory=lambda: ["acme.my.salesforce.com:443"])
    columns: dict[str, set[str]] = field(default_factory=_all_columns)
    entries: list[ConfigEntry] = field(default_factory=lambda: list(ENTRIES))
    task_states: dict[str, str] = field(default_factory=lambda: dict(NIGHTLY))
    stage_result: bool | Exception = True
    errors: dict[str, Exception] = field(default_factory=dict)

    def _fail(self, what: str) -> None:
        if what in self.errors:
            raise self.errors[what]

    def network_rule_values(self) -> list[str]:
        self._fail("rule")
        return self.rule

    def table_columns(self, tables: Sequence[str]) -> dict[str, set[str]]:
        return {t: c for t, c in self.columns.items() if t in tables}

    def config_entries(self) -> list[ConfigEntry]:
        self._fail("config")
        return self.entries

    def tasks(self) -> dict[str, str]:
        self._fail("tasks")
        return self.task_states

    def stage_roundtrip(self) -> bool:
        if isinstance(self.stage_result, Exception):
            raise self.stage_result
        return self.stage_result


def run(sf: FakeSalesforce | None = None, wh: FakeWarehouse | None = None,
        creds: Any = CREDS) -> dict[str, CheckResult]:  # fmt: skip
    def credentials() -> Credentials:
        if isinstance(creds, Exception):
            raise creds
        return creds

    results = run_checks(credentials, lambda _c: sf or FakeSalesforce(), wh or FakeWarehouse())
    assert [r.check_name for r in results] == list(NAMES)
    return {r.check_name: r for r in results}


def statuses(results: dict[str, CheckResult]) -> dict[str, str]:
    return {name: r.status for name, r in results.items()}


def test_healthy_setup_every_check_ok_and_no_secret_anywhere() -> None:
    results = run()

    assert set(statuses(results).values()) == {"OK"}, results
    assert all(SECRET not in " ".join(r.as_row().values()) for r in results.values())
    assert [c.lower() for c in COLUMNS] == list(results["secret"].as_row())
    assert "https://acme.my.salesforce.com" in results["secret"].detail


def test_wrong_secret_fails_token_only_and_salesforce_checks_say_not_checked() -> None:
    refused = SalesforceAuthError(f"Salesforce login failed: HTTP 400 invalid_client ({SECRET})")
    results = run(FakeSalesforce(login_error=refused))

    assert statuses(results) == {
        "secret": "OK", "token": "FAIL", "network_rule": "OK", "describe": "WARN",
        "query": "WARN", "stage": "OK", "state_tables": "OK", "sync_config": "WARN",
        "tasks": "OK", "api_usage": "WARN",
    }  # fmt: skip
    assert "invalid_client" in results["token"].detail
    assert SECRET not in results["token"].detail  # scrubbed even if a message carried it
    assert "consumer key" in results["token"].how_to_fix


def test_unreadable_secret_fails_secret_and_nothing_else_is_guessed() -> None:
    results = run(creds=ConfigError("Salesforce credentials are missing: client_secret"))

    assert results["secret"].status == "FAIL" and "client_secret" in results["secret"].detail
    assert results["token"].status == "WARN" and "not checked" in results["token"].detail
    assert results["network_rule"].status == "WARN"  # the rule is read, nothing to compare


def test_rule_without_the_instance_host_fails_naming_host_and_fix() -> None:
    sf = FakeSalesforce(instance="https://acme.my.salesforce.com:443")
    assert run(sf)["network_rule"].status == "OK"

    sf = FakeSalesforce(instance="https://eu45.salesforce.com")
    result = run(sf)["network_rule"]

    assert result.status == "FAIL"
    assert "eu45.salesforce.com:443 (the instance_url host)" in result.detail
    assert "SF_INSTANCE_URL=https://eu45.salesforce.com" in result.how_to_fix


def test_rule_without_the_login_host_fails_even_when_the_token_failed() -> None:
    wh = FakeWarehouse(rule=["other.my.salesforce.com:443"])
    sf = FakeSalesforce(login_error=SalesforceUnavailable("connection failed: ConnectionError"))
    results = run(sf, wh)

    assert results["token"].status == "FAIL" and "network rule" in results["token"].how_to_fix
    assert results["network_rule"].status == "FAIL"
    assert "acme.my.salesforce.com:443 (the login_url host)" in results["network_rule"].detail
    assert "SF_LOGIN_URL=https://acme.my.salesforce.com" in results["network_rule"].how_to_fix


def test_rule_missing_a_host_both_urls_share_names_it_once() -> None:
    result = run(wh=FakeWarehouse(rule=["other.my.salesforce.com:443"]))["network_rule"]

    assert result.detail.endswith("not acme.my.salesforce.com:443 (the login_url and "
                                  "instance_url host)")  # fmt: skip


def test_missing_network_rule_is_a_fail_row_not_an_exception() -> None:
    wh = FakeWarehouse(errors={"rule": WarehouseError("Network rule 'SALESFORCE_API' does not "
                                                      "exist or not authorized.")})  # fmt: skip
    result = run(wh=wh)["network_rule"]

    assert result.status == "FAIL" and "does not exist" in result.detail
    assert "setup.sql" in result.how_to_fix


@pytest.mark.parametrize(
    ("values", "wanted", "allowed"),
    [
        (["acme.my.salesforce.com"], "acme.my.salesforce.com:443", True),  # port defaults to 443
        (["acme.my.salesforce.com:443"], "acme.my.salesforce.com:8443", False),
        (["acme.my.salesforce.com:0"], "acme.my.salesforce.com:8443", True),  # 0 = every port
        (["127.0.0.1:50000-50100"], "127.0.0.1:50042", True),
        (["*.my.salesforce.com:443"], "acme.my.salesforce.com:443", True),
        (["*.salesforce.com:443"], "acme.my.salesforce.com:443", False),  # one label only
        (["'ACME.my.salesforce.com:443'"], "acme.my.salesforce.com:443", True),
        ([], "acme.my.salesforce.com:443", False),
    ],
)
def test_rule_allows_follows_host_port_rules(values: list[str], wanted: str, allowed: bool) -> None:
    assert rule_allows(values, wanted) is allowed


def test_missing_state_table_fails_and_missing_columns_warn() -> None:
    columns = _all_columns()
    del columns["SYNC_RUNS"]
    result = run(wh=FakeWarehouse(columns=columns))["state_tables"]
    assert result.status == "FAIL" and "SYNC_RUNS" in result.detail

    columns = _all_columns()
    columns["SYNC_LOCKS"].discard("EXPIRES_AT")
    result = run(wh=FakeWarehouse(columns=columns))["state_tables"]
    assert result.status == "WARN" and "SYNC_LOCKS lacks EXPIRES_AT" in result.detail


def test_suspended_task_fails_naming_it() -> None:
    states = dict(NIGHTLY, LHT_SYNC_NIGHTLY__RAW__ACCOUNTS="suspended")
    result = run(wh=FakeWarehouse(task_states=states))["tasks"]

    assert result.status == "FAIL"
    assert "LHT_SYNC_NIGHTLY__RAW__ACCOUNTS (suspended)" in result.detail
    assert "SCHEDULE_SYNC" in result.how_to_fix


def test_tasks_missing_child_fails_stale_child_warns_none_scheduled_ok() -> None:
    entries = [*ENTRIES, ConfigEntry("Contact", "RAW", "CONTACTS", "NIGHTLY")]
    result = run(wh=FakeWarehouse(entries=entries))["tasks"]
    assert result.status == "FAIL" and "LHT_SYNC_NIGHTLY__RAW__CONTACTS (missing)" in result.detail

    stale = dict(NIGHTLY, LHT_SYNC_NIGHTLY__RAW__OLD="started")
    assert run(wh=FakeWarehouse(task_states=stale))["tasks"].status == "WARN"
    result = run(wh=FakeWarehouse(task_states={}))["tasks"]
    assert (result.status, result.detail) == ("OK", "no task graphs scheduled")
    listing_failed = FakeWarehouse(errors={"tasks": WarehouseError("SHOW TASKS: unsupported")})
    assert run(wh=listing_failed)["tasks"].status == "WARN"


def test_sync_config_naming_unknown_or_unqueryable_objects_fails() -> None:
    entries = [*ENTRIES, ConfigEntry("Nope__c", "RAW", "NOPE"),
               ConfigEntry("AccountHistory", "RAW", "HIST")]  # fmt: skip
    result = run(wh=FakeWarehouse(entries=entries, task_states={}))["sync_config"]

    assert result.status == "FAIL"
    assert "RAW.NOPE: Nope__c does not exist" in result.detail
    assert "RAW.HIST: AccountHistory is not queryable" in result.detail
    assert "RAW.ACCOUNTS" not in result.detail


def test_stage_put_failure_fails_and_remove_failure_warns() -> None:
    assert run(wh=FakeWarehouse(stage_result=False))["stage"].status == "WARN"
    failed = run(wh=FakeWarehouse(stage_result=WarehouseError("upload failed: denied")))["stage"]
    assert failed.status == "FAIL" and "denied" in failed.detail


@pytest.mark.parametrize(("remaining", "status"), [(14000, "OK"), (2000, "WARN"), (0, "FAIL")])
def test_api_usage_headroom(remaining: int, status: str) -> None:
    sf = FakeSalesforce(usage={"DailyApiRequests": {"Max": 15000, "Remaining": remaining}})
    result = run(sf)["api_usage"]

    assert result.status == status
    assert f"{15000 - remaining}/15000" in result.detail


def test_describe_refused_fails_only_describe() -> None:
    error = SalesforceRequestError("describe Account: HTTP 404 NOT_FOUND", status=404)
    results = run(FakeSalesforce(describe_error=error))

    assert results["describe"].status == "FAIL" and "NOT_FOUND" in results["describe"].detail
    assert [n for n, s in statuses(results).items() if s != "OK"] == ["describe"]
