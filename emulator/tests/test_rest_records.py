"""Single-record CRUD, upsert by external id, updated/deleted, sObject Collections."""

from __future__ import annotations

from emulator import Emulator
from emulator.tests.helpers import API, Client, recorded, type_shape

SOBJ = f"{API}/sobjects"
COLL = f"{API}/composite/sobjects"


def test_create_returns_201_with_recorded_shape_and_is_queryable(client: Client) -> None:
    expected = recorded("rest/create.wiremock.heroku.json")
    reply = client.post(f"{SOBJ}/Account", json={"Name": "Global Media", "Industry": "Media"})
    assert reply.status_code == 201
    body = reply.json()
    assert type_shape(body) == type_shape(expected)
    found = client.query(f"SELECT Id, Name, CreatedDate FROM Account WHERE Id = '{body['id']}'")
    assert found.json()["records"][0]["Name"] == "Global Media"


def test_get_update_delete_round_trip(client: Client) -> None:
    new_id = client.post(f"{SOBJ}/Contact", json={"LastName": "Hopper"}).json()["id"]
    record = client.get(f"{SOBJ}/Contact/{new_id}", params={"fields": "Id,LastName,Name"}).json()
    assert list(record) == ["attributes", "Id", "LastName", "Name"]
    assert record["Name"] == "Hopper"
    patch = client.patch(f"{SOBJ}/Contact/{new_id}", json={"FirstName": "Grace"})
    assert patch.status_code == 204 and patch.content == b""
    assert client.get(f"{SOBJ}/Contact/{new_id}").json()["Name"] == "Grace Hopper"
    assert client.delete(f"{SOBJ}/Contact/{new_id}").status_code == 204
    again = client.delete(f"{SOBJ}/Contact/{new_id}")
    assert again.status_code == 404
    assert again.json() == recorded("errors/delete-already-deleted.wiremock.heroku.json")


def test_get_of_a_deleted_record_is_entity_is_deleted_until_purged(
    emu: Emulator, client: Client
) -> None:
    # The docs are silent; the recorded DELETE of a deleted record answers this body, and a
    # public runbook records GET .../sobjects/Contact/<deleted id> -> 404 ENTITY_IS_DELETED.
    record_id = client.query("SELECT Id FROM Account LIMIT 1").json()["records"][0]["Id"]
    assert client.delete(f"{SOBJ}/Account/{record_id}").status_code == 204
    reply = client.get(f"{SOBJ}/Account/{record_id}")
    assert reply.status_code == 404
    assert reply.json() == recorded("errors/delete-already-deleted.wiremock.heroku.json")
    emu.org.options.set("rest.deleted_record_error", "NOT_FOUND")
    assert client.get(f"{SOBJ}/Account/{record_id}").json()[0]["errorCode"] == "NOT_FOUND"
    emu.org.options.set("rest.deleted_record_error", "ENTITY_IS_DELETED")
    emu.org.purge("Account", record_id)
    purged = client.get(f"{SOBJ}/Account/{record_id}")
    assert purged.status_code == 404 and purged.json()[0]["errorCode"] == "NOT_FOUND"


def test_update_bumps_system_modstamp(emu: Emulator, client: Client) -> None:
    record = client.query("SELECT Id, SystemModstamp FROM Account LIMIT 1").json()["records"][0]
    emu.org.clock.advance(60)
    client.patch(f"{SOBJ}/Account/{record['Id']}", json={"Rating": "Hot"})
    after = client.get(f"{SOBJ}/Account/{record['Id']}").json()
    assert after["SystemModstamp"] > record["SystemModstamp"]
    assert after["LastModifiedDate"] == after["SystemModstamp"]


