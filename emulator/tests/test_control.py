"""The /__emulator control surface: reset, seed, mutate, schema, clock, limits, options, rules,
log."""

from __future__ import annotations

from typing import Any

import requests

from emulator import Emulator
from emulator.tests.helpers import API, TIMEOUT, Client


def _ctl(emu: Emulator, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, emu.base_url + "/__emulator" + path, json=body, timeout=TIMEOUT)


def test_status_reports_seed_rows_and_clock(emu: Emulator) -> None:
    body = _ctl(emu, "GET", "").json()
    assert body["seed"] == 42
    assert body["rows"]["Account"] == 4500
    assert body["baseUrl"] == emu.base_url


def test_seed_changes_data_deterministically(emu: Emulator, client: Client) -> None:
    soql = "SELECT Id, Name, Industry FROM Account LIMIT 5"
    first = client.query(soql).json()["records"]
    _ctl(emu, "POST", "/seed", {"seed": 7, "rows": {"Account": 10}})
    seven = client.query(soql).json()["records"]
    assert client.query("SELECT COUNT() FROM Account").json()["totalSize"] == 10
    assert seven != first
    _ctl(emu, "POST", "/seed", {"seed": 42, "rows": {"Account": 4500}})
    assert client.query(soql).json()["records"] == first


def test_mutate_update_insert_delete_purge(emu: Emulator, client: Client) -> None:
    updated = _ctl(
        emu,
        "POST",
        "/mutate",
        {"sobject": "Account", "action": "update", "count": 3, "values": {"Rating": "Hot"}},
    ).json()["ids"]
    assert len(updated) == 3
    ids = ",".join(f"'{i}'" for i in updated)
    rows = client.query(f"SELECT Rating FROM Account WHERE Id IN ({ids})").json()["records"]
    assert {r["Rating"] for r in rows} == {"Hot"}
    inserted = _ctl(emu, "POST", "/mutate", {"sobject": "Account", "action": "insert", "count": 2})
    assert len(inserted.json()["ids"]) == 2
    _ctl(emu, "POST", "/mutate", {"sobject": "Account", "action": "delete", "ids": updated[:1]})
    assert client.query("SELECT COUNT() FROM Account", "queryAll").json()["totalSize"] == 4502
    _ctl(emu, "POST", "/mutate", {"sobject": "Account", "action": "purge", "ids": updated[:1]})
    assert client.query("SELECT COUNT() FROM Account", "queryAll").json()["totalSize"] == 4501
    _ctl(
        emu, "POST", "/mutate", {"sobject": "Account", "action": "hard_delete", "ids": updated[1:2]}
    )
    assert client.query("SELECT COUNT() FROM Account", "queryAll").json()["totalSize"] == 4500


def test_mutate_rejects_unknown_action(emu: Emulator) -> None:
    reply = _ctl(emu, "POST", "/mutate", {"sobject": "Account", "action": "explode"})
    assert reply.status_code == 400


def test_add_field_appears_in_describe_and_query_as_null(emu: Emulator, client: Client) -> None:
    reply = _ctl(
        emu,
        "POST",
        "/schema/fields",
        {
            "sobject": "Contact",
            "name": "Tier__c",
            "type": "picklist",
            "picklist_values": ["A", "B"],
        },
    )
    assert reply.status_code == 201
    fields = {f["name"] for f in client.get(f"{API}/sobjects/Contact/describe").json()["fields"]}
    assert "Tier__c" in fields
    records = client.query("SELECT Id, Tier__c FROM Contact LIMIT 3").json()["records"]
    assert [r["Tier__c"] for r in records] == [None, None, None]
    new_id = client.post(f"{API}/sobjects/Contact", json={"LastName": "T", "Tier__c": "B"}).json()[
        "id"
    ]
    assert client.get(f"{API}/sobjects/Contact/{new_id}").json()["Tier__c"] == "B"


def test_reset_restores_data_schema_options_and_limits(emu: Emulator, client: Client) -> None:
    client.post(f"{API}/sobjects/Account", json={"Name": "temp"})
    _ctl(emu, "POST", "/options", {"rest.default_batch_size": 500})
    _ctl(emu, "POST", "/reset")
    assert client.query("SELECT COUNT() FROM Account").json()["totalSize"] == 4500
    assert len(client.query("SELECT Id FROM Account").json()["records"]) == 2000
    assert emu.org.limits.used("DailyApiRequests") == 2


def test_clock_set_advance_and_freeze(emu: Emulator) -> None:
    body = _ctl(emu, "POST", "/clock", {"set": "2030-01-01T00:00:00Z", "frozen": True}).json()
    assert body["now"].startswith("2030-01-01T00:00:00") and body["frozen"] is True
    after = _ctl(emu, "POST", "/clock", {"advance": 3600}).json()
    assert after["now"].startswith("2030-01-01T01:00:00")
    client = Client(emu.base_url, emu.access_token())  # earlier tokens expired: 4 years idle
    new_id = client.post(f"{API}/sobjects/Account", json={"Name": "timed"}).json()["id"]
    stamp = client.get(f"{API}/sobjects/Account/{new_id}").json()["SystemModstamp"]
    assert stamp == "2030-01-01T01:00:00.000+0000"


def test_options_are_listed_validated_and_reset(emu: Emulator) -> None:
    listed = _ctl(emu, "GET", "/options").json()
    assert listed["values"]["rest.default_batch_size"] == 2000
    assert "doc" in listed["registry"]["rest.default_batch_size"]
    assert _ctl(emu, "POST", "/options", {"no.such.option": 1}).status_code == 400
    assert _ctl(emu, "POST", "/options", {"collections.failed_id": "maybe"}).status_code == 400
    _ctl(emu, "POST", "/options", {"rest.default_batch_size": "300"})
    assert emu.org.options["rest.default_batch_size"] == 300
    _ctl(emu, "DELETE", "/options")
    assert emu.org.options["rest.default_batch_size"] == 2000


def test_record_rule_fails_matching_writes_over_rest(emu: Emulator, client: Client) -> None:
    rule = _ctl(
        emu,
        "POST",
        "/rules",
        {
            "status_code": "UNABLE_TO_LOCK_ROW",
            "field": "Name",
            "pattern": "^locked",
            "sobject": "Account",
        },
    ).json()
    reply = client.post(f"{API}/sobjects/Account", json={"Name": "locked one"})
    assert reply.status_code == 400
    assert reply.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert client.post(f"{API}/sobjects/Account", json={"Name": "free"}).status_code == 201
    _ctl(emu, "DELETE", f"/rules/{rule['id']}")
    assert client.post(f"{API}/sobjects/Account", json={"Name": "locked two"}).status_code == 201


def test_request_log_lists_calls_and_usage_per_counter(emu: Emulator, client: Client) -> None:
    client.get(f"{API}/limits")
    client.query("SELECT Id FROM Account LIMIT 1")
    body = _ctl(emu, "GET", "/requests").json()
    assert [e["path"] for e in body["requests"]] == [f"{API}/limits", f"{API}/query"]
    assert body["requests"][0]["headers"]["Authorization"] == "<redacted>"
    assert body["usageByCounter"] == {"DailyApiRequests": 2}
    limits = _ctl(emu, "GET", "/limits").json()
    assert limits["limits"]["DailyApiRequests"]["used"] == 2
