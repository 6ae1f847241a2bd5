from __future__ import annotations

import logging

import pytest
import requests
from sf_replay import (
    CLIENT_SECRET,
    TOKEN,
    Canned,
    FakeTime,
    ReplayAdapter,
    json_response,
    make_client,
    token_response,
    wiremock,
)

from lht.errors import (
    ConfigError,
    SalesforceAuthError,
    SalesforceError,
    SalesforceOutcomeUnknown,
    SalesforceRateLimitError,
    SalesforceRequestError,
    SalesforceUnavailable,
    SalesforceUnsupported,
)
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.salesforce.retry import RetryPolicy
from lht.salesforce.transport import parse_limit_info

LIMITS = {"DailyApiRequests": {"Max": 15000, "Remaining": 14000}}
EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_HIT = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_parse_limit_info_plain_per_app_and_absent() -> None:
    assert parse_limit_info("api-usage=18/5000") == (18, 5000)
    assert parse_limit_info(
        "api-usage=25/5000; per-app-api-usage=17/250(appName=sample-connected-app)"
    ) == (25, 5000)
    assert parse_limit_info(None) is None
    assert parse_limit_info("garbage") is None


def test_send_success_counts_calls_and_records_limit_info() -> None:
    adapter = ReplayAdapter(
        token_response(),
        json_response(LIMITS, **{"Sforce-Limit-Info": "api-usage=45/100000"}),
        json_response(LIMITS, **{"Sforce-Limit-Info": "api-usage=46/100000"}),
    )
    client = make_client(adapter)
    assert client.limits() == LIMITS
    assert client.limits() == LIMITS
    usage = client.usage
    assert (usage.calls, usage.api_used, usage.api_max) == (2, 46, 100000)
    assert adapter.paths == [
        "POST /services/oauth2/token",
        "GET /services/data/v62.0/limits/",
        "GET /services/data/v62.0/limits/",
    ]
    assert adapter.requests[1].headers["Authorization"] == f"Bearer {TOKEN}"
    body = adapter.requests[0].body
    assert isinstance(body, str) and "grant_type=client_credentials" in body


def test_send_5xx_burst_retried_with_capped_backoff_then_succeeds() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(
        token_response(),
        Canned(503, b'[{"message":"down","errorCode":"SERVER_UNAVAILABLE"}]'),
        Canned(502, b""),
        Canned(420, b""),
        json_response(LIMITS),
    )
    client = make_client(adapter, fake)
    assert client.limits() == LIMITS
    assert fake.sleeps == [1.0, 2.0, 4.0]
    assert client.usage.calls == 4


def test_send_5xx_forever_raises_unavailable_after_max_attempts() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(token_response(), *[Canned(500, b"oops") for _ in range(4)])
    client = make_client(adapter, fake)
    with pytest.raises(SalesforceUnavailable, match="HTTP 500") as info:
        client.limits()
    assert info.value.retryable and info.value.status == 500
    assert len(fake.sleeps) == 3


def test_send_429_honours_retry_after_header() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(
        token_response(), Canned(429, b"", {"Retry-After": "7"}), json_response(LIMITS)
    )
    make_client(adapter, fake).limits()
    assert fake.sleeps == [7.0]


def test_send_connection_errors_retried_then_unavailable() -> None:
    fake = FakeTime()
    errors = [requests.ConnectionError("refused") for _ in range(4)]
    adapter = ReplayAdapter(token_response(), *errors)
    with pytest.raises(SalesforceUnavailable, match="connection failed after 4"):
        make_client(adapter, fake).limits()
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_send_read_timeouts_end_as_unavailable_marked_read_timeout() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(token_response(), *[requests.ReadTimeout("slow") for _ in range(4)])
    with pytest.raises(SalesforceUnavailable) as info:
        make_client(adapter, fake).limits()
    assert info.value.error_code == "READ_TIMEOUT"

    adapter = ReplayAdapter(token_response(), *[requests.ConnectTimeout("x") for _ in range(4)])
    with pytest.raises(SalesforceUnavailable) as info:
        make_client(adapter, FakeTime()).limits()
    assert info.value.error_code is None  # never reached Salesforce: not a timeout of a query


def test_send_stops_retrying_when_elapsed_budget_spent() -> None:
    fake = FakeTime()
    retry = RetryPolicy(max_attempts=10, base_delay=5.0, jitter=0.0, max_elapsed=12.0)
    adapter = ReplayAdapter(token_response(), *[Canned(503, b"") for _ in range(4)])
    with pytest.raises(SalesforceUnavailable):
        make_client(adapter, fake, retry).limits()
    assert fake.sleeps == [5.0, 10.0]


def test_send_request_limit_exceeded_raises_at_once_without_retry() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(token_response(), json_response(LIMIT_HIT, status=403))
    with pytest.raises(SalesforceRateLimitError, match="TotalRequests Limit exceeded") as info:
        make_client(adapter, fake).limits()
    assert not info.value.retryable and info.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert fake.sleeps == []


