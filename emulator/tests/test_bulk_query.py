"""Bulk API 2.0 query jobs: contract tests through the emulator router (spec §3, bulk2 fixtures)."""

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
from emulator.http import Response, SalesforceHttpError
from emulator.soql import parse
from emulator.tests.bulk_api import Api

FIXTURES = Path("/work/shared/fixtures/salesforce/bulk2")
BASE = "/services/data/v62.0"
SOQL = "SELECT Id, Name, AnnualRevenue, CreatedDate, Owner.Name FROM Account"


def _fixture(name: str) -> Any:
    data = json.loads((FIXTURES / name).read_text())
    response = data.get("response")
    if response is None:
        return data
    return response.get("jsonBody") or json.loads(response["body"])


def content(response: Response) -> bytes:
    return response.body + b"".join(response.chunks or [])


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = Org(seed=7, datasets={"Account": 120, "Contact": 30}, work_dir=tmp_path)
    yield org
    org.close()


@pytest.fixture
def api(org: Org) -> Api:
    return Api(org)


def create(api: Api, soql: str = SOQL, **extra: Any) -> dict[str, Any]:
    body = {"operation": "query", "query": soql, **extra}
    response = api.call("POST", f"{BASE}/jobs/query", body)
    assert response.status == 200, response.body
    return json.loads(response.body)


def finished(api: Api, job_id: str) -> dict[str, Any]:
    info = api.json("GET", f"{BASE}/jobs/query/{job_id}")
    assert info["state"] == "JobComplete", info
    return info


def rows_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(), newline="")))


def _same_shape(actual: dict[str, Any], recorded: dict[str, Any]) -> None:
    assert list(actual)[: len(recorded)] == list(recorded)
    for key, value in recorded.items():
        expected = (int, float) if isinstance(value, (int, float)) else type(value)
        assert isinstance(actual[key], expected), key


def test_create_job_reply_has_recorded_shape_and_upload_complete_state(api: Api) -> None:
    job = create(api, columnDelimiter="COMMA", lineEnding="LF")
    _same_shape(job, _fixture("query.create-job.UploadComplete.v59.amp-labs.json"))
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert job["state"] == "UploadComplete"
    assert job["apiVersion"] == 62.0 and isinstance(job["apiVersion"], float)
    assert job["createdDate"].endswith("+0000") and len(job["createdDate"]) == 28


