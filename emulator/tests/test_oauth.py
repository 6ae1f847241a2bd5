"""OAuth token endpoint: grants, error shapes, expiry through the org clock, revocation."""

from __future__ import annotations

import base64

import requests

from emulator import Emulator
from emulator.tests.helpers import API, TIMEOUT, Client, recorded, recorded_response, type_shape

TOKEN = "/services/oauth2/token"


def _token(emu: Emulator, **data: str) -> requests.Response:
    return requests.post(emu.base_url + TOKEN, data=data, timeout=TIMEOUT)


def test_client_credentials_in_body_returns_salesforce_shaped_token(emu: Emulator) -> None:
    reply = _token(
        emu,
        grant_type="client_credentials",
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {
        "access_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    }
    assert body["instance_url"] == emu.base_url
    assert body["token_type"] == "Bearer"
    assert isinstance(body["issued_at"], str) and body["issued_at"].isdigit()
    assert body["id"].split("/")[-2].startswith("00D") and body["id"].split("/")[-1].startswith(
        "005"
    )
    assert "expires_in" not in body and "refresh_token" not in body


def test_token_shape_matches_recorded_password_grant(emu: Emulator) -> None:
    body = _token(
        emu,
        grant_type="password",
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        username=emu.username,
        password=emu.password,
    ).json()
    expected = type_shape(recorded("oauth/token.password-grant.2015.logstash.json"))
    actual = type_shape(body)
    assert {k: actual[k] for k in expected} == expected


def test_client_credentials_via_basic_auth_header_is_accepted(emu: Emulator) -> None:
    basic = base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()
    reply = requests.post(
        emu.base_url + TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=TIMEOUT,
    )
    assert reply.status_code == 200
    token = reply.json()["access_token"]
    assert Client(emu.base_url, token).get(f"{API}/limits").status_code == 200


def test_wrong_secret_gives_invalid_client_400(emu: Emulator) -> None:
    reply = _token(emu, grant_type="client_credentials", client_id=emu.client_id, client_secret="x")
    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }


def test_wrong_secret_status_follows_option(emu: Emulator) -> None:
    emu.org.options.set("auth.invalid_client_status", 401)
    reply = _token(emu, grant_type="client_credentials", client_id=emu.client_id, client_secret="x")
    assert reply.status_code == 401


def test_unknown_client_id_gives_invalid_client_id(emu: Emulator) -> None:
    reply = _token(emu, grant_type="client_credentials", client_id="nope", client_secret="x")
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_client_id"


def test_bad_password_gives_invalid_grant_authentication_failure(emu: Emulator) -> None:
    reply = _token(
        emu,
        grant_type="password",
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        username=emu.username,
        password="wrong",
    )
    assert reply.status_code == 400
    assert reply.json() == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_unknown_and_missing_grant_types_are_rejected(emu: Emulator) -> None:
    unknown = _token(emu, grant_type="magic", client_id=emu.client_id)
    assert unknown.json()["error"] == "unsupported_grant_type"
    missing = _token(emu, client_id=emu.client_id)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    emu.org.options.set("auth.missing_grant_type", "unsupported_grant_type")
    assert _token(emu, client_id=emu.client_id).json()["error"] == "unsupported_grant_type"


def test_refresh_token_grant_issues_new_access_token(emu: Emulator) -> None:
    minted = requests.post(
        emu.base_url + "/__emulator/auth/refresh_token", json={}, timeout=TIMEOUT
    )
    refresh = minted.json()["refresh_token"]
    reply = _token(
        emu,
        grant_type="refresh_token",
        refresh_token=refresh,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )
    assert reply.status_code == 200
    assert "refresh_token" not in reply.json()
    bad = _token(emu, grant_type="refresh_token", refresh_token="bogus", client_id=emu.client_id)
    assert bad.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_token_expires_after_idle_ttl_on_org_clock(emu: Emulator) -> None:
    client = Client(emu.base_url, emu.access_token())
    assert client.get(f"{API}/limits").status_code == 200
    emu.org.clock.advance(7201)
    expired = client.get(f"{API}/limits")
    assert expired.status_code == 401
    assert expired.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_revoke_all_tokens_forces_401(emu: Emulator) -> None:
    client = Client(emu.base_url, emu.access_token())
    requests.post(emu.base_url + "/__emulator/auth/revoke", json={}, timeout=TIMEOUT)
    assert client.get(f"{API}/limits").status_code == 401


def test_missing_or_unknown_token_gets_recorded_401_body(emu: Emulator) -> None:
    expected = recorded("errors/create-invalid-token.wiremock.heroku.json")
    recorded_headers = recorded_response("errors/create-invalid-token.wiremock.heroku.json")[
        "headers"
    ]
    for client in (Client(emu.base_url, None), Client(emu.base_url, "badToken")):
        reply = client.post(f"{API}/sobjects/Account", json={"Name": "Global Media"})
        assert reply.status_code == 401
        assert reply.json() == expected
        assert reply.headers["WWW-Authenticate"] == recorded_headers["WWW-Authenticate"]


def test_token_requests_are_not_charged_to_daily_api_requests(emu: Emulator) -> None:
    _token(
        emu,
        grant_type="client_credentials",
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )
    assert emu.org.limits.used("DailyApiRequests") == 0


def test_request_log_redacts_secrets(emu: Emulator) -> None:
    _token(
        emu,
        grant_type="client_credentials",
        client_id=emu.client_id,
        client_secret=emu.client_secret,
    )
    entry = emu.org.request_log.entries()[-1]
    assert emu.client_secret not in entry.body
