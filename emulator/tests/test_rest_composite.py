"""Composite API: ordered subrequests, @{ref} references, allOrNone rollback, one API call."""

from __future__ import annotations

from emulator import Emulator
from emulator.tests.helpers import API, Client, recorded, type_shape

URL = f"{API}/composite"
QUERY = "SELECT+Id,AccountId+FROM+Contact+WHERE+AccountId='@{acc.id}'"


def test_subrequests_run_in_order_with_references(emu: Emulator, client: Client) -> None:
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "acc",
                "body": {"Name": "Composite Co"},
            },
            {
                "method": "POST",
                "url": f"{API}/sobjects/Contact",
                "referenceId": "con",
                "body": {"LastName": "Ref", "AccountId": "@{acc.id}"},
            },
            {
                "method": "GET",
                "url": f"{API}/query?q=" + QUERY,
                "referenceId": "q",
            },
        ],
    }
    before = emu.org.limits.used("DailyApiRequests")
    reply = client.post(URL, json=body)
    assert reply.status_code == 200
    entries = reply.json()["compositeResponse"]
    assert [e["httpStatusCode"] for e in entries] == [201, 201, 200]
    account_id = entries[0]["body"]["id"]
    assert entries[0]["httpHeaders"]["Location"] == f"{API}/sobjects/Account/{account_id}"
    assert entries[2]["body"]["records"][0]["AccountId"] == account_id
    assert emu.org.limits.used("DailyApiRequests") == before + 1


def test_failed_subrequest_matches_recorded_shape(client: Client) -> None:
    expected = recorded("errors/composite.NOT_FOUND-subrequest.cumulusci.json")
    body = {
        "compositeRequest": [
            {
                "method": "GET",
                "url": f"{API}/sobjects/Nope__c/001Dn0000000001IAA",
                "referenceId": "CCI__RefId__0__",
            }
        ]
    }
    assert client.post(URL, json=body).json() == expected
    assert type_shape(expected) == type_shape(client.post(URL, json=body).json())


def test_all_or_none_rolls_back_and_halts_the_rest(client: Client) -> None:
    before = client.query("SELECT COUNT() FROM Account").json()["totalSize"]
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "ok",
                "body": {"Name": "a"},
            },
            {"method": "POST", "url": f"{API}/sobjects/Account", "referenceId": "bad", "body": {}},
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": "later",
                "body": {"Name": "b"},
            },
        ],
    }
    entries = client.post(URL, json=body).json()["compositeResponse"]
    assert [e["httpStatusCode"] for e in entries] == [400, 400, 400]
    assert entries[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert entries[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert entries[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert client.query("SELECT COUNT() FROM Account").json()["totalSize"] == before


def test_bad_reference_and_too_many_subrequests_are_errors(client: Client) -> None:
    body = {
        "compositeRequest": [
            {"method": "GET", "url": f"{API}/sobjects/Account/@{{missing.id}}", "referenceId": "x"}
        ]
    }
    entry = client.post(URL, json=body).json()["compositeResponse"][0]
    assert entry["httpStatusCode"] == 400 and entry["body"][0]["errorCode"] == "PROCESSING_HALTED"
    many = {
        "compositeRequest": [
            {"method": "GET", "url": f"{API}/limits", "referenceId": f"r{n}"} for n in range(26)
        ]
    }
    assert client.post(URL, json=many).status_code == 400
