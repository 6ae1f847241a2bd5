"""Auth, retries, limits and error mapping against the emulator."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from sf_contract import FakeTime, add_fault, credentials, make_client

from emulator import Emulator
from lht.errors import (
    ConfigError,
    SalesforceAuthError,
    SalesforceRateLimitError,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from lht.salesforce.client import SalesforceClient
from lht.salesforce.retry import RetryPolicy


def test_login_client_credentials_returns_emulator_instance_url(
    client: SalesforceClient, emu: Any
) -> None:
    assert client.instance_url.rstrip("/") == emu.base_url.rstrip("/")
    limits = client.limits()
    assert limits["DailyApiRequests"]["Max"] > 0
    usage = client.usage
    assert usage.calls == 1
    assert usage.api_max == limits["DailyApiRequests"]["Max"]
    assert usage.api_used is not None and usage.api_used >= 1


def test_login_wrong_secret_raises_auth_error_without_secret(
    emu: Any, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = "definitely-not-the-secret-123"
    with pytest.raises(SalesforceAuthError) as info:
        make_client(emu, fake_time, secret=bad).limits()
    assert bad not in str(info.value) and bad not in caplog.text
    assert emu.client_secret not in caplog.text


def test_401_session_revoked_mid_run_refreshes_once_and_replays(
    client: SalesforceClient, emu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.limits()
    token = client.transport.token().access_token
    add_fault(emu, kind="session", path="/limits", revoke=True, nth=1, count=1)
    assert client.limits()["DailyApiRequests"]["Max"] > 0
    new_token = client.transport.token().access_token
    assert new_token != token
    assert token not in caplog.text and new_token not in caplog.text


def test_401_persisting_after_refresh_raises_auth_error(client: SalesforceClient, emu: Any) -> None:
    add_fault(emu, kind="session", path="/limits", count=0)
    with pytest.raises(SalesforceAuthError, match="INVALID_SESSION_ID"):
        client.limits()


@pytest.mark.parametrize("status", [500, 502, 503, 420, 429])
def test_transient_burst_is_retried_with_backoff(
    client: SalesforceClient, emu: Any, fake_time: FakeTime, status: int
) -> None:
    add_fault(emu, kind="status", status=status, path="/limits", nth=1, count=3)
    assert "DailyApiRequests" in client.limits()
    assert fake_time.sleeps == [0.5, 1.0, 2.0]


def test_connection_reset_is_retried(
    client: SalesforceClient, emu: Any, fake_time: FakeTime
) -> None:
    add_fault(emu, kind="reset", path="/limits", nth=1, count=2)
    assert "DailyApiRequests" in client.limits()
    assert len(fake_time.sleeps) == 2


def test_transient_forever_raises_unavailable(client: SalesforceClient, emu: Any) -> None:
    add_fault(emu, kind="status", status=503, path="/limits", count=0)
    with pytest.raises(SalesforceUnavailable):
        client.limits()


def test_request_limit_exceeded_stops_at_once(
    client: SalesforceClient, emu: Any, fake_time: FakeTime
) -> None:
    client.limits()
    calls = client.usage.calls
    add_fault(emu, kind="limit", path="/query", count=0)
    with pytest.raises(SalesforceRateLimitError, match="REQUEST_LIMIT_EXCEEDED"):
        list(client.query_records("SELECT Id FROM Account"))
    assert client.usage.calls == calls + 1
    assert fake_time.sleeps == []


def test_unknown_object_and_field_map_to_request_errors(client: SalesforceClient) -> None:
    with pytest.raises(SalesforceRequestError) as info:
        client.describe("NoSuchObject__c")
    assert info.value.status == 404 and info.value.error_code == "NOT_FOUND"
    assert "NoSuchObject__c" in str(info.value)
    with pytest.raises(SalesforceRequestError) as field_error:
        list(client.query_records("SELECT Id, Bacon__c FROM Account"))
    assert field_error.value.error_code == "INVALID_FIELD"
    assert "Bacon__c" in str(field_error.value)
    with pytest.raises(SalesforceRequestError) as type_error:
        client.count("Xyzzy")
    assert type_error.value.error_code == "INVALID_TYPE"


def test_malformed_where_clause_rejected_before_any_call(client: SalesforceClient) -> None:
    with pytest.raises(ConfigError):
        client.count("Account", "Name = 'x' OR 1=1; DELETE")
    assert client.usage.calls == 0


def test_429_retry_after_header_is_honoured(
    client: SalesforceClient, emu: Any, fake_time: FakeTime
) -> None:
    add_fault(emu, kind="status", status=429, path="/limits", headers={"Retry-After": "7"})
    client.limits()
    assert fake_time.sleeps == [7.0]


def test_usage_tracks_calls_and_org_counter(client: SalesforceClient) -> None:
    before = client.limits()["DailyApiRequests"]
    client.count("Account")
    after = client.limits()["DailyApiRequests"]
    usage = client.usage
    assert usage.calls == 3
    assert usage.api_used == after["Max"] - after["Remaining"]
    assert before["Remaining"] - after["Remaining"] == 2


def test_https_emulator_with_trusted_ca(fake_time: FakeTime) -> None:
    with Emulator(seed=7, https=True, datasets={"Account": 50}) as secure:
        session = requests.Session()
        session.verify = str(secure.ca_cert_path)
        client = make_client(secure, fake_time, session=session)
        assert client.instance_url.startswith("https://")
        assert client.count("Account") == len(list(client.query_records("SELECT Id FROM Account")))


def test_daily_limit_reached_mid_run_stops_with_rate_limit_error(
    client: SalesforceClient, emu: Any, fake_time: FakeTime
) -> None:
    client.limits()
    used = client.usage.api_used or 0
    emu.org.limits.configure("DailyApiRequests", max=used + 2, hard_max=used + 2)
    try:
        records = client.query_records("SELECT Id FROM Account", batch_size=200)
        with pytest.raises(SalesforceRateLimitError, match="TotalRequests"):
            list(records)
    finally:
        emu.org.limits.reset()
    assert client.usage.api_used == used + 2
    assert fake_time.sleeps == []


def test_per_app_limit_info_suffix_still_parsed(client: SalesforceClient, emu: Any) -> None:
    emu.org.options.set("http.per_app_usage", "lht-app")
    client.limits()
    usage = client.usage
    assert usage.api_used is not None and usage.api_max is not None and usage.api_max > 0


def test_slow_response_times_out_and_is_retried(emu: Any, fake_time: FakeTime) -> None:
    client = SalesforceClient(
        credentials(emu),
        sleeper=fake_time.sleep,
        clock=fake_time.clock,
        timeout=0.3,
        retry=RetryPolicy(max_attempts=3, base_delay=0.1, jitter=0.0),
    )
    client.limits()
    add_fault(emu, kind="slow", path="/limits", delay=1.5, nth=1, count=1)
    assert "DailyApiRequests" in client.limits()
    assert fake_time.sleeps == [0.1]