def test_create_job_with_accept_text_csv_still_answers_json(api: Api) -> None:
    response = api.call(
        "POST",
        f"{BASE}/jobs/query",
        {"operation": "query", "query": SOQL},
        headers={"Accept": "text/csv"},
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")


def test_job_info_complete_has_recorded_keys(api: Api) -> None:
    info = finished(api, create(api)["id"])
    recorded = _fixture("query.job-info.JobComplete.wiremock.heroku.json")
    _same_shape(info, recorded)
    assert info["jobType"] == "V2Query"
    assert info["numberRecordsProcessed"] == 120


def test_results_single_page_quotes_every_value_in_select_order(api: Api, org: Org) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    response = api.call("GET", f"{BASE}/jobs/query/{job_id}/results")
    assert response.status == 200
    assert response.headers["Sforce-Locator"] == "null"
    assert response.headers["Sforce-NumberOfRecords"] == "120"
    assert response.headers["Content-Type"] == "text/csv"
    body = content(response)
    lines = body.decode().split("\n")
    assert lines[0] == '"Id","Name","AnnualRevenue","CreatedDate","Owner.Name"'
    assert lines[-1] == ""  # trailing line ending
    assert all(line.startswith('"') and line.endswith('"') for line in lines[1:-1] if line)
    parsed = rows_of(body)
    assert len(parsed) == 121
    assert parsed[1][3].endswith(".000Z")
    assert {row[4] for row in parsed[1:]} <= {"", *(r[0] for r in _users(org))}


def _users(org: Org) -> list[tuple[Any, ...]]:
    return list(org.run_query(parse("SELECT Name FROM User", org.schema), False))


def test_results_paged_with_max_records_concatenate_to_all_rows(api: Api) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    whole = rows_of(content(api.call("GET", f"{BASE}/jobs/query/{job_id}/results")))
    collected: list[list[str]] = []
    locator, pages = None, 0
    while True:
        query = {"maxRecords": 50, **({"locator": locator} if locator else {})}
        response = api.call("GET", f"{BASE}/jobs/query/{job_id}/results", query=query)
        page = rows_of(content(response))
        assert page[0] == whole[0]  # header repeated on every page
        assert int(response.headers["Sforce-NumberOfRecords"]) == len(page) - 1
        collected.extend(page[1:])
        pages += 1
        locator = response.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert pages == 3
    assert collected == whole[1:]


def test_results_default_page_size_option_splits_pages(api: Api, org: Org) -> None:
    org.options.set("bulk.query_page_size", 100)
    job_id = create(api)["id"]
    finished(api, job_id)
    first = api.call("GET", f"{BASE}/jobs/query/{job_id}/results")
    assert first.headers["Sforce-NumberOfRecords"] == "100"
    second = api.call(
        "GET",
        f"{BASE}/jobs/query/{job_id}/results",
        query={"locator": first.headers["Sforce-Locator"]},
    )
    assert second.headers["Sforce-NumberOfRecords"] == "20"
    assert second.headers["Sforce-Locator"] == "null"


def test_results_use_job_delimiter_and_line_ending(api: Api) -> None:
    job_id = create(api, "SELECT Id, Name FROM Account LIMIT 2", columnDelimiter="PIPE",
                    lineEnding="CRLF")["id"]  # fmt: skip
    finished(api, job_id)
    body = content(api.call("GET", f"{BASE}/jobs/query/{job_id}/results")).decode()
    assert body.startswith('"Id"|"Name"\r\n')
    assert body.count("\r\n") == 3


def test_results_zero_rows_give_header_only(api: Api) -> None:
    job_id = create(api, "SELECT Id FROM Account WHERE Name = 'no such account'")["id"]
    finished(api, job_id)
    response = api.call("GET", f"{BASE}/jobs/query/{job_id}/results")
    assert content(response) == b'"Id"\n'
    assert response.headers["Sforce-NumberOfRecords"] == "0"
    assert response.headers["Sforce-Locator"] == "null"


def test_null_rendering_option_bare_writes_nothing(api: Api, org: Org) -> None:
    soql = "SELECT Id, ParentId FROM Account WHERE ParentId = null LIMIT 1"
    quoted_id = create(api, soql)["id"]
    finished(api, quoted_id)
    org.options.set("bulk.csv_null", "bare")
    bare_id = create(api, soql)["id"]
    finished(api, bare_id)
    quoted = content(api.call("GET", f"{BASE}/jobs/query/{quoted_id}/results")).decode()
    bare = content(api.call("GET", f"{BASE}/jobs/query/{bare_id}/results")).decode()
    assert quoted.splitlines()[1].endswith('",""')
    assert bare.splitlines()[1].endswith('",')


@pytest.mark.parametrize(
    ("soql", "code", "phrase"),
    [
        ("SELECT Id, Foo__c FROM Account", "INVALID_FIELD", "No such column 'Foo__c' on entity"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE", "sObject type 'Nope__c' is not supported"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", ""),
        ("SELECT Id, BillingAddress FROM Account", "API_ERROR",
         "Selecting compound data not supported in Bulk Query"),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "", ""),
        ("SELECT COUNT() FROM Account", "API_ERROR", "Aggregate"),
        ("SELECT Id FROM Account LIMIT 5 OFFSET 2", "API_ERROR", "OFFSET"),
        ("SELECT Id, Blob__c FROM X__c", "API_ERROR", "base64"),
    ],
)  # fmt: skip
def test_create_job_rejects_bad_or_bulk_unsupported_soql(
    api: Api, soql: str, code: str, phrase: str
) -> None:
    response = api.call("POST", f"{BASE}/jobs/query", {"operation": "query", "query": soql})
    assert response.status == 400
    (error,) = json.loads(response.body)
    assert set(error) >= {"message", "errorCode"}
    if code:
        assert error["errorCode"] == code
    assert phrase in error["message"]
    assert api.org.jobs == {}


def test_create_job_rejects_unknown_operation_and_delimiter(api: Api) -> None:
    bad_op = api.call("POST", f"{BASE}/jobs/query", {"operation": "insert", "query": SOQL})
    bad_delim = api.call(
        "POST", f"{BASE}/jobs/query", {"operation": "query", "query": SOQL, "columnDelimiter": "X"}
    )
    assert bad_op.status == bad_delim.status == 400


