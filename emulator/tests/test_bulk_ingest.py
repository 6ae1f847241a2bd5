"""Bulk API 2.0 ingest jobs: contract tests through the emulator router (spec §4, bulk2 data)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.core.ids import make_id
from emulator.core.org import Org
from emulator.core.writes import RecordRule
from emulator.soql import parse
from emulator.tests.bulk_api import Api

FIXTURES = Path("/work/shared/fixtures/salesforce/bulk2")
BASE = "/services/data/v62.0"
JOBS = f"{BASE}/jobs/ingest"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = Org(seed=11, datasets={"Account": 40, "Contact": 20, "X__c": 30}, work_dir=tmp_path)
    yield org
    org.close()


@pytest.fixture
def api(org: Org) -> Api:
    return Api(org)


def open_job(api: Api, sobject: str, operation: str, **extra: Any) -> dict[str, Any]:
    body = {"object": sobject, "operation": operation, "contentType": "CSV", **extra}
    response = api.call("POST", JOBS, body)
    assert response.status == 200, response.body
    return json.loads(response.body)


def run_job(api: Api, sobject: str, operation: str, data: str, **extra: Any) -> dict[str, Any]:
    job = open_job(api, sobject, operation, **extra)
    upload = api.call(
        "PUT", f"{JOBS}/{job['id']}/batches", data.encode(), headers={"Content-Type": "text/csv"}
    )
    assert (upload.status, upload.body) == (201, b"")
    closed = api.json("PATCH", f"{JOBS}/{job['id']}", {"state": "UploadComplete"})
    assert closed["state"] == "UploadComplete"
    return api.json("GET", f"{JOBS}/{job['id']}")


def result(api: Api, job_id: str, kind: str) -> str:
    response = api.call("GET", f"{JOBS}/{job_id}/{kind}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv"
    return response.body.decode()


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def names(org: Org, soql: str, include_deleted: bool = False) -> list[tuple[Any, ...]]:
    return list(org.run_query(parse(soql, org.schema), include_deleted))


def _same_keys(actual: dict[str, Any], recorded: dict[str, Any]) -> None:
    assert list(actual) == list(recorded)
    for key, value in recorded.items():
        expected = (int, float) if isinstance(value, (int, float)) else type(value)
        assert isinstance(actual[key], expected), key


def test_create_upsert_job_matches_recorded_open_reply(api: Api) -> None:
    job = open_job(api, "X__c", "upsert", externalIdFieldName="External_Id__c")
    _same_keys(job, _fixture("ingest.create-job.upsert.Open.v59.amp-labs.json"))
    assert job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"
    assert job["externalIdFieldName"] == "External_Id__c"


def test_create_delete_job_has_no_external_id_key(api: Api) -> None:
    job = open_job(api, "Account", "delete")
    _same_keys(job, _fixture("ingest.create-job.delete.Open.v59.amp-labs.json"))


@pytest.mark.parametrize(
    "body",
    [
        {"object": "Nope__c", "operation": "insert"},
        {"object": "Account", "operation": "merge"},
        {"object": "X__c", "operation": "upsert"},
        {"object": "X__c", "operation": "upsert", "externalIdFieldName": "Text__c"},
        {"object": "Account", "operation": "insert", "lineEnding": "CR"},
    ],
)
def test_create_job_invalid_body_is_400(api: Api, body: dict[str, Any]) -> None:
    response = api.call("POST", JOBS, body)
    assert response.status == 400
    assert json.loads(response.body)[0]["errorCode"] == "INVALIDJOB"


def test_insert_job_completes_and_rows_are_queryable(api: Api, org: Org) -> None:
    data = "Name,NumberOfEmployees,AnnualRevenue\nAcme Bulk,30,912260031\nBeta Bulk,40,\n"
    info = run_job(api, "Account", "insert", data)
    recorded = _fixture("ingest.job-info.JobComplete.wiremock.heroku.json")["response"]["jsonBody"]
    _same_keys(info, recorded)
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        2,
        0,
    )
    ok = rows(result(api, info["id"], "successfulResults"))
    assert ok[0] == ["sf__Id", "sf__Created", "Name", "NumberOfEmployees", "AnnualRevenue"]
    assert [r[1:] for r in ok[1:]] == [
        ["true", "Acme Bulk", "30", "9.12260031E8"],
        ["true", "Beta Bulk", "40", ""],
    ]
    stored = names(org, "SELECT Id, Name FROM Account WHERE Name LIKE '% Bulk'")
    assert sorted(stored) == sorted((r[0], r[2]) for r in ok[1:])


def test_successful_results_header_quotes_sf_columns_only(api: Api) -> None:
    info = run_job(api, "Account", "insert", "Name\nQuoted Header\n")
    text = result(api, info["id"], "successfulResults")
    assert text.splitlines()[0] == '"sf__Id","sf__Created",Name'
    assert text.splitlines()[1].endswith(',"true","Quoted Header"')


def test_partial_failure_reports_failed_row_like_recorded_csv(api: Api, org: Org) -> None:
    data = (
        "Name,Text__c,External_Id__c,Date__c\n"
        "Carli,GENERATED,external-id-1,2003-04-05\n"
        "Noemi,GENERATED,external-id-3,2003-04-987654321987654321\n"
    )
    info = run_job(api, "X__c", "upsert", data, externalIdFieldName="External_Id__c")
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        2,
        1,
    )
    text = result(api, info["id"], "failedResults")
    recorded = (FIXTURES / "ingest.failedResults.v59.amp-labs.csv").read_text().splitlines()
    assert text.splitlines()[0] == '"sf__Id","sf__Error",Name,Text__c,External_Id__c,Date__c'
    assert recorded[0].startswith('"sf__Id","sf__Error",')
    assert text.splitlines()[1] == (
        '"","INVALID_FIELD:Failed to deserialize field at col 4. Due to, '
        "'2003-04-987654321987654321' is not a valid value for the type xsd:date:Date__c --\","
        '"Noemi","GENERATED","external-id-3","2003-04-987654321987654321"'
    )


def test_required_field_missing_row_error_text(api: Api) -> None:
    info = run_job(api, "Account", "insert", "Name,Description\n,no name here\n")
    failed = rows(result(api, info["id"], "failedResults"))
    assert failed[1][:2] == [
        "",
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
    ]


def test_unknown_header_fails_job_with_recorded_message(api: Api) -> None:
    data = (FIXTURES / "ingest.upload-body.complete-failure.amp-labs.csv").read_text()
    data = data.replace("StageName_invalid_field_on_purpose", "Stage_invalid__c")
    info = run_job(api, "X__c", "insert", data.replace("external_id__c", "External_Id__c")
                   .replace("CloseDate", "Date__c"))  # fmt: skip
    recorded = _fixture("ingest.job-info.Failed-errorMessage.v59.amp-labs.json")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Stage_invalid__c"
    assert recorded["errorMessage"].startswith("InvalidBatch : Field name not found : ")
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)
    assert list(info)[-1] == "errorMessage"
    unprocessed = rows(result(api, info["id"], "unprocessedrecords"))
    assert len(unprocessed) == 9


def test_line_ending_mismatch_fails_job(api: Api) -> None:
    info = run_job(api, "Account", "insert", "Name\r\nA\r\n", lineEnding="LF")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    )


def test_crlf_job_with_crlf_data_succeeds(api: Api) -> None:
    info = run_job(api, "Account", "insert", "Name\r\nA\r\nB\r\n", lineEnding="CRLF")
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 2)
    assert result(api, info["id"], "successfulResults").count("\r\n") == 3


def test_upsert_reports_created_and_updated_rows(api: Api, org: Org) -> None:
    existing = names(org, "SELECT External_Id__c FROM X__c LIMIT 1")[0][0]
    data = f"External_Id__c,Text__c\n{existing},changed\nNEW-1,fresh\n"
    info = run_job(api, "X__c", "upsert", data, externalIdFieldName="External_Id__c")
    created = {r[2]: r[1] for r in rows(result(api, info["id"], "successfulResults"))[1:]}
    assert created == {existing: "false", "NEW-1": "true"}
    assert names(org, f"SELECT Text__c FROM X__c WHERE External_Id__c = '{existing}'") == [
        ("changed",)
    ]


def test_update_empty_cell_keeps_value_and_na_sets_null(api: Api, org: Org) -> None:
    record_id = make_id("001", 5)
    before = names(org, f"SELECT Phone, Website FROM Account WHERE Id = '{record_id}'")[0]
    info = run_job(api, "Account", "update", f"Id,Phone,Website\n{record_id},,#N/A\n")
    assert info["numberRecordsFailed"] == 0
    after = names(org, f"SELECT Phone, Website FROM Account WHERE Id = '{record_id}'")[0]
    assert after == (before[0], None)
    ok = rows(result(api, info["id"], "successfulResults"))
    assert ok[1][:2] == [record_id, "false"]


def test_update_unknown_id_fails_row_with_sf_id(api: Api) -> None:
    missing = make_id("001", 99_999)
    info = run_job(api, "Account", "update", f"Id,Name\n{missing},X\n")
    failed = rows(result(api, info["id"], "failedResults"))
    assert failed[1][0] == missing
    assert failed[1][1].startswith("NOT_FOUND:")


def test_delete_then_hard_delete_visibility(api: Api, org: Org) -> None:
    soft, hard = make_id("001", 1), make_id("001", 2)
    run_job(api, "Account", "delete", f"Id\n{soft}\n")
    run_job(api, "Account", "hardDelete", f"Id\n{hard}\n")
    visible = {r[0] for r in names(org, "SELECT Id FROM Account")}
    everything = {r[0]: r[1] for r in names(org, "SELECT Id, IsDeleted FROM Account", True)}
    assert soft not in visible and everything[soft] is True
    assert hard not in everything


def test_delete_job_with_extra_column_fails(api: Api) -> None:
    info = run_job(api, "Account", "delete", f"Id,Name\n{make_id('001', 1)},x\n")
    assert info["state"] == "Failed"
    assert "must contain only the 'Id' field" in info["errorMessage"]


def test_relationship_column_sets_lookup(api: Api, org: Org) -> None:
    account = make_id("001", 7)
    data = f"Name,Account__r.Id\nlinked,{account}\n"
    info = run_job(api, "X__c", "insert", data)
    new_id = rows(result(api, info["id"], "successfulResults"))[1][0]
    assert names(org, f"SELECT Account__c FROM X__c WHERE Id = '{new_id}'") == [(account,)]


def test_relationship_column_by_external_id_not_found_fails_row(api: Api) -> None:
    info = run_job(api, "Contact", "insert", "LastName,Account.Id\nSmith,001Dn0000099999AAA\n")
    failed = rows(result(api, info["id"], "failedResults"))
    assert len(failed) == 2 and failed[1][1].startswith("INVALID_CROSS_REFERENCE_KEY:")


def test_injected_record_rule_fails_matching_rows_only(api: Api, org: Org) -> None:
    org.add_rule(RecordRule("UNABLE_TO_LOCK_ROW", field="Name", pattern="^lock"))
    info = run_job(api, "Account", "insert", "Name\nlock me\nfine\n")
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    failed = rows(result(api, info["id"], "failedResults"))
    assert failed[1][1].startswith("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access")


def test_upload_twice_or_after_close_is_refused(api: Api) -> None:
    job = open_job(api, "Account", "insert")
    path = f"{JOBS}/{job['id']}/batches"
    assert api.call("PUT", path, b"Name\nA\n").status == 201
    second = api.call("PUT", path, b"Name\nB\n")
    assert second.status == 400
    assert json.loads(second.body)[0]["errorCode"] == "INVALIDJOBSTATE"


def test_upload_over_size_limit_is_refused(api: Api, org: Org) -> None:
    org.options.set("bulk.ingest_max_upload_mb", 1)
    job = open_job(api, "Account", "insert")
    response = api.call("PUT", f"{JOBS}/{job['id']}/batches", b"Name\n" + b"x" * (800 * 1024))
    assert response.status == 400


def test_upsert_job_info_matches_recorded_shape(api: Api) -> None:
    data = "External_Id__c,Text__c\nE-1,a\n"
    info = run_job(api, "X__c", "upsert", data, externalIdFieldName="External_Id__c")
    _same_keys(info, _fixture("ingest.job-info.JobComplete.v59.amp-labs.json"))


def test_close_reply_matches_recorded_shape(api: Api) -> None:
    job = open_job(api, "X__c", "upsert", externalIdFieldName="External_Id__c")
    api.call("PUT", f"{JOBS}/{job['id']}/batches", b"External_Id__c\nA\n")
    closed = api.json("PATCH", f"{JOBS}/{job['id']}", {"state": "UploadComplete"})
    _same_keys(closed, _fixture("ingest.close-job.UploadComplete.v59.amp-labs.json"))


def test_abort_open_job_leaves_all_rows_unprocessed(api: Api, org: Org) -> None:
    job = open_job(api, "Account", "insert")
    api.call("PUT", f"{JOBS}/{job['id']}/batches", b"Name\nA\nB\n")
    aborted = api.json("PATCH", f"{JOBS}/{job['id']}", {"state": "Aborted"})
    assert aborted["state"] == "Aborted"
    assert result(api, job["id"], "unprocessedRecords") == 'Name\n"A"\n"B"\n'
    again = api.call("PATCH", f"{JOBS}/{job['id']}", {"state": "UploadComplete"})
    assert again.status == 400


def test_timing_knobs_and_forced_failure(api: Api, org: Org) -> None:
    org.options.set("bulk.polls_upload_complete", 1)
    org.options.set("bulk.polls_in_progress", 1)
    job = open_job(api, "Account", "insert")
    api.call("PUT", f"{JOBS}/{job['id']}/batches", b"Name\nA\n")
    api.call("PATCH", f"{JOBS}/{job['id']}", {"state": "UploadComplete"})
    states = [api.json("GET", f"{JOBS}/{job['id']}")["state"] for _ in range(3)]
    assert states == ["UploadComplete", "InProgress", "JobComplete"]
    org.options.update({"bulk.polls_upload_complete": 0, "bulk.polls_in_progress": 0})
    org.options.set("bulk.force_fail_message", "InvalidBatch : forced by test")
    info = run_job(api, "Account", "insert", "Name\nnever written\n")
    assert (info["state"], info["errorMessage"]) == ("Failed", "InvalidBatch : forced by test")
    assert names(org, "SELECT Id FROM Account WHERE Name = 'never written'") == []


def test_multipart_create_starts_upload_complete_and_processes(api: Api, org: Org) -> None:
    boundary = "BOUNDARY"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="job"\r\n'
        "Content-Type: application/json\r\n\r\n"
        '{"object":"Account","contentType":"CSV","operation":"insert","lineEnding":"LF"}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="content"\r\n'
        "Content-Type: text/csv\r\n\r\nName\nMultipart Co\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = api.call(
        "POST", JOBS, body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    job = json.loads(response.body)
    assert job["state"] == "UploadComplete" and "contentUrl" not in job
    info = api.json("GET", f"{JOBS}/{job['id']}")
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 1)
    assert names(org, "SELECT Name FROM Account WHERE Name = 'Multipart Co'") == [("Multipart Co",)]


def test_delete_job_then_404_and_list_shape(api: Api) -> None:
    info = run_job(api, "Account", "insert", "Name\nA\n")
    listing = api.json("GET", f"{JOBS}/")
    assert listing["done"] is True and listing["nextRecordsUrl"] is None
    assert [r["jobType"] for r in listing["records"]] == ["V2Ingest"]
    assert api.call("DELETE", f"{JOBS}/{info['id']}/").status == 204
    assert api.call("GET", f"{JOBS}/{info['id']}").status == 404


def test_delete_open_job_is_refused(api: Api) -> None:
    job = open_job(api, "Account", "insert")
    assert api.call("DELETE", f"{JOBS}/{job['id']}").status == 400


def test_processing_charges_bulk_batches(api: Api, org: Org) -> None:
    run_job(api, "Account", "insert", "Name\nA\n")
    assert org.limits.used("DailyBulkApiBatches") == 2


def test_exhausted_batch_allowance_fails_job(api: Api, org: Org) -> None:
    org.limits.configure("DailyBulkApiBatches", max=1)
    info = run_job(api, "Account", "insert", "Name\nA\n")
    assert info["state"] == "Failed"
    assert "batches" in info["errorMessage"]


def test_query_job_id_is_not_an_ingest_job(api: Api) -> None:
    created = api.json(
        "POST", f"{BASE}/jobs/query", {"operation": "query", "query": "SELECT Id FROM Account"}
    )
    assert api.call("GET", f"{JOBS}/{created['id']}").status == 404
