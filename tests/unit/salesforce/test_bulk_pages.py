"""Result pages: streamed spooling, gzip kept as served, resultPages listing and fallback."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sf_replay import Canned, ReplayAdapter, json_response, make_client, token_response

from lht.errors import SalesforceError, SalesforceRequestError, SalesforceUnavailable
from lht.salesforce import bulk_pages
from lht.salesforce.bulk import count_csv_records
from lht.salesforce.bulk_pages import RecordCounter

JOB = "750R0000000zlh9IAA"
BASE = "/services/data/v62.0"
JOB_PATH = f"{BASE}/jobs/query/{JOB}"
HEADER = b'"Id","Name"\n'


def rows(first: int, count: int) -> bytes:
    return b"".join(
        b'"001%05d","name %d, ""q""\nline"\n' % (i, i) for i in range(first, first + count)
    )


def page_body(first: int, count: int) -> bytes:
    return HEADER + rows(first, count)


def results_page(body: bytes, records: int, locator: str = "null", gz: bool = True) -> Canned:
    headers = {"Content-Type": "text/csv", "Sforce-Locator": locator,
               "Sforce-NumberOfRecords": str(records)}  # fmt: skip
    return Canned(200, body, headers, gzip_body=gz)


def job_completed(adapter: ReplayAdapter) -> Any:
    info = {"id": JOB, "object": "Account"}
    adapter.queue[:0] = [token_response(), json_response({**info, "state": "UploadComplete"}),
                         json_response({**info, "state": "JobComplete"})]  # fmt: skip
    return make_client(adapter).bulk_query("SELECT Id, Name FROM Account", max_records=3)


class Router:
    """Answers by URL (parallel downloads arrive in any order); records every URL asked."""

    def __init__(self, routes: dict[str, Callable[[], Canned]]) -> None:
        self.routes = routes
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: requests.PreparedRequest) -> Canned:
        path = (request.path_url or "").replace("%3D", "=")
        with self.lock:
            self.asked.append(path)
        return self.routes[path]()


def listing(urls: list[str], next_url: str | None) -> Canned:
    return json_response({"resultPages": [{"resultUrl": u} for u in urls],
                          "nextRecordsUrl": next_url, "done": next_url is None})  # fmt: skip


def seven_pages(delay_first: float = 0.0) -> tuple[Router, dict[int, bytes]]:
    """A job of 7 pages of 3 rows (listed 5 + 2); page 1 optionally slow."""
    bodies = {n: page_body(3 * (n - 1), 3) for n in range(1, 8)}
    url = {n: f"{JOB_PATH}/results?locator=L{n}&maxRecords=3" for n in range(1, 8)}

    def page(n: int) -> Callable[[], Canned]:
        def answer() -> Canned:
            if n == 1:
                time.sleep(delay_first)
            return results_page(bodies[n], 3, locator=f"L{n + 1}" if n < 7 else "null")

        return answer

    routes: dict[str, Callable[[], Canned]] = {url[n]: page(n) for n in url}
    routes[f"{JOB_PATH}/resultPages?maxRecords=3"] = lambda: listing(
        [url[n] for n in range(1, 6)], f"{JOB_PATH}/resultPages?locator=L6&maxRecords=3"
    )
    routes[f"{JOB_PATH}/resultPages?locator=L6&maxRecords=3"] = lambda: listing(
        [url[6], url[7]], None
    )
    return Router(routes), bodies


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1 << 20])
def test_record_counter_any_chunking_matches_whole_count(size: int) -> None:
    body = page_body(0, 50) + b'"001X","tail with ""quotes"""\n'
    for data in (body, body[:-1], body[:-9], HEADER, b""):
        counter = RecordCounter()
        for start in range(0, len(data), size):
            counter.feed(data[start : start + size])
        assert (counter.records, counter.clean) == count_csv_records(data)


def test_download_keeps_gzip_body_as_served_and_reads_header_only() -> None:
    body = page_body(0, 3)
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue.append(results_page(body, 3))
    (page,) = list(job.download())
    assert page.gzipped and not page.counted and page.records == 3
    assert page.header == ["Id", "Name"]
    served = page.body.read()
    assert served[:2] == b"\x1f\x8b" and gzip.decompress(served) == body
    assert page.size == len(served)