def test_send_401_refreshes_token_once_and_replays() -> None:
    adapter = ReplayAdapter(
        token_response("00DOLD!first"),
        json_response(EXPIRED, status=401),
        token_response("00DNEW!second"),
        json_response(LIMITS),
    )
    client = make_client(adapter)
    assert client.limits() == LIMITS
    assert adapter.requests[1].headers["Authorization"] == "Bearer 00DOLD!first"
    assert adapter.requests[3].headers["Authorization"] == "Bearer 00DNEW!second"


def test_send_401_twice_raises_auth_error_without_token_in_message() -> None:
    adapter = ReplayAdapter(
        token_response(),
        json_response(EXPIRED, status=401),
        token_response(),
        json_response(EXPIRED, status=401),
    )
    with pytest.raises(SalesforceAuthError, match="INVALID_SESSION_ID") as info:
        make_client(adapter).limits()
    assert TOKEN not in str(info.value)


def test_login_refused_raises_auth_error_naming_oauth_error_not_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    refusal = {"error": "invalid_client", "error_description": "invalid client credentials"}
    adapter = ReplayAdapter(json_response(refusal, status=400))
    with pytest.raises(SalesforceAuthError, match="invalid_client") as info:
        make_client(adapter).limits()
    assert CLIENT_SECRET not in str(info.value)
    assert CLIENT_SECRET not in caplog.text


def test_secrets_never_in_logs_repr_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = [{"message": f"bad token {TOKEN}", "errorCode": "INVALID_FIELD"}]
    adapter = ReplayAdapter(
        token_response(), Canned(503, b""), json_response(echo, status=400), token_response()
    )
    client = make_client(adapter)
    with pytest.raises(SalesforceRequestError) as info:
        client.limits()
    creds = Credentials("https://acme.my.salesforce.com", "id", CLIENT_SECRET)
    for text in (str(info.value), caplog.text, repr(creds), repr(client.transport.login())):
        assert TOKEN not in text and CLIENT_SECRET not in text


@pytest.mark.parametrize(
    ("fixture", "error", "code"),
    [
        (
            "errors/query-unknown-column.wiremock.heroku.json",
            SalesforceRequestError,
            "INVALID_FIELD",
        ),
        (
            "errors/query-malformed-soql.wiremock.heroku.json",
            SalesforceRequestError,
            "MALFORMED_QUERY",
        ),
        ("errors/create-unknown-object.wiremock.heroku.json", SalesforceRequestError, "NOT_FOUND"),
        (
            "errors/delete-already-deleted.wiremock.heroku.json",
            SalesforceRequestError,
            "ENTITY_IS_DELETED",
        ),
        (
            "bulk2/error.abort-completed-job.INVALIDJOBSTATE.wiremock.heroku.json",
            SalesforceRequestError,
            "INVALIDJOBSTATE",
        ),
        (
            "bulk2/error.unknown-job.NOT_FOUND.wiremock.heroku.json",
            SalesforceRequestError,
            "NOT_FOUND",
        ),
    ],
)
def test_error_mapping_recorded_fixtures_map_to_error_tree(
    fixture: str, error: type[Exception], code: str
) -> None:
    canned = wiremock(fixture)
    adapter = ReplayAdapter(token_response(), canned)
    with pytest.raises(error) as info:
        make_client(adapter).limits()
    assert getattr(info.value, "error_code", None) == code
    assert getattr(info.value, "status", None) == canned.status


def test_error_mapping_expired_token_fixture_refreshes_then_auth_error() -> None:
    expired = wiremock("errors/create-invalid-token.wiremock.heroku.json")
    adapter = ReplayAdapter(token_response(), expired, token_response(), expired)
    with pytest.raises(SalesforceAuthError):
        make_client(adapter).limits()


def test_error_mapping_bulk_unsupported_message_maps_to_unsupported() -> None:
    body = [
        {"errorCode": "API_ERROR", "message": "Selecting compound data not supported in Bulk Query"}
    ]
    adapter = ReplayAdapter(token_response(), json_response(body, status=400))
    with pytest.raises(SalesforceUnsupported, match="compound"):
        make_client(adapter).limits()


def test_error_mapping_bulk_daily_job_limit_maps_to_rate_limit() -> None:
    body = [
        {
            "errorCode": "LIMIT_EXCEEDED",
            "message": "Max bulk v2 query jobs (10000) per 24 hrs has been reached (10021)",
        }
    ]
    adapter = ReplayAdapter(token_response(), json_response(body, status=400))
    with pytest.raises(SalesforceRateLimitError):
        make_client(adapter).limits()


