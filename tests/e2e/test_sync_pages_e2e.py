"""Result pages end to end: parallel downloads (resultPages), gzip staged as served, joined
stage files — each loads exactly the rows of the one-stream locator walk, and a page whose
header or record count is wrong fails the run with the table and watermark unchanged."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse

from emulator import FaultRule
from lht.salesforce.auth import Credentials
from lht.salesforce.client import PollPolicy, RetryPolicy, SalesforceClient

PAGED = {"bulk_api_threshold": 1, "stage_threshold": 2, "max_records": 13}  # 120 rows: 10 pages


def result_requests(emu: Any) -> list[str]:
    return [e.path for e in emu.org.request_log.entries() if "/jobs/query/" in e.path]


def assert_same_rows_as_locator_walk(h: Any, table: str, **options: Any) -> dict[str, Any]:
    walk = h.sync("Account", "walked", download_streams=1, **PAGED)
    assert walk["success"], walk["error"]
    result = h.sync("Account", table, **{**PAGED, **options})
    assert result["success"], result["error"]
    assert h.rows(table) == h.rows("walked")
    assert h.differences("Account", table) == []
    return result


def test_e2e_parallel_result_pages_load_exactly_the_locator_walk_rows(emu, h):
    result = assert_same_rows_as_locator_walk(h, "parallel", download_streams=5)
    assert result["files_staged"] == 10
    paths = result_requests(emu)
    assert sum(p.lower().endswith("/resultpages") for p in paths) == 2  # 10 URLs, 5 per listing


def test_e2e_parallel_pages_out_of_order_still_load_every_row(emu, h):
    emu.org.faults.add(FaultRule(kind="slow", path=r"/results$", delay=0.6, nth=11, count=1))
    assert_same_rows_as_locator_walk(h, "late_first", download_streams=5)
    assert emu.org.faults.list()[0]["fired"] == 1  # the parallel run's first page came last


def test_e2e_parallel_page_failing_once_is_fetched_again(emu, h):
    emu.org.faults.add(FaultRule(kind="status", path=r"/results$", status=500, nth=14, count=1))
    assert_same_rows_as_locator_walk(h, "retried", download_streams=5)
    assert emu.org.faults.list()[0]["fired"] == 1


def test_e2e_older_api_version_walks_locators(emu, h):
    creds = Credentials(emu.base_url, emu.client_id, emu.client_secret)
    h.client = SalesforceClient(creds, api_version="v57.0", sleeper=lambda _s: None,
                                poll=PollPolicy(min_interval=0.0, max_interval=0.0))  # fmt: skip
    assert_same_rows_as_locator_walk(h, "old_api", download_streams=5)
    assert not any(p.lower().endswith("/resultpages") for p in result_requests(emu))


def test_e2e_joined_stage_files_load_every_row_in_fewer_files(h):
    result = assert_same_rows_as_locator_walk(h, "joined", download_streams=3, stage_file_mb=1)
    assert result["files_staged"] == 1


class Tamper(HTTPAdapter):
    """Rewrites the ``nth`` results response (headers or the gzip body) on its way in."""

    def __init__(self, nth: int, change: Callable[[dict[str, str], bytes], bytes]) -> None:
        super().__init__()
        self.nth, self.change, self.seen = nth, change, 0

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        if "/results" not in (req.url or ""):
            return super().build_response(req, resp)
        self.seen += 1
        if self.seen != self.nth:
            return super().build_response(req, resp)
        body = resp.read(decode_content=False)
        headers = dict(resp.headers)
        body = self.change(headers, body)
        headers["Content-Length"] = str(len(body))
        headers.pop("Transfer-Encoding", None)
        fresh = HTTPResponse(body=io.BytesIO(body), headers=headers, status=resp.status,
                             preload_content=False, decode_content=True)  # fmt: skip
        return super().build_response(req, fresh)


def snapshot(h: Any) -> tuple[Any, list[Any]]:
    return h.rows("accounts"), [(r["WATERMARK"], r["LAST_RUN_ID"]) for r in h.state("accounts")]


def tampered_client(emu: Any, adapter: Tamper) -> SalesforceClient:
    session = requests.Session()
    session.mount("http://", adapter)
    creds = Credentials(emu.base_url, emu.client_id, emu.client_secret)
    return SalesforceClient(creds, session=session, sleeper=lambda _s: None,
                            retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0),
                            poll=PollPolicy(min_interval=0.0, max_interval=0.0))  # fmt: skip


def one_more_record(headers: dict[str, str], body: bytes) -> bytes:
    headers["Sforce-NumberOfRecords"] = str(int(headers["Sforce-NumberOfRecords"]) + 1)
    return body


def renamed_column(headers: dict[str, str], body: bytes) -> bytes:
    assert headers.get("Content-Encoding") == "gzip"  # the path under test: gzip as served
    header, rest = gzip.decompress(body).split(b"\n", 1)
    return gzip.compress(header.replace(b'"Name"', b'"Nickname"') + b"\n" + rest)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (one_more_record, "COPY loaded 13 rows from .* but Salesforce reported 14 records"),
        (renamed_column, "page 3: result columns .* do not match the planned columns"),
    ],
    ids=["count", "header"],
)
def test_e2e_staged_gzip_page_with_wrong_count_or_header_fails_unchanged(emu, h, change, error):
    assert h.sync("Account", "accounts")["success"]
    before = snapshot(h)
    h.client = tampered_client(emu, Tamper(3, change))
    result = h.sync("Account", "accounts", download_streams=1, force_full_sync=True, **PAGED)
    assert result["success"] is False
    assert re.search(error, result["error"]), result["error"]
    assert snapshot(h) == before
    assert h.runs("accounts")[-1]["STATUS"] == "FAILED"
