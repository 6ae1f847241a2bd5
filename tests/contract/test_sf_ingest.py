"""Bulk 2.0 ingest and sObject Collections against the emulator (state read back via REST)."""

from __future__ import annotations

from typing import Any

from sf_contract import add_record_rule, set_option

from lht.salesforce.client import SalesforceClient
from lht.salesforce.soql import quote_string


def names_by_id(client: SalesforceClient, ids: list[str]) -> dict[str, Any]:
    in_list = ", ".join(quote_string(i) for i in ids)
    soql = f"SELECT Id, Name FROM Account WHERE Id IN ({in_list})"
    return {r["Id"]: r["Name"] for r in client.query_records(soql, include_deleted=False)}


def test_ingest_insert_round_trip_with_failed_rows(client: SalesforceClient, emu: Any) -> None:
    add_record_rule(emu, status_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    message="Name must not start with BAD", field="Name", pattern="^BAD",
                    sobject="Account")  # fmt: skip
    body = b'Name,NumberOfEmployees\nLHT Good 1,10\nBAD row,20\n"LHT, Good 2",30\n'
    job = client.ingest_job("Account", "insert")
    job.upload(body)
    job.close()
    result = job.wait(timeout=120.0)
    ok = list(job.successful_results())
    failed = list(job.failed_results())
    assert (result.state, result.records_processed, result.records_failed) == ("JobComplete", 3, 1)
    assert {r["Name"] for r in ok} == {"LHT Good 1", "LHT, Good 2"}
    assert all(r["sf__Created"] == "true" and r["sf__Id"].startswith("001") for r in ok)
    assert [r["Name"] for r in failed] == ["BAD row"]
    assert failed[0]["sf__Error"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION:")
    assert names_by_id(client, [r["sf__Id"] for r in ok]) == {r["sf__Id"]: r["Name"] for r in ok}
    job.delete()


def test_ingest_update_then_delete_visible_through_rest(client: SalesforceClient) -> None:
    created = client.collection_create("Account", [{"Name": "LHT upd 1"}, {"Name": "LHT upd 2"}])
    ids = [r.id for r in created if r.id]
    assert len(ids) == 2 and all(r.success for r in created)
    update = client.ingest_job("Account", "update")
    update.upload(
        ("Id,Name\n" + "".join(f"{i},LHT renamed {n}\n" for n, i in enumerate(ids))).encode()
    )
    update.close()
    assert update.wait(timeout=120.0).records_failed == 0
    assert names_by_id(client, ids) == {ids[0]: "LHT renamed 0", ids[1]: "LHT renamed 1"}
    delete = client.ingest_job("Account", "delete")
    delete.upload(("Id\n" + "\n".join(ids) + "\n").encode())
    delete.close()
    assert delete.wait(timeout=120.0).records_succeeded == 2
    assert names_by_id(client, ids) == {}


def test_ingest_bad_column_fails_job_with_message(client: SalesforceClient) -> None:
    job = client.ingest_job("Account", "insert")
    job.upload(b"Name,NoSuchField__c\nx,y\n")
    job.close()
    result = job.wait(timeout=120.0)
    assert result.state == "Failed"
    assert "NoSuchField__c" in (result.error_message or "")


def test_collections_upsert_and_delete_results_are_data(client: SalesforceClient) -> None:
    good = client.collection_create("Account", [{"Name": "LHT coll"}])
    assert good[0].success and good[0].id
    bad = client.collection_create("Account", [{"NumberOfEmployees": 5}])
    assert not bad[0].success and bad[0].errors[0].status_code == "REQUIRED_FIELD_MISSING"
    upd = client.collection_update("Account", [{"Id": good[0].id, "Name": "LHT coll 2"}])
    assert upd[0].success
    deleted = client.collection_delete([good[0].id or "", good[0].id or ""])
    assert deleted[0].success
    assert names_by_id(client, [good[0].id or ""]) == {}


def test_ingest_upsert_on_external_id_reports_created_flags(client: SalesforceClient) -> None:
    existing = next(client.query_records("SELECT Id, External_Id__c FROM X__c LIMIT 1"))
    body = f"External_Id__c,Name\n{existing['External_Id__c']},LHT upserted\nLHT-NEW-1,LHT new\n"
    job = client.ingest_job("X__c", "upsert", external_id_field="External_Id__c")
    job.upload(body.encode())
    job.close()
    assert job.wait(timeout=120.0).records_failed == 0
    created = {r["External_Id__c"]: r["sf__Created"] for r in job.successful_results()}
    assert created == {existing["External_Id__c"]: "false", "LHT-NEW-1": "true"}
    soql = "SELECT Id, Name FROM X__c WHERE External_Id__c = " + quote_string(
        existing["External_Id__c"]
    )
    assert [r["Name"] for r in client.query_records(soql)] == ["LHT upserted"]


def test_ingest_aborted_job_lists_unprocessed_records(client: SalesforceClient, emu: Any) -> None:
    set_option(emu, "bulk.polls_upload_complete", 5)
    job = client.ingest_job("Account", "insert")
    job.upload(b"Name\nLHT never 1\nLHT never 2\n")
    job.close()
    job.abort()
    result = job.wait(timeout=60.0)
    assert result.state == "Aborted" and result.records_processed == 0
    assert list(job.unprocessed_records()) == [{"Name": "LHT never 1"}, {"Name": "LHT never 2"}]
    assert list(job.successful_results()) == []


def test_collections_record_level_problems_come_back_as_results(client: SalesforceClient) -> None:
    no_id = client.collection_update("Account", [{"Name": "LHT no id"}])
    assert not no_id[0].success and no_id[0].errors[0].status_code == "MISSING_ARGUMENT"
    with_id = client.collection_create("Account", [{"Id": "001000000000001AAA", "Name": "x"}])
    assert not with_id[0].success
    no_key = client.collection_upsert("X__c", "External_Id__c", [{"Name": "LHT no key"}])
    assert not no_key[0].success and no_key[0].errors[0].status_code == "REQUIRED_FIELD_MISSING"