@pytest.mark.parametrize(
    "data",
    [
        {"login_url": "acme.my.salesforce.com", "client_id": "a", "client_secret": "b"},
        {"login_url": "https://x", "client_id": "", "client_secret": "b"},
        {"login_url": "https://x", "client_id": "a"},
    ],
)
def test_credentials_bad_values_raise_config_error(data: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Credentials.from_mapping(data)


def test_credentials_from_json_secret_shape() -> None:
    creds = Credentials.from_json(
        '{"login_url": "https://acme.my.salesforce.com/", "client_id": "a", "client_secret": "b"}'
    )
    assert creds.token_url == "https://acme.my.salesforce.com/services/oauth2/token"
    with pytest.raises(ConfigError, match="JSON"):
        Credentials.from_json("not json b")


def test_insert_not_retried_after_5xx_that_may_have_been_applied() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(token_response(), Canned(500, b""))
    with pytest.raises(SalesforceUnavailable, match="HTTP 500"):
        make_client(adapter, fake).collection_create("Account", [{"Name": "x"}])
    assert fake.sleeps == []


def test_insert_retried_after_refusal_and_connect_failure() -> None:
    fake = FakeTime()
    ok = json_response([{"id": "001000000000001AAA", "success": True, "errors": []}])
    adapter = ReplayAdapter(
        token_response(), Canned(503, b""), requests.ConnectTimeout("connect"), ok
    )
    results = make_client(adapter, fake).collection_create("Account", [{"Name": "x"}])
    assert results[0].success and fake.sleeps == [1.0, 2.0]


def test_insert_connection_reset_after_send_not_retried() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(token_response(), requests.ConnectionError("reset by peer"))
    with pytest.raises(SalesforceOutcomeUnknown, match="may have been processed"):
        make_client(adapter, fake).collection_create("Account", [{"Name": "x"}])
    assert fake.sleeps == []


def test_concurrent_first_calls_log_in_once() -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    adapter = ReplayAdapter(token_response(), *[json_response(LIMITS) for _ in range(8)])
    client = make_client(adapter)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: client.limits(), range(8)))
    assert results == [LIMITS] * 8
    assert adapter.paths.count("POST /services/oauth2/token") == 1
    assert client.usage.calls == 8


def test_certificate_verification_failure_not_retried() -> None:
    fake = FakeTime()
    bad_cert = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] unable to get issuer")
    adapter = ReplayAdapter(bad_cert)
    with pytest.raises(SalesforceError, match="TLS certificate verification failed") as info:
        make_client(adapter, fake).limits()
    assert not info.value.retryable and fake.sleeps == []


def test_from_access_token_uses_token_without_login_and_never_refreshes() -> None:
    adapter = ReplayAdapter(json_response(LIMITS), json_response(EXPIRED, status=401))
    session = requests.Session()
    session.mount("https://", adapter)
    client = SalesforceClient.from_access_token(
        "https://acme.my.salesforce.com/", TOKEN, session=session
    )
    assert client.limits() == LIMITS
    with pytest.raises(SalesforceAuthError, match="INVALID_SESSION_ID") as info:
        client.limits()
    assert TOKEN not in str(info.value)
    assert adapter.paths == ["GET /services/data/v62.0/limits/"] * 2
    assert adapter.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_server_time_from_last_date_header_advances_with_clock_none_without() -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    adapter = ReplayAdapter(
        token_response(),
        json_response(LIMITS, Date="Tue, 01 Oct 2024 10:00:00 GMT"),
        json_response(LIMITS, Date="not a date"),
    )
    t = FakeTime()
    client = make_client(adapter, t)
    assert client.server_time() is None
    client.limits()
    assert client.server_time() == datetime(2024, 10, 1, 10, 0, tzinfo=UTC)
    t.now += 2.5
    assert client.server_time() == datetime(2024, 10, 1, 10, 0, 2, 500000, tzinfo=UTC)
    client.limits()  # an unparseable Date keeps the last good reading
    assert client.server_time() == datetime(2024, 10, 1, 10, 0, 2, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    "broken",
    [
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(300 bytes)"),
        requests.exceptions.ContentDecodingError("Received response with content-encoding: gzip"),
    ],
)
def test_send_body_cut_off_or_undecodable_is_retried_for_idempotent_requests(
    broken: Exception,
) -> None:
    """A truncated or broken-gzip body of a non-streamed answer (describe, REST query page)
    is a network failure: retried, then mapped, never a raw requests exception."""
    fake = FakeTime()
    adapter = ReplayAdapter(token_response(), broken, json_response(LIMITS))
    assert make_client(adapter, fake).limits() == LIMITS
    assert fake.sleeps == [1.0]
    again = ReplayAdapter(token_response(), *[broken] * 4)
    with pytest.raises(SalesforceUnavailable, match="connection failed after 4"):
        make_client(again, FakeTime()).limits()


def test_insert_answer_cut_off_is_outcome_unknown_not_retried() -> None:
    fake = FakeTime()
    cut = requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")
    adapter = ReplayAdapter(token_response(), cut)
    with pytest.raises(SalesforceOutcomeUnknown, match="may have been processed"):
        make_client(adapter, fake).collection_create("Account", [{"Name": "x"}])
    assert fake.sleeps == []
    with pytest.raises(SalesforceOutcomeUnknown, match="HTTP 500"):
        make_client(
            ReplayAdapter(token_response(), Canned(500, b"")), FakeTime()
        ).collection_create("Account", [{"Name": "x"}])
