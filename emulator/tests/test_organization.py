"""The Organization object (issue #14 item 3): one row in describe, REST query, records and Bulk."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

from emulator import Emulator
from emulator.core.org import Org
from emulator.tests.helpers import API, FIXTURES, Client


def _recorded_global_entry() -> dict:
    """The Organization entry of a real describeGlobal (v48, CumulusCI; shared fixture set)."""
    path = FIXTURES / "describe_global" / "sobjects.describeGlobal.v48.cumulusci.Organization.json"
    return dict(json.loads(path.read_text()))


def test_describe_global_lists_organization_with_the_recorded_flags(client: Client) -> None:
    recorded = _recorded_global_entry()
    ours = {o["name"]: o for o in client.get(f"{API}/sobjects/").json()["sobjects"]}["Organization"]
    flags = ("createable", "deletable", "undeletable", "updateable", "queryable", "replicateable")
    assert {f: ours[f] for f in (*flags, "keyPrefix", "label", "labelPlural")} == {
        f: recorded[f] for f in (*flags, "keyPrefix", "label", "labelPlural")
    }


def test_describe_has_the_fields_clients_read(client: Client) -> None:
    describe = client.get(f"{API}/sobjects/Organization/describe/").json()
    fields = {f["name"]: f for f in describe["fields"]}
    assert {"Id", "Name", "IsSandbox", "OrganizationType", "InstanceName"} <= set(fields)
    assert fields["IsSandbox"]["type"] == "boolean" and not fields["IsSandbox"]["updateable"]
    assert "IsDeleted" not in fields


def test_query_returns_the_one_row_whose_id_is_the_tokens_org_id(
    emu: Emulator, client: Client
) -> None:
    soql = "SELECT Id, Name, IsSandbox, OrganizationType, InstanceName FROM Organization"
    body = client.query(soql).json()
    assert body["totalSize"] == 1 and body["done"] is True
    row = body["records"][0]
    assert row["attributes"]["type"] == "Organization"
    assert row["IsSandbox"] is False and row["OrganizationType"] == "Developer Edition"
    identity = client.get(f"{API}/").json()["identity"]
    assert identity.split("/")[-2] == row["Id"]
    assert client.get(f"{API}/sobjects/Organization/{row['Id']}").json()["Name"] == row["Name"]


def test_organization_cannot_be_created_or_deleted(client: Client) -> None:
    created = client.post(f"{API}/sobjects/Organization", json={"Name": "Second"})
    assert created.status_code == 400
    assert created.json()[0]["errorCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    org_id = client.query("SELECT Id FROM Organization").json()["records"][0]["Id"]
    assert client.delete(f"{API}/sobjects/Organization/{org_id}").status_code == 400


def test_org_knobs_apply_on_reset() -> None:
    org = Org(options={"org.is_sandbox": True, "org.instance_name": "CS42"})
    try:
        data = org.data("Organization")
        row = data.record(0, ["IsSandbox", "InstanceName", "TrialExpirationDate"])
        assert row == {"IsSandbox": True, "InstanceName": "CS42", "TrialExpirationDate": None}
        with pytest.raises(ValueError, match="exactly one row"):
            org.load(1, {"Organization": 2})
    finally:
        org.close()


def test_bulk_query_reads_organization(client: Client) -> None:
    job = client.post(
        f"{API}/jobs/query",
        json={"operation": "query", "query": "SELECT Id, IsSandbox FROM Organization"},
    ).json()
    for _ in range(100):
        state = client.get(f"{API}/jobs/query/{job['id']}").json()["state"]
        if state == "JobComplete":
            break
        time.sleep(0.05)
    text = client.get(f"{API}/jobs/query/{job['id']}/results").text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["IsSandbox"] for r in rows] == ["false"]