def test_required_field_missing_matches_recorded_shape(client: Client) -> None:
    expected = recorded("errors/create-required-field-missing.wiremock.heroku.json")
    reply = client.post(f"{SOBJ}/Opportunity", json={"Name": "Deal"})
    assert reply.status_code == 400
    body = reply.json()
    assert type_shape(body) == type_shape(expected)
    assert body[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert body[0]["fields"] == ["StageName", "CloseDate"]


def test_invalid_field_and_restricted_picklist_match_recordings(client: Client) -> None:
    unknown = client.post(f"{SOBJ}/Account", json={"FavoritePet__c": "Dog"})
    assert unknown.json() == recorded("errors/create-invalid-field.wiremock.heroku.json")
    picklist = client.post(f"{SOBJ}/X__c", json={"Name": "a", "Picklist__c": "Terrible"})
    expected = recorded("errors/create-invalid-picklist-value.wiremock.heroku.json")
    assert type_shape(picklist.json()) == type_shape(expected)
    assert (
        picklist.json()[0]["message"]
        == "Picklist: bad value for restricted picklist field: Terrible"
    )


def test_read_only_field_is_invalid_for_insert_update(client: Client) -> None:
    reply = client.post(
        f"{SOBJ}/Account", json={"Name": "a", "CreatedDate": "2024-01-01T00:00:00Z"}
    )
    expected = recorded("errors/INVALID_FIELD_FOR_INSERT_UPDATE.amp-labs.json")
    assert type_shape(reply.json()) == type_shape(expected)
    assert reply.json()[0]["fields"] == ["CreatedDate"]


def test_malformed_id_matches_recording_shape(client: Client) -> None:
    reply = client.patch(f"{SOBJ}/Account/a00B000000FSjVUIB1", json={"Name": "x"})
    assert reply.status_code == 400
    body = reply.json()
    assert type_shape(body) == type_shape(
        recorded("errors/update-malformed-id.wiremock.heroku.json")
    )
    assert body[0]["errorCode"] == "MALFORMED_ID" and body[0]["fields"] == ["Id"]


def test_upsert_by_external_id_creates_then_updates(client: Client) -> None:
    created = client.patch(f"{SOBJ}/X__c/External_Id__c/NEW-1", json={"Name": "first"})
    assert created.status_code == 201
    assert created.json()["created"] is True
    updated = client.patch(f"{SOBJ}/X__c/External_Id__c/NEW-1", json={"Name": "second"})
    assert updated.status_code == 200
    assert updated.json() == {
        "id": created.json()["id"],
        "success": True,
        "errors": [],
        "created": False,
    }
    fetched = client.get(f"{SOBJ}/X__c/External_Id__c/NEW-1").json()
    assert fetched["Name"] == "second"
    existing = client.patch(f"{SOBJ}/X__c/External_Id__c/EXT-00000001", json={"Name": "virtual"})
    assert existing.status_code == 200


def test_duplicate_external_id_is_duplicate_value(client: Client) -> None:
    reply = client.post(f"{SOBJ}/X__c", json={"Name": "dup", "External_Id__c": "EXT-00000003"})
    assert reply.status_code == 400
    assert reply.json()[0]["errorCode"] == "DUPLICATE_VALUE"


def test_updated_and_deleted_windows(emu: Emulator, client: Client) -> None:
    emu.org.clock.set(emu.org.clock.now().replace(second=0, microsecond=0))
    start = emu.org.clock.now()
    record_id = client.query("SELECT Id FROM Account LIMIT 1").json()["records"][0]["Id"]
    other_id = client.query("SELECT Id FROM Account ORDER BY Name LIMIT 1").json()["records"][0][
        "Id"
    ]
    client.patch(f"{SOBJ}/Account/{record_id}", json={"Rating": "Cold"})
    client.delete(f"{SOBJ}/Account/{other_id}")
    emu.org.clock.advance(120)
    window = {"start": start.isoformat(), "end": emu.org.clock.now().isoformat()}
    updated = client.get(f"{SOBJ}/Account/updated/", params=window).json()
    assert updated["ids"] == [record_id]
    assert updated["latestDateCovered"].endswith("+0000")
    deleted = client.get(f"{SOBJ}/Account/deleted/", params=window).json()
    assert [d["id"] for d in deleted["deletedRecords"]] == [other_id]
    assert set(deleted) == {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    too_old = client.get(
        f"{SOBJ}/Account/updated/", params={**window, "start": "2000-01-01T00:00:00Z"}
    )
    assert too_old.status_code == 400


def test_collections_create_partial_failure_keeps_request_order(client: Client) -> None:
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Account"}, "Name": "A1"},
            {"attributes": {"type": "Contact"}},
            {"attributes": {"type": "Contact"}, "LastName": "Smith"},
        ],
    }
    reply = client.post(COLL, json=body)
    assert reply.status_code == 200
    results = reply.json()
    assert [r["success"] for r in results] == [True, False, True]
    assert "id" not in results[1]
    assert results[1]["errors"][0] == {
        "statusCode": "REQUIRED_FIELD_MISSING",
        "message": "Required fields are missing: [LastName]",
        "fields": ["LastName"],
    }