def test_download_plain_body_is_counted_and_a_wrong_count_refetched() -> None:
    body = page_body(0, 3)
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue += [results_page(body, 4, gz=False), results_page(body, 3, gz=False)]
    (page,) = list(job.download())
    assert page.counted and not page.gzipped and page.read_csv() == body


def test_download_corrupt_gzip_is_refetched_then_fails_naming_the_page() -> None:
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    bad = Canned(200, b"\x1f\x8bnot gzip at all", {"Content-Encoding": "gzip",
                 "Sforce-NumberOfRecords": "3", "Sforce-Locator": "null"})  # fmt: skip
    adapter.queue += [bad] * 4
    with pytest.raises(SalesforceUnavailable, match=f"{JOB}.*page 1: gzip body is corrupt"):
        list(job.download())


def test_download_spools_large_pages_to_a_temp_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_pages, "SPOOL_MEMORY", 1024)
    body = page_body(0, 500)
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue.append(results_page(body, 500, gz=False))
    (page,) = list(job.download())
    assert page.body._rolled  # type: ignore[attr-defined]  # on disk, not in memory
    assert page.read_csv() == body


def test_parallel_download_lists_result_pages_and_returns_every_row_once() -> None:
    router, bodies = seven_pages(delay_first=0.3)
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue += [router] * 9
    pages = list(job.download(streams=3))
    assert sorted(p.number for p in pages) == list(range(1, 8))
    assert pages[0].number != 1  # the slow first page finished after others
    assert {p.number: gzip.decompress(p.body.read()) for p in pages} == bodies
    assert sum(1 for a in router.asked if "/resultPages" in a) == 2


def test_parallel_download_page_failing_once_is_retried() -> None:
    router, bodies = seven_pages()
    fails = {"left": 1}
    original = router.routes[f"{JOB_PATH}/results?locator=L4&maxRecords=3"]

    def flaky() -> Canned:
        if fails["left"]:
            fails["left"] -= 1
            return Canned(500, b"[]", {})
        return original()

    router.routes[f"{JOB_PATH}/results?locator=L4&maxRecords=3"] = flaky
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue += [router] * 10
    pages = list(job.download(streams=5))
    assert {p.number: p.read_csv() for p in pages} == bodies


def test_parallel_download_without_result_pages_walks_locators() -> None:
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    missing = Canned(404, b'[{"errorCode":"NOT_FOUND","message":"The requested resource does '
                     b'not exist"}]', {"Content-Type": "application/json"})  # fmt: skip
    adapter.queue += [missing, results_page(page_body(0, 3), 3, locator="L2"),
                      results_page(page_body(3, 1), 1)]  # fmt: skip
    pages = list(job.download(streams=5))
    assert [p.number for p in pages] == [1, 2]
    assert adapter.paths[-3:] == [f"GET {JOB_PATH}/resultPages", f"GET {JOB_PATH}/results",
                                  f"GET {JOB_PATH}/results"]  # fmt: skip


def test_parallel_download_other_listing_errors_are_not_swallowed() -> None:
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue.append(Canned(400, b'[{"errorCode":"INVALIDJOBSTATE","message":"no"}]', {}))
    with pytest.raises(SalesforceRequestError, match="INVALIDJOBSTATE"):
        list(job.download(streams=2))


@pytest.mark.parametrize(
    "url", ["https://evil.example.com/services/data/v62.0/x", "/other/path", "ftp://acme/x"]
)
def test_parallel_download_refuses_urls_off_the_instance(url: str) -> None:
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue.append(listing([url], None))
    with pytest.raises(SalesforceError, match="resultPages listed"):
        list(job.download(streams=2))
    assert all("evil" not in (r.url or "") for r in adapter.requests)


def test_parallel_download_stopped_early_closes_unconsumed_pages() -> None:
    router, _ = seven_pages()
    adapter = ReplayAdapter()
    job = job_completed(adapter)
    adapter.queue += [router] * 9
    downloads = job.download(streams=5)
    first = next(downloads)
    downloads.close()
    first.close()
    time.sleep(0.2)  # the pool's running downloads finish and drop their spools
    assert json.dumps(sorted(router.asked)).count("results?") <= 5