def test_query_all_includes_soft_deleted_rows_query_does_not(api: Api, org: Org) -> None:
    org.delete("Account", make_id("001", 3))
    soql = "SELECT Id, IsDeleted FROM Account"
    plain = create(api, soql)["id"]
    everything = api.json("POST", f"{BASE}/jobs/query", {"operation": "queryAll", "query": soql})[
        "id"
    ]
    assert finished(api, plain)["numberRecordsProcessed"] == 119
    assert finished(api, everything)["numberRecordsProcessed"] == 120
    rows = rows_of(content(api.call("GET", f"{BASE}/jobs/query/{everything}/results")))
    assert [make_id("001", 3), "true"] in rows


def test_timing_knobs_hold_job_in_upload_complete_then_in_progress(api: Api, org: Org) -> None:
    org.options.set("bulk.polls_upload_complete", 1)
    org.options.set("bulk.polls_in_progress", 2)
    job_id = create(api)["id"]
    states = [api.json("GET", f"{BASE}/jobs/query/{job_id}")["state"] for _ in range(4)]
    assert states == ["UploadComplete", "InProgress", "InProgress", "JobComplete"]


def test_results_before_completion_are_refused(api: Api, org: Org) -> None:
    org.options.set("bulk.polls_in_progress", 5)
    job_id = create(api)["id"]
    response = api.call("GET", f"{BASE}/jobs/query/{job_id}/results")
    assert response.status == 400
    assert json.loads(response.body)[0]["errorCode"] == "INVALIDJOBSTATE"


def test_forced_failure_sets_failed_state_and_error_message(api: Api, org: Org) -> None:
    org.options.set("bulk.force_fail_message", "Failed to process query: internal chunk failed")
    job_id = create(api)["id"]
    info = api.json("GET", f"{BASE}/jobs/query/{job_id}")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "Failed to process query: internal chunk failed"
    assert api.call("GET", f"{BASE}/jobs/query/{job_id}/results").status == 400


def test_abort_running_job_then_abort_again_is_invalid_state(api: Api, org: Org) -> None:
    org.options.set("bulk.polls_in_progress", 3)
    job_id = create(api)["id"]
    aborted = api.json("PATCH", f"{BASE}/jobs/query/{job_id}", {"state": "Aborted"})
    assert aborted["state"] == "Aborted"
    again = api.call("PATCH", f"{BASE}/jobs/query/{job_id}", {"state": "Aborted"})
    assert again.status == 400
    assert json.loads(again.body)[0]["errorCode"] == "INVALIDJOBSTATE"


def test_abort_completed_job_matches_recorded_error(api: Api) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    response = api.call("PATCH", f"{BASE}/jobs/query/{job_id}", {"state": "Aborted"})
    assert response.status == 400
    assert json.loads(response.body) == [
        {"message": "Aborting already Completed Job not allowed", "errorCode": "INVALIDJOBSTATE"}
    ]
    assert _fixture("error.abort-completed-job.INVALIDJOBSTATE.wiremock.heroku.json") == [
        {"errorCode": "INVALIDJOBSTATE", "message": "Aborting already Completed Job not allowed"}
    ]


def test_delete_completed_job_gives_204_then_404_and_removes_files(api: Api, org: Org) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    results_dir = org.work_dir / "bulk-query-results"
    assert any(results_dir.iterdir())
    response = api.call("DELETE", f"{BASE}/jobs/query/{job_id}")
    assert (response.status, response.body) == (204, b"")
    gone = api.call("GET", f"{BASE}/jobs/query/{job_id}")
    assert gone.status == 404
    assert json.loads(gone.body) == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]
    assert not any(results_dir.iterdir())


def test_delete_running_job_is_refused(api: Api, org: Org) -> None:
    org.options.set("bulk.polls_in_progress", 3)
    job_id = create(api)["id"]
    response = api.call("DELETE", f"{BASE}/jobs/query/{job_id}")
    assert response.status == 400
    assert json.loads(response.body)[0]["errorCode"] == "API_ERROR"


def test_unknown_job_is_404_not_found(api: Api) -> None:
    response = api.call("GET", f"{BASE}/jobs/query/750Dn0000099999AAA")
    assert response.status == 404
    recorded = _fixture("error.unknown-job.NOT_FOUND.wiremock.heroku.json")
    assert json.loads(response.body)[0]["errorCode"] == recorded[0]["errorCode"]
    assert json.loads(response.body)[0]["message"] == recorded[0]["message"]