def test_collections_all_or_none_rolls_back(client: Client) -> None:
    before = client.query("SELECT COUNT() FROM Account").json()["totalSize"]
    records = [
        {"attributes": {"type": "Account"}, "Name": "ok"},
        {"attributes": {"type": "Account"}},
    ]
    results = client.post(COLL, json={"allOrNone": True, "records": records}).json()
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert client.query("SELECT COUNT() FROM Account").json()["totalSize"] == before


def test_collections_upsert_matches_recorded_shape(client: Client) -> None:
    expected = recorded("rest/composite.sobjects.upsert-created.cumulusci.json")
    records = [
        {"attributes": {"type": "X__c"}, "External_Id__c": f"C-{n}", "Name": f"c{n}"}
        for n in range(3)
    ]
    results = client.patch(f"{COLL}/X__c/External_Id__c", json={"records": records}).json()
    assert type_shape(results) == type_shape(expected)
    assert all(r["created"] for r in results)
    again = client.patch(f"{COLL}/X__c/External_Id__c", json={"records": records}).json()
    assert [r["created"] for r in again] == [False, False, False]


def test_collections_update_delete_retrieve(client: Client) -> None:
    ids = [r["Id"] for r in client.query("SELECT Id FROM Account LIMIT 2").json()["records"]]
    update = [{"attributes": {"type": "Account"}, "Id": i, "Rating": "Warm"} for i in ids]
    assert all(r["success"] for r in client.patch(COLL, json={"records": update}).json())
    got = client.get(f"{COLL}/Account", params={"ids": ",".join(ids), "fields": "Id,Rating"}).json()
    assert [r["Rating"] for r in got] == ["Warm", "Warm"]
    deleted = client.delete(COLL, params={"ids": ",".join(ids)}).json()
    assert [r["id"] for r in deleted] == ids
    again = client.delete(COLL, params={"ids": ids[0]}).json()
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_collections_over_200_records_is_rejected(client: Client) -> None:
    records = [{"attributes": {"type": "Account"}, "Name": str(n)} for n in range(201)]
    reply = client.post(COLL, json={"records": records})
    assert reply.status_code == 400
    assert reply.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_blob_url_serves_the_base64_field_bytes(client: Client) -> None:
    records = client.query("SELECT Id, Blob__c FROM X__c WHERE Name LIKE 'X-00000%'").json()[
        "records"
    ]
    url = next(r["Blob__c"] for r in records if r["Blob__c"])
    reply = client.get(url)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/octet-stream"
    assert reply.content.startswith(b"blob-")
    created = client.post(f"{SOBJ}/X__c", json={"Name": "b", "Blob__c": "aGVsbG8="}).json()["id"]
    assert client.get(f"{SOBJ}/X__c/{created}/Blob__c").content == b"hello"
    assert client.get(f"{SOBJ}/X__c/{created}/Name").status_code == 404
