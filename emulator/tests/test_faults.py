"""Fault injection, applied centrally to every endpoint (REST, OAuth and Bulk alike)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from emulator import Emulator
from emulator.core.faults import FaultRule
from emulator.http import Headers, Request, Response
from emulator.routing import Router
from emulator.tests.helpers import API, TIMEOUT, Client


def _add(emu: Emulator, **rule: object) -> dict:
    reply = requests.post(emu.base_url + "/__emulator/faults", json=rule, timeout=TIMEOUT)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


@pytest.mark.parametrize("status", [500, 502, 503, 420, 429])
def test_status_fault_answers_with_empty_body_once(
    emu: Emulator, client: Client, status: int
) -> None:
    _add(emu, kind="status", status=status, path="/limits")
    first = client.get(f"{API}/limits")
    assert first.status_code == status
    assert first.content == b""
    assert client.get(f"{API}/limits").status_code == 200


def test_session_fault_fires_on_nth_call_only(emu: Emulator, client: Client) -> None:
    _add(emu, kind="session", path="/query", nth=2)
    statuses = [client.query("SELECT Id FROM Account LIMIT 1").status_code for _ in range(3)]
    assert statuses == [200, 401, 200]


def test_session_fault_with_revoke_invalidates_the_token(emu: Emulator, client: Client) -> None:
    _add(emu, kind="session", path="/limits", revoke=True)
    assert client.get(f"{API}/limits").status_code == 401
    assert client.get(f"{API}/limits").json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_limit_fault_gives_request_limit_exceeded(emu: Emulator, client: Client) -> None:
    _add(emu, kind="limit", path=".*", count=2)
    reply = client.get(f"{API}/sobjects")
    assert reply.status_code == 403
    assert reply.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert client.get(f"{API}/sobjects").status_code == 403
    assert client.get(f"{API}/sobjects").status_code == 200


def test_error_fault_renders_salesforce_error_array(emu: Emulator, client: Client) -> None:
    _add(
        emu, kind="error", status=500, error_code="UNKNOWN_EXCEPTION", message="boom", method="GET"
    )
    reply = client.get(f"{API}/limits")
    assert reply.status_code == 500
    assert reply.json() == [{"message": "boom", "errorCode": "UNKNOWN_EXCEPTION"}]


def test_truncate_fault_cuts_body_after_n_bytes(emu: Emulator, client: Client) -> None:
    _add(emu, kind="truncate", path="/query", after_bytes=100)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.query("SELECT Id, Name FROM Account", headers={"Accept-Encoding": "identity"})
    assert client.query("SELECT Id FROM Account LIMIT 1").status_code == 200


def test_reset_fault_drops_the_connection(emu: Emulator, client: Client) -> None:
    _add(emu, kind="reset", path="/limits")
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get(f"{API}/limits")
    assert client.get(f"{API}/limits").status_code == 200


def test_slow_fault_delays_the_response(emu: Emulator, client: Client) -> None:
    _add(emu, kind="slow", path="/limits", delay=0.3)
    started = time.monotonic()
    assert client.get(f"{API}/limits").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_faults_apply_to_oauth_and_bulk_paths(emu: Emulator, client: Client) -> None:
    _add(emu, kind="status", status=503, path="/services/oauth2/token")
    reply = requests.post(
        emu.base_url + "/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": emu.client_id},
        timeout=TIMEOUT,
    )
    assert reply.status_code == 503
    _add(emu, kind="status", status=502, path=r"/jobs/query$", method="POST")
    job = client.post(
        f"{API}/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    assert job.status_code == 502


def test_fault_count_zero_fires_forever_and_listing_counts(emu: Emulator, client: Client) -> None:
    rule = _add(emu, kind="status", status=500, path="/limits", count=0)
    for _ in range(3):
        assert client.get(f"{API}/limits").status_code == 500
    listed = requests.get(emu.base_url + "/__emulator/faults", timeout=TIMEOUT).json()["faults"]
    assert listed[0]["fired"] == 3 and listed[0]["id"] == rule["id"]
    requests.delete(emu.base_url + f"/__emulator/faults/{rule['id']}", timeout=TIMEOUT)
    assert client.get(f"{API}/limits").status_code == 200


def test_invalid_fault_definition_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultRule(kind="explode")
    with pytest.raises(ValueError, match="unknown fault keys"):
        FaultRule.from_json({"kind": "status", "colour": "red"})


def test_daily_limit_hard_cap_refuses_with_403(emu: Emulator, client: Client) -> None:
    requests.post(
        emu.base_url + "/__emulator/limits",
        json={"name": "DailyApiRequests", "max": 100, "used": 99},
        timeout=TIMEOUT,
    )
    ok = client.get(f"{API}/limits")
    assert ok.status_code == 200
    assert ok.headers["Sforce-Limit-Info"] == "api-usage=100/100"
    refused = client.get(f"{API}/limits")
    assert refused.status_code == 403
    assert refused.json()[0]["message"] == "TotalRequests Limit exceeded."


def test_fault_headers_are_added_to_the_response(emu: Emulator, client: Client) -> None:
    _add(emu, kind="status", status=429, path="/limits", headers={"Retry-After": "7"})
    reply = client.get(f"{API}/limits")
    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == "7"


def test_a_handler_bug_answers_500_unknown_exception_with_the_whole_message(emu: Emulator) -> None:
    def broken(org: object, req: object, match: object) -> Response:
        raise RuntimeError("handler bug")

    router = Router()
    router.add("GET", r"/services/data/(?P<ver>v\d+\.\d+)/broken", broken, auth=False)
    req = Request("GET", f"{API}/broken", {}, Headers(), api_version=API.rsplit("/", 1)[1])
    reply = router.handle(emu.org, req)
    assert reply.status == 500
    assert json.loads(reply.body) == [
        {
            "message": "An unexpected error occurred. Please include this ErrorId if you contact "
            "support: 0000-0000 (-1)",
            "errorCode": "UNKNOWN_EXCEPTION",
        }
    ]
