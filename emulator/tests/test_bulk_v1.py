"""Bulk API 1.0 (issue #14 item 1): jobs, batches, results, PK chunking, errors, knobs.

The request sequences are the ones tap-salesforce 2.x sends in BULK mode (read from
`tap_salesforce/salesforce/bulk.py`: JSON job create with Content-Type application/json and
`Sforce-Disable-Batch-Retry`, SOQL batch as text/csv, XML batch polls, XML result list, CSV result;
PK chunking with `Sforce-Enable-PKChunking: true; chunkSize=N` and the XML batch list), written
out here because the tap's pinned dependencies do not install next to ours.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.etree import ElementTree

import pytest
import requests

from emulator import Emulator
from emulator.tests.helpers import FIXTURES, TIMEOUT

ASYNC = "/services/async/61.0"
NS = "{http://www.force.com/2009/06/asyncapi/dataload}"


class Bulk1:
    """A client speaking Bulk 1.0 the way tap-salesforce does (X-SFDC-Session header)."""

    def __init__(self, emu: Emulator, token: str | None = None) -> None:
        self.base = emu.base_url + ASYNC
        self.session = requests.Session()
        self.session.headers["X-SFDC-Session"] = token or emu.access_token()

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
        data = json.dumps(body) if isinstance(body, dict | list) else body
        return self.session.request(
            method, self.base + path, data=data, headers=headers, timeout=TIMEOUT
        )

    def create(self, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        reply = self.call("POST", "/job", body, **{"Content-Type": "application/json", **headers})
        assert reply.status_code == 201, reply.text
        return dict(reply.json())

    def add_batch(self, job_id: str, body: str | bytes, content_type: str) -> requests.Response:
        return self.call("POST", f"/job/{job_id}/batch", body, **{"Content-Type": content_type})

    def batch_xml(self, job_id: str, batch_id: str) -> dict[str, str]:
        reply = self.call("GET", f"/job/{job_id}/batch/{batch_id}")
        return _fields(ElementTree.fromstring(reply.content))

    def close(self, job_id: str) -> requests.Response:
        body = {"state": "Closed"}
        return self.call("POST", f"/job/{job_id}", body, **{"Content-Type": "application/json"})


def _fields(element: ElementTree.Element) -> dict[str, str]:
    return {child.tag.removeprefix(NS): child.text or "" for child in element}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _query_job(bulk: Bulk1, soql: str, operation: str = "queryAll") -> tuple[str, str]:
    job = bulk.create(
        {"operation": operation, "object": "Account", "contentType": "CSV"},
        **{"Sforce-Disable-Batch-Retry": "true"},
    )
    reply = bulk.add_batch(job["id"], soql, "text/csv")
    assert reply.status_code == 201, reply.text
    batch = _fields(ElementTree.fromstring(reply.content))
    assert batch["state"] == "Queued" and batch["jobId"] == job["id"]
    assert bulk.close(job["id"]).json()["state"] == "Closed"
    return job["id"], batch["id"]


def test_tap_salesforce_bulk_query_sequence_reads_every_row(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    job_id, batch_id = _query_job(bulk, "SELECT Id, Name, SystemModstamp FROM Account")
    status = bulk.batch_xml(job_id, batch_id)
    assert status["state"] == "Completed" and status["numberRecordsProcessed"] == "4500"
    listing = bulk.call("GET", f"/job/{job_id}/batch/{batch_id}/result")
    results = [e.text for e in ElementTree.fromstring(listing.content).iter(f"{NS}result")]
    assert len(results) == 1 and results[0].startswith("752")
    data = bulk.call("GET", f"/job/{job_id}/batch/{batch_id}/result/{results[0]}")
    assert data.headers["Content-Type"].startswith("text/csv")
    rows = _csv(data.text)
    assert len(rows) == 4500 and list(rows[0]) == ["Id", "Name", "SystemModstamp"]
    assert rows[0]["SystemModstamp"].endswith(".000Z")


def test_batch_info_has_the_recorded_element_order(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    job_id, batch_id = _query_job(bulk, "SELECT Id FROM Account LIMIT 3")
    ours = list(bulk.batch_xml(job_id, batch_id))
    recorded = (FIXTURES / "bulk1" / "batchInfo.Completed.salesforce_bulk.xml").read_bytes()
    expected = [k for k in _fields(ElementTree.fromstring(recorded)) if k != "stateMessage"]
    assert ours == expected


def test_pk_chunking_splits_the_query_by_id_range(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    job = bulk.create(
        {"operation": "queryAll", "object": "Account", "contentType": "CSV"},
        **{"Sforce-Enable-PKChunking": "true; chunkSize=1000"},
    )
    first = bulk.add_batch(job["id"], "SELECT Id, Name FROM Account WHERE Name != null", "text/csv")
    original = _fields(ElementTree.fromstring(first.content))["id"]
    listing = bulk.call("GET", f"/job/{job['id']}/batch")
    batches = [_fields(b) for b in ElementTree.fromstring(listing.content).iter(f"{NS}batchInfo")]
    states = {b["id"]: b["state"] for b in batches}
    assert states.pop(original) == "Not Processed"
    assert len(states) == 5 and set(states.values()) == {"Completed"}
    ids: list[str] = []
    for batch_id in states:
        listing = bulk.call("GET", f"/job/{job['id']}/batch/{batch_id}/result")
        for result in ElementTree.fromstring(listing.content).iter(f"{NS}result"):
            text = bulk.call("GET", f"/job/{job['id']}/batch/{batch_id}/result/{result.text}").text
            ids += [row["Id"] for row in _csv(text)]
    assert len(ids) == len(set(ids)) == 4500
    bulk.close(job["id"])


def test_bad_session_is_the_bulk_1_envelope_with_400(emu: Emulator) -> None:
    bulk = Bulk1(emu, token="00Dbad!token")
    reply = bulk.call("GET", "/job/750Dn0000000001AAA")
    assert reply.status_code == 400
    error = _fields(ElementTree.fromstring(reply.content))
    assert error == {"exceptionCode": "InvalidSessionId", "exceptionMessage": "Invalid session id"}
    as_json = bulk.call("POST", "/job", {}, **{"Content-Type": "application/json"})
    assert as_json.json() == {
        "exceptionCode": "InvalidSessionId",
        "exceptionMessage": "Invalid session id",
    }


def test_unknown_job_is_invalid_job_in_json_for_json_requests(emu: Emulator) -> None:
    reply = Bulk1(emu).call(
        "GET", "/job/750Dn0000000077AAA", **{"Content-Type": "application/json"}
    )
    assert reply.status_code == 400 and reply.headers["Content-Type"].startswith("application/json")
    assert reply.json()["exceptionCode"] == "InvalidJob"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"operation": "insert", "object": "Nope__c"}, "Unable to find object: Nope__c"),
        ({"operation": "upsert", "object": "Account"}, "External ID was blank for Account"),
        ({"operation": "merge", "object": "Account"}, "Invalid operation: merge"),
        ({"operation": "insert", "object": "Account", "contentType": "ZIP_CSV"}, "contentType"),
    ],
)
def test_job_creation_errors_are_invalid_job(emu: Emulator, body: dict, fragment: str) -> None:
    reply = Bulk1(emu).call("POST", "/job", body, **{"Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["exceptionCode"] == "InvalidJob"
    assert fragment in reply.json()["exceptionMessage"]


def test_xml_job_and_xml_batch_write_records_with_xml_results(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    create = (
        '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/'
        'asyncapi/dataload"><operation>insert</operation><object>Contact</object>'
        "<contentType>XML</contentType></jobInfo>"
    )
    reply = bulk.call("POST", "/job", create, **{"Content-Type": "application/xml"})
    job = _fields(ElementTree.fromstring(reply.content))
    assert reply.status_code == 201 and job["state"] == "Open" and job["contentType"] == "XML"
    records = (
        '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sObject><LastName>Xml</LastName>'
        '<Email xsi:nil="true"/></sObject><sObject><FirstName>Only</FirstName></sObject></sObjects>'
    )
    batch = _fields(
        ElementTree.fromstring(bulk.add_batch(job["id"], records, "application/xml").content)
    )
    assert bulk.batch_xml(job["id"], batch["id"])["numberRecordsFailed"] == "1"
    results = bulk.call("GET", f"/job/{job['id']}/batch/{batch['id']}/result")
    first, second = ElementTree.fromstring(results.content).iter(f"{NS}result")
    assert _fields(first)["success"] == "true" and _fields(first)["id"].startswith("003")
    assert second.find(f"{NS}errors/{NS}statusCode").text == "REQUIRED_FIELD_MISSING"  # type: ignore[union-attr]


def test_csv_ingest_results_and_request(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    job = bulk.create({"operation": "insert", "object": "Account", "contentType": "CSV"})
    upload = "Name,NumberOfEmployees\nOne,5\nTwo,lots\n"
    batch = _fields(ElementTree.fromstring(bulk.add_batch(job["id"], upload, "text/csv").content))
    assert bulk.batch_xml(job["id"], batch["id"])["state"] == "Completed"
    text = bulk.call("GET", f"/job/{job['id']}/batch/{batch['id']}/result").text
    rows = _csv(text)
    assert list(rows[0]) == ["Id", "Success", "Created", "Error"]
    assert rows[0]["Success"] == "true" and rows[0]["Created"] == "true"
    assert rows[1]["Success"] == "false" and rows[1]["Error"].startswith("INVALID_FIELD:")
    assert bulk.call("GET", f"/job/{job['id']}/batch/{batch['id']}/request").text == upload
    info = bulk.call("GET", f"/job/{job['id']}", **{"Content-Type": "application/json"}).json()
    assert info["numberBatchesCompleted"] == 1 and info["numberRecordsFailed"] == 1


def test_failed_query_batches_carry_the_state_message(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    cases = {
        "SELECT Nope FROM Account": "InvalidBatch : Failed to process query: INVALID_FIELD:",
        "SELECT BillingAddress FROM Account": (
            "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: "
            "Selecting compound data not supported in Bulk Query"
        ),
    }
    for soql, message in cases.items():
        job_id, batch_id = _query_job(bulk, soql, "query")
        status = bulk.batch_xml(job_id, batch_id)
        assert status["state"] == "Failed" and status["stateMessage"].startswith(message)
        result = bulk.call("GET", f"/job/{job_id}/batch/{batch_id}/result")
        assert result.status_code == 400


def test_zero_rows_answer_records_not_found(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    job_id, batch_id = _query_job(bulk, "SELECT Id FROM Account WHERE Name = 'nobody at all'")
    bulk.batch_xml(job_id, batch_id)
    listing = bulk.call("GET", f"/job/{job_id}/batch/{batch_id}/result")
    result = next(ElementTree.fromstring(listing.content).iter(f"{NS}result")).text
    body = bulk.call("GET", f"/job/{job_id}/batch/{batch_id}/result/{result}").text
    assert body == "Records not found for this query"


def test_timing_knobs_abort_and_closed_jobs(emu: Emulator) -> None:
    emu.org.options.set("bulk.polls_upload_complete", 1)
    emu.org.options.set("bulk.polls_in_progress", 1)
    bulk = Bulk1(emu)
    job = bulk.create({"operation": "query", "object": "Account", "contentType": "CSV"})
    first = _fields(
        ElementTree.fromstring(
            bulk.add_batch(job["id"], "SELECT Id FROM Account", "text/csv").content
        )
    )
    second = _fields(
        ElementTree.fromstring(
            bulk.add_batch(job["id"], "SELECT Id FROM Account", "text/csv").content
        )
    )
    seen = [bulk.batch_xml(job["id"], first["id"])["state"] for _ in range(3)]
    assert seen == ["Queued", "InProgress", "Completed"]
    aborted = bulk.call(
        "POST", f"/job/{job['id']}", {"state": "Aborted"}, **{"Content-Type": "application/json"}
    )
    assert aborted.json()["state"] == "Aborted"
    assert bulk.batch_xml(job["id"], second["id"])["state"] == "Not Processed"
    refused = bulk.add_batch(job["id"], "SELECT Id FROM Account", "text/csv")
    assert refused.status_code == 400
    assert _fields(ElementTree.fromstring(refused.content))["exceptionCode"] == "InvalidJobState"


def test_force_fail_knob_and_batch_quota(emu: Emulator) -> None:
    emu.org.options.set(
        "bulk.force_fail_message", "InvalidBatch : Failed to process query: QUERY_TIMEOUT"
    )
    bulk = Bulk1(emu)
    job_id, batch_id = _query_job(bulk, "SELECT Id FROM Account")
    assert bulk.batch_xml(job_id, batch_id)["stateMessage"].endswith("QUERY_TIMEOUT")
    emu.org.limits.configure("DailyBulkApiBatches", max=10, used=10)
    job = bulk.create({"operation": "query", "object": "Account", "contentType": "CSV"})
    refused = bulk.add_batch(job["id"], "SELECT Id FROM Account", "text/csv")
    assert refused.status_code == 400
    assert _fields(ElementTree.fromstring(refused.content))["exceptionCode"] == "ExceededQuota"


def test_serial_jobs_run_batches_in_order(emu: Emulator) -> None:
    emu.org.options.set("bulk.polls_in_progress", 5)
    bulk = Bulk1(emu)
    job = bulk.create(
        {
            "operation": "query",
            "object": "Account",
            "contentType": "JSON",
            "concurrencyMode": "Serial",
        }
    )
    ids = [
        bulk.add_batch(job["id"], "SELECT Id FROM Account LIMIT 1", "application/json").json()["id"]
        for _ in range(2)
    ]
    listing = bulk.call("GET", f"/job/{job['id']}/batch").json()["batchInfo"]
    assert [b["state"] for b in listing] == ["InProgress", "Queued"]
    assert listing[0]["id"] == ids[0]


def test_job_info_has_the_recorded_element_order(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    create = (
        f'<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="{NS[1:-1]}">'
        "<operation>insert</operation><object>Account</object><contentType>CSV</contentType>"
        "</jobInfo>"
    )
    reply = bulk.call("POST", "/job", create, **{"Content-Type": "application/xml; charset=UTF-8"})
    assert reply.headers["Content-Type"].startswith("application/xml")
    ours = _fields(ElementTree.fromstring(reply.content))
    recorded = (FIXTURES / "bulk1" / "jobInfo.insert.Open.cumulusci.xml").read_bytes()
    expected = _fields(ElementTree.fromstring(recorded))
    assert list(ours) == list(expected)
    same = ("operation", "object", "state", "concurrencyMode", "contentType", "numberRetries")
    assert {k: ours[k] for k in same} == {k: expected[k] for k in same}
    assert ours["createdDate"].endswith(".000Z") and ours["apiVersion"] == "61.0"


def test_faults_apply_to_bulk_1_paths(emu: Emulator) -> None:
    rule = {"kind": "session", "path": "/services/async/.*/job$"}
    assert requests.post(emu.base_url + "/__emulator/faults", json=rule, timeout=TIMEOUT).ok
    reply = Bulk1(emu).call(
        "POST",
        "/job",
        {"operation": "query", "object": "Account"},
        **{"Content-Type": "application/json"},
    )
    assert reply.status_code == 400 and reply.json()["exceptionCode"] == "InvalidSessionId"
    unavailable = {"kind": "status", "status": 503, "path": "/result$"}
    assert requests.post(emu.base_url + "/__emulator/faults", json=unavailable, timeout=TIMEOUT).ok
    job_id, batch_id = _query_job(Bulk1(emu), "SELECT Id FROM Account LIMIT 1")
    Bulk1(emu).batch_xml(job_id, batch_id)
    assert Bulk1(emu).call("GET", f"/job/{job_id}/batch/{batch_id}/result").status_code == 503


def test_jobs_and_their_result_files_expire_with_the_retention(emu: Emulator) -> None:
    bulk = Bulk1(emu)
    job_id, batch_id = _query_job(bulk, "SELECT Id FROM Account LIMIT 2")
    bulk.batch_xml(job_id, batch_id)
    files = list((emu.org.work_dir / "bulk-v1-results").iterdir())
    assert len(files) == 1
    emu.org.clock.advance(8 * 86400)
    gone = Bulk1(emu).call("GET", f"/job/{job_id}")  # a new session: the old one idled out
    assert _fields(ElementTree.fromstring(gone.content))["exceptionCode"] == "InvalidJob"
    assert not files[0].exists()