def test_list_jobs_pages_with_next_records_url_key_always_present(api: Api, org: Org) -> None:
    org.options.set("bulk.job_list_page_size", 2)
    ids = [create(api)["id"] for _ in range(3)]
    first = api.json("GET", f"{BASE}/jobs/query/")
    assert first["done"] is False and len(first["records"]) == 2
    assert first["records"][0]["jobType"] == "V2Query"
    path, _, locator = first["nextRecordsUrl"].partition("?queryLocator=")
    second = api.json("GET", path, query={"queryLocator": locator})
    assert second["done"] is True
    assert "nextRecordsUrl" in second and second["nextRecordsUrl"] is None
    assert [r["id"] for r in first["records"] + second["records"]] == ids


def test_results_with_other_api_version_is_409(api: Api) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    response = api.call("GET", f"/services/data/v61.0/jobs/query/{job_id}/results")
    assert response.status == 409


def test_invalid_locator_and_max_records_are_400(api: Api) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    path = f"{BASE}/jobs/query/{job_id}/results"
    assert api.call("GET", path, query={"locator": "%%%"}).status == 400
    assert api.call("GET", path, query={"maxRecords": "0"}).status == 400
    assert api.call("GET", path, query={"maxRecords": "ten"}).status == 400


def test_result_pages_lists_page_urls(api: Api) -> None:
    job_id = create(api)["id"]
    finished(api, job_id)
    listing = api.json("GET", f"{BASE}/jobs/query/{job_id}/resultPages", query={"maxRecords": 20})
    assert len(listing["resultPages"]) == 5
    assert listing["done"] is False
    # as in the docs' example: a locator on every URL, lower-case "resultpages" in the next URL
    assert listing["nextRecordsUrl"].startswith(f"{BASE}/jobs/query/{job_id}/resultpages?")
    assert all("locator=" in page["resultUrl"] for page in listing["resultPages"])
    url = listing["resultPages"][1]["resultUrl"]
    path, _, params = url.partition("?")
    query = dict(p.split("=") for p in params.split("&"))
    page = api.call("GET", path, query=query)
    assert page.headers["Sforce-NumberOfRecords"] == "20"


def test_daily_query_job_limit_refuses_new_jobs(api: Api, org: Org) -> None:
    org.limits.configure("DailyBulkV2QueryJobs", max=1)
    create(api)
    response = api.call("POST", f"{BASE}/jobs/query", {"operation": "query", "query": SOQL})
    assert response.status == 400
    (error,) = json.loads(response.body)
    assert error["errorCode"] == "LIMIT_EXCEEDED"
    assert error["message"] == "Max bulk v2 query jobs (1) per 24 hrs has been reached (2)"


def test_completed_job_charges_result_storage(api: Api, org: Org) -> None:
    before = org.limits.used("DailyBulkV2QueryFileStorageMB")
    finished(api, create(api)["id"])
    assert org.limits.used("DailyBulkV2QueryFileStorageMB") == before + 1
    assert org.limits.used("DailyBulkV2QueryJobs") == 1


def test_error_while_rendering_fails_the_job(
    api: Api, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_blocks(query: Any, include_deleted: bool, formats: Any) -> Iterator[Any]:
        yield [["001Dn0000000001AAA"]]
        raise SalesforceHttpError(
            400, "QUERY_TIMEOUT", "Your query request was running for too long."
        )

    monkeypatch.setattr(org, "csv_blocks", broken_blocks)
    info = finished_or_failed(api, create(api, "SELECT Id FROM Account")["id"])
    assert info["state"] == "Failed"
    assert info["errorMessage"] == (
        "Failed to process query: Your query request was running for too long."
    )


def finished_or_failed(api: Api, job_id: str) -> dict[str, Any]:
    return api.json("GET", f"{BASE}/jobs/query/{job_id}")


def test_terminal_jobs_expire_after_retention_days(api: Api, org: Org) -> None:
    org.options.set("auth.token_ttl_seconds", 0)  # the token must outlive the clock jump
    job_id = create(api)["id"]
    finished(api, job_id)
    org.clock.advance(6 * 86400)
    assert api.call("GET", f"{BASE}/jobs/query/{job_id}").status == 200
    org.clock.advance(2 * 86400)
    assert api.call("GET", f"{BASE}/jobs/query/{job_id}").status == 404
    assert api.json("GET", f"{BASE}/jobs/query")["records"] == []
    assert not any((org.work_dir / "bulk-query-results").iterdir())
