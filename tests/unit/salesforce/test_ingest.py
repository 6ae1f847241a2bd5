from __future__ import annotations

import json

import pytest
from sf_replay import FIXTURES, Canned, ReplayAdapter, json_response, make_client, token_response

from lht.errors import ConfigError, SalesforceJobFailed

JOB = "7505fEXAMPLE4C2AAM"
INFO = {"id": JOB, "object": "Account", "operation": "insert", "state": "Open"}


def csv_file(name: str, gzip_body: bool = False) -> Canned:
    body = (FIXTURES / "bulk2" / name).read_bytes()
    return Canned(200, body, {"Content-Type": "text/csv"}, gzip_body=gzip_body)


def test_ingest_round_trip_requests_and_results_from_recorded_csv() -> None:
    done = {**INFO, "state": "JobComplete", "numberRecordsProcessed": 5, "numberRecordsFailed": 2}
    adapter = ReplayAdapter(
        token_response(),
        json_response(INFO),
        Canned(201),
        json_response({**INFO, "state": "UploadComplete"}),
        json_response({**INFO, "state": "InProgress"}),
        json_response(done),
        csv_file("ingest.successfulResults.heroku.csv"),
        csv_file("ingest.failedResults.heroku.csv"),
        csv_file("ingest.unprocessedrecords.heroku.csv"),
        Canned(204),
    )
    client = make_client(adapter)
    job = client.ingest_job("Account", "insert")
    job.upload(b"Name\nA\n")
    job.close()
    result = job.wait()
    ok, failed, unprocessed = (
        list(job.successful_results()),
        list(job.failed_results()),
        list(job.unprocessed_records()),
    )
    job.delete()
    assert (result.state, result.records_processed, result.records_failed) == ("JobComplete", 5, 2)
    assert result.records_succeeded == 3
    assert [r["sf__Id"] for r in ok] == [
        "0018Z00002rGc7YQAS",
        "0018Z00002rGc7ZQAS",
        "0018Z00002rGc7aQAC",
    ]
    assert ok[0]["sf__Created"] == "true" and ok[0]["Name"] == "TestAccount1"
    assert [r["sf__Error"] for r in failed] == [
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    ] * 2
    assert failed[1]["NumberOfEmployees"] == "40"  # last row has no trailing newline
    assert unprocessed == [
        {
            "Name": "TestAccount3",
            "Description": "Yet another description",
            "NumberOfEmployees": "50",
        }
    ]
    assert json.loads(adapter.requests[1].body or b"") == {
        "object": "Account",
        "operation": "insert",
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    assert adapter.requests[2].headers["Content-Type"] == "text/csv"
    assert adapter.requests[2].body == b"Name\nA\n"
    assert json.loads(adapter.requests[3].body or b"") == {"state": "UploadComplete"}
    assert adapter.paths[6:9] == [
        f"GET /services/data/v62.0/jobs/ingest/{JOB}/{r}"
        for r in ("successfulResults", "failedResults", "unprocessedrecords")
    ]


def test_ingest_failed_results_quoted_v59_csv_parsed() -> None:
    adapter = ReplayAdapter(
        token_response(), json_response(INFO), csv_file("ingest.failedResults.v59.amp-labs.csv")
    )
    (row,) = list(make_client(adapter).ingest_job("Opportunity", "insert").failed_results())
    assert row["sf__Id"] == "" and row["sf__Error"].startswith(
        "INVALID_FIELD:Failed to deserialize"
    )
    assert row["CloseDate"] == "2003-04-987654321987654321"


def test_ingest_upsert_sends_external_id_and_requires_it() -> None:
    adapter = ReplayAdapter(token_response(), json_response({**INFO, "operation": "upsert"}))
    client = make_client(adapter)
    client.ingest_job("Account", "upsert", external_id_field="Ext_Id__c", line_ending="CRLF")
    sent = json.loads(adapter.requests[1].body or b"")
    assert sent["externalIdFieldName"] == "Ext_Id__c" and sent["lineEnding"] == "CRLF"
    for kwargs in (
        {"operation": "upsert"},
        {"operation": "merge"},
        {"operation": "insert", "line_ending": "CR"},
    ):
        with pytest.raises(ConfigError):
            client.ingest_job("Account", **kwargs)  # type: ignore[arg-type]
    assert len(adapter.requests) == 2


def test_ingest_wait_failed_job_is_data_or_raises_on_request() -> None:
    failed = {
        **INFO,
        "state": "Failed",
        "errorMessage": "InvalidBatch : InvalidBatch : Field name not found : Email",
        "numberRecordsProcessed": 0,
        "numberRecordsFailed": 0,
    }
    adapter = ReplayAdapter(
        token_response(), json_response(INFO), json_response(failed), json_response(failed)
    )
    job = make_client(adapter).ingest_job("Account", "insert")
    result = job.wait()
    assert result.state == "Failed" and "Field name not found" in (result.error_message or "")
    with pytest.raises(SalesforceJobFailed, match=f"{JOB}.*Field name not found"):
        job.wait(raise_on_failure=True)


def test_ingest_abort_patches_state() -> None:
    adapter = ReplayAdapter(
        token_response(), json_response(INFO), json_response({**INFO, "state": "Aborted"})
    )
    job = make_client(adapter).ingest_job("Account", "insert")
    job.abort()
    assert job.info["state"] == "Aborted"
    assert json.loads(adapter.requests[-1].body or b"") == {"state": "Aborted"}


def test_ingest_fetched_results_are_read_from_the_fetch_without_a_request() -> None:
    adapter = ReplayAdapter(
        token_response(),
        json_response(INFO),
        csv_file("ingest.successfulResults.heroku.csv", gzip_body=True),  # decoded
        csv_file("ingest.failedResults.heroku.csv"),
        csv_file("ingest.unprocessedrecords.heroku.csv"),
    )
    job = make_client(adapter).ingest_job("Account", "insert")
    job.fetch_results()
    fetched = len(adapter.requests)
    ok, failed, unprocessed = (
        list(job.successful_results()),
        list(job.failed_results()),
        list(job.unprocessed_records()),
    )
    assert len(adapter.requests) == fetched == 5  # nothing more was sent to read them
    assert [r["sf__Id"] for r in ok][:1] == ["0018Z00002rGc7YQAS"] and len(ok) == 3
    assert len(failed) == 2 and failed[1]["NumberOfEmployees"] == "40"
    assert [r["Name"] for r in unprocessed] == ["TestAccount3"]


def test_ingest_result_file_whose_fetch_failed_is_downloaded_when_read() -> None:
    adapter = ReplayAdapter(
        token_response(),
        json_response(INFO),
        json_response([{"errorCode": "NOT_FOUND", "message": "gone for now"}], status=404),
        csv_file("ingest.failedResults.heroku.csv"),
        csv_file("ingest.unprocessedrecords.heroku.csv"),
        csv_file("ingest.successfulResults.heroku.csv"),
    )
    job = make_client(adapter).ingest_job("Account", "insert")
    job.fetch_results()  # successfulResults answered 404: logged, left for the read
    assert len(list(job.failed_results())) == 2
    assert len(list(job.successful_results())) == 3
    assert adapter.paths[-1].endswith("/successfulResults")
