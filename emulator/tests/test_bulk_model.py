"""The benchmark performance model (job time per million rows, first-byte latency, per-stream
bandwidth, concurrent-stream cap) and parallel result pages (`resultPages`, out-of-order
downloads, one page failed once by a fault with a query pattern)."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from emulator import Emulator
from emulator.core.org import Org
from emulator.tests.bulk_api import Api
from emulator.tests.helpers import API, Client
from emulator.tests.test_bulk_ingest import run_job

JOBS = f"{API}/jobs/query"


def _job(client: Client, soql: str = "SELECT Id, Name FROM Account") -> str:
    reply = client.post(JOBS, json={"operation": "query", "query": soql})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["id"])


def _state(client: Client, job_id: str) -> str:
    return str(client.get(f"{JOBS}/{job_id}").json()["state"])


def _complete(client: Client, soql: str = "SELECT Id, Name FROM Account") -> str:
    job_id = _job(client, soql)
    assert _state(client, job_id) == "JobComplete"
    return job_id


def _locator(row: int) -> str:
    return base64.b64encode(str(row).encode()).decode().rstrip("=")


def _walk(client: Client, job_id: str, size: int) -> list[str]:
    """Data lines of every page, following Sforce-Locator like a sequential client."""
    lines, locator = [], ""
    while True:
        params = {"maxRecords": size, **({"locator": locator} if locator else {})}
        page = client.get(f"{JOBS}/{job_id}/results", params=params)
        lines += page.text.splitlines()[1:]
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            return lines


def _page_urls(client: Client, job_id: str, size: int) -> list[str]:
    urls, listing = [], client.get(f"{JOBS}/{job_id}/resultPages", params={"maxRecords": size})
    while True:
        body = listing.json()
        urls += [page["resultUrl"] for page in body["resultPages"]]
        if body["done"]:
            assert body["nextRecordsUrl"] is None
            return urls
        listing = client.get(body["nextRecordsUrl"])


def test_model_job_time_keeps_a_query_job_in_progress(emu: Emulator, client: Client) -> None:
    emu.org.clock.freeze()
    emu.org.options.set("bulk.model_seconds_per_million_rows", 1000.0)  # 4,500 rows: 4.5 s
    job_id = _job(client)
    assert _state(client, job_id) == "InProgress"
    early = client.get(f"{JOBS}/{job_id}/results")
    assert (early.status_code, early.json()[0]["errorCode"]) == (400, "INVALIDJOBSTATE")
    emu.org.clock.advance(4)
    assert _state(client, job_id) == "InProgress"
    emu.org.clock.advance(1)
    assert _state(client, job_id) == "JobComplete"


def test_model_job_time_applies_to_ingest_from_processing_start(tmp_path: Path) -> None:
    org = Org(seed=2, datasets={"Account": 10}, work_dir=tmp_path)
    org.clock.freeze()
    org.options.set("bulk.model_seconds_per_million_rows", 500_000.0)  # 4 rows: 2 s
    api = Api(org)
    info = run_job(api, "Account", "insert", "Name\na\nb\nc\nd\n")
    assert info["state"] == "InProgress"
    org.clock.advance(2)
    assert api.json("GET", f"{API}/jobs/ingest/{info['id']}")["state"] == "JobComplete"
    org.close()


def test_first_byte_delay_and_stream_rate_slow_a_download(emu: Emulator, client: Client) -> None:
    job_id = _complete(client)
    emu.org.options.set("bulk.model_first_byte_seconds", 0.3)
    emu.org.options.set("bulk.model_stream_bytes_per_second", 100_000)
    started = time.monotonic()
    page = client.get(
        f"{JOBS}/{job_id}/results",
        params={"maxRecords": 1000},
        headers={"Accept-Encoding": "identity"},  # the rate applies to the bytes on the wire
    )
    elapsed = time.monotonic() - started
    assert page.status_code == 200 and page.headers["Sforce-NumberOfRecords"] == "1000"
    assert elapsed >= 0.3 + 0.9 * len(page.content) / 100_000  # ~40 KB: at least 0.66 s


def test_stream_cap_serialises_concurrent_downloads(emu: Emulator, client: Client) -> None:
    job_id = _complete(client)
    emu.org.options.set("bulk.model_max_streams", 1)
    emu.org.options.set("bulk.model_first_byte_seconds", 0.4)
    statuses: list[int] = []

    def fetch(row: int) -> None:
        other = Client(emu.base_url, emu.access_token())
        params = {"maxRecords": 10, "locator": _locator(row)}
        statuses.append(other.get(f"{JOBS}/{job_id}/results", params=params).status_code)

    started = time.monotonic()
    threads = [threading.Thread(target=fetch, args=(row,)) for row in (0, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    assert time.monotonic() - started >= 0.8  # one at a time: the second waited for the slot


def test_result_pages_match_the_locator_walk_in_any_download_order(client: Client) -> None:
    job_id = _complete(client)
    urls = _page_urls(client, job_id, 400)  # 4,500 rows: 12 pages over three listings
    assert len(urls) == 12
    pages = {url: client.get(url).text.splitlines() for url in reversed(urls)}
    assert all(lines[0] == '"Id","Name"' for lines in pages.values())
    in_order = [line for url in urls for line in pages[url][1:]]
    assert in_order == _walk(client, job_id, 400)
    assert len(set(in_order)) == 4500


def test_pages_fetched_in_parallel_can_finish_out_of_order(emu: Emulator, client: Client) -> None:
    job_id = _complete(client)
    urls = _page_urls(client, job_id, 1000)
    first = f"locator={_locator(0)}&"
    client.post(
        "/__emulator/faults",
        json={"kind": "slow", "path": "/results$", "query": first, "delay": 0.5},
    )
    finished: list[str] = []
    texts: dict[str, str] = {}

    def fetch(url: str) -> None:
        texts[url] = Client(emu.base_url, emu.access_token()).get(url).text
        finished.append(url)

    threads = [threading.Thread(target=fetch, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert finished[-1] == urls[0] and finished != urls  # the first page arrived last
    rows = [line for url in urls for line in texts[url].splitlines()[1:]]
    assert rows == _walk(client, job_id, 1000)


def test_one_page_can_be_failed_once_by_a_fault(client: Client) -> None:
    job_id = _complete(client)
    second = _page_urls(client, job_id, 1000)[1]
    assert f"locator={_locator(1000)}" in second
    rule: dict[str, Any] = {"kind": "status", "status": 500, "path": "/results$"}
    client.post("/__emulator/faults", json={**rule, "query": f"locator={_locator(1000)}&"})
    assert client.get(second).status_code == 500
    retried = client.get(second)
    assert (retried.status_code, retried.headers["Sforce-NumberOfRecords"]) == (200, "1000")


@pytest.mark.parametrize("key", ["nextRecordsUrl", "nextRecordUrl"])
def test_result_pages_next_key_follows_the_option(emu: Emulator, client: Client, key: str) -> None:
    emu.org.options.set("bulk.result_pages_next_key", key)
    job_id = _complete(client)
    body = client.get(f"{JOBS}/{job_id}/resultPages", params={"maxRecords": 100}).json()
    assert list(body) == ["resultPages", key, "done"]
