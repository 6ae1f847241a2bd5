"""Bulk API 2.0 over real HTTP: gzip stream, limit headers, usage counting and download faults."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulator import Emulator
from emulator.core.faults import FaultRule

API = "/services/data/v62.0"
SOQL = "SELECT Id, Name, Description, AnnualRevenue, CreatedDate FROM Account"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(seed=3, datasets={"Account": 4321}).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def http(emu: Emulator) -> Iterator[requests.Session]:
    emu.org.faults.clear()
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {emu.access_token()}"
    yield session
    session.close()


def _url(emu: Emulator, path: str) -> str:
    return f"{emu.base_url}{API}{path}"


def _completed_job(emu: Emulator, http: requests.Session, soql: str = SOQL) -> str:
    reply = http.post(
        _url(emu, "/jobs/query"), json={"operation": "query", "query": soql}, timeout=30
    )
    job_id: str = reply.json()["id"]
    deadline = time.monotonic() + 30
    while http.get(_url(emu, f"/jobs/query/{job_id}"), timeout=30).json()["state"] != "JobComplete":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return job_id


def _get(http: requests.Session, url: str, **kw: Any) -> requests.Response:
    return http.get(url, timeout=30, **kw)


def test_results_gzip_is_one_member_equal_to_identity(
    emu: Emulator, http: requests.Session
) -> None:
    job_id = _completed_job(emu, http)
    url = _url(emu, f"/jobs/query/{job_id}/results")
    for start in ("", "MTIzNA"):  # aligned and unaligned (row 1234) page starts
        params = {"maxRecords": 2500, **({"locator": start} if start else {})}
        plain = _get(http, url, params=params, headers={"Accept-Encoding": "identity"})
        zipped = _get(http, url, params=params, headers={"Accept-Encoding": "gzip"}, stream=True)
        raw = zipped.raw.read(decode_content=False)
        assert "Content-Encoding" not in plain.headers
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert zipped.headers["Sforce-NumberOfRecords"] == plain.headers["Sforce-NumberOfRecords"]
        inflater = zlib.decompressobj(31)
        assert inflater.decompress(raw) == plain.content
        assert inflater.eof and inflater.unused_data == b""


def test_bulk_calls_count_as_api_requests_and_carry_limit_info(
    emu: Emulator, http: requests.Session
) -> None:
    before = emu.org.limits.used("DailyApiRequests")
    reply = _get(http, _url(emu, "/jobs/query"))
    assert reply.status_code == 200
    assert emu.org.limits.used("DailyApiRequests") == before + 1
    assert reply.headers["Sforce-Limit-Info"] == f"api-usage={before + 1}/15000"


def test_truncated_results_download_is_detected_by_the_client(
    emu: Emulator, http: requests.Session
) -> None:
    job_id = _completed_job(emu, http)
    emu.org.faults.add(FaultRule(kind="truncate", path=r"/results$", after_bytes=5000))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _get(http, _url(emu, f"/jobs/query/{job_id}/results"),
             headers={"Accept-Encoding": "identity"})  # fmt: skip
    retry = _get(http, _url(emu, f"/jobs/query/{job_id}/results"))
    assert retry.status_code == 200
    assert retry.content.count(b"\n") == 4322  # header + every row once the fault is spent


def test_results_503_fault_then_success_on_retry(emu: Emulator, http: requests.Session) -> None:
    job_id = _completed_job(emu, http)
    emu.org.faults.add(FaultRule(kind="status", path=r"/results$", status=503))
    url = _url(emu, f"/jobs/query/{job_id}/results")
    failed = _get(http, url)
    assert (failed.status_code, failed.content) == (503, b"")
    assert _get(http, url).status_code == 200


def test_ingest_paths_accept_trailing_slash_and_any_case(
    emu: Emulator, http: requests.Session
) -> None:
    job = http.post(_url(emu, "/jobs/ingest/"), json={"object": "Account", "operation": "insert"},
                    timeout=30).json()  # fmt: skip
    upload = http.put(_url(emu, f"/jobs/ingest/{job['id']}/batches/"), data=b"Name\nHTTP Co\n",
                      headers={"Content-Type": "text/csv"}, timeout=30)  # fmt: skip
    assert upload.status_code == 201 and upload.content == b""
    http.patch(
        _url(emu, f"/jobs/ingest/{job['id']}/"), json={"state": "UploadComplete"}, timeout=30
    )
    info = _get(http, _url(emu, f"/jobs/ingest/{job['id']}/")).json()
    assert info["state"] == "JobComplete"
    for name in (
        "successfulResults/",
        "failedresults",
        "unprocessedRecords",
        "unprocessedrecords/",
    ):
        reply = _get(http, _url(emu, f"/jobs/ingest/{job['id']}/{name}"))
        assert reply.status_code == 200, name
        assert reply.headers["Content-Type"] == "text/csv"


def test_delete_job_answers_204_without_body(emu: Emulator, http: requests.Session) -> None:
    job_id = _completed_job(emu, http, "SELECT Id FROM Account LIMIT 1")
    reply = http.delete(_url(emu, f"/jobs/query/{job_id}"), timeout=30)
    assert (reply.status_code, reply.content) == (204, b"")
    assert _get(http, _url(emu, f"/jobs/query/{job_id}")).status_code == 404
