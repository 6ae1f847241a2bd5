"""Bulk 2.0 query results: where the pages are, and downloading them streamed.

Page URLs come from the ``Sforce-Locator`` walk (each locator arrives with the previous page,
so one page after the other) or, for parallel downloads, from ``GET .../resultPages`` (API
v58.0+, spec §3.5: up to five result URLs per answer, the next listing in
``nextRecordsUrl``); a listing answering 404 falls back to the locator walk.

A page is read in 1 MiB chunks exactly as served into a spool (memory up to
:data:`SPOOL_MEMORY` bytes, then a temp file): never held whole, never parsed into rows. A
gzip body (we ask for ``Accept-Encoding: gzip``) stays gzip, so it can be staged as sent;
only its first line is inflated, for the header. The row count is ``Sforce-NumberOfRecords``
(required); a plain body, or a gzip body when ``count`` is asked for, is also counted while
it streams and must end on a record boundary. A page that fails these checks, or whose
download breaks off, is fetched again (the transport's retry budget), then raises
``SalesforceUnavailable``.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

import requests
import urllib3

from lht.errors import SalesforceError, SalesforceRequestError, SalesforceUnavailable
from lht.salesforce.transport import Transport

__all__ = ["SPOOL_MEMORY", "RecordCounter", "ResultPage", "ResultPages", "parse_header_line"]

log = logging.getLogger(__name__)

SPOOL_MEMORY = 4 << 20  # bytes of a page kept in memory before its spool moves to a temp file
RESULT_PAGES_MIN_VERSION = 58.0
_CHUNK = 1 << 20
_HEADER_LIMIT = 1 << 20  # a header line longer than this (decompressed) is not a Bulk header
_READ_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


def parse_header_line(line: bytes) -> list[str]:
    """Column names of a CSV header line (names never contain newlines)."""
    text = line.rstrip(b"\r").decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), []) if text else []


class RecordCounter:
    """Counts CSV records in RFC-4180 bytes fed in any chunks: a record ends at a newline
    outside quotes; ``clean`` means the bytes so far end exactly at a record boundary."""

    def __init__(self) -> None:
        self.lines = 0
        self._quotes = 0
        self._pending = False  # bytes after the last record-ending newline

    def feed(self, data: bytes) -> None:
        start, end = 0, data.find(b"\n")
        while end != -1:  # scan in place: no per-line copies
            self._quotes += data.count(b'"', start, end)
            if self._quotes % 2 == 0:
                self.lines += 1
            start, end = end + 1, data.find(b"\n", end + 1)
        self._quotes += data.count(b'"', start)
        if start:
            self._pending = start < len(data)
        elif data:
            self._pending = True

    @property
    def clean(self) -> bool:
        return not self._pending and self._quotes % 2 == 0

    @property
    def records(self) -> int:
        """Data rows (the first line is the header)."""
        return max(self.lines - 1, 0)


@dataclass
class ResultPage:
    """One downloaded page: the body exactly as served, spooled, at position 0.

    ``records`` is ``Sforce-NumberOfRecords`` (and equals the rows counted in the body when
    ``counted``). Close it (or :meth:`read_csv` it) when done: the spool may be a temp file.
    """

    number: int
    records: int
    header: list[str] = field(repr=False)
    gzipped: bool
    body: IO[bytes] = field(repr=False)
    size: int
    next_locator: str | None
    counted: bool

    def read_csv(self) -> bytes:
        """The CSV bytes (inflated if need be); closes the spool."""
        try:
            data = self.body.read()
        finally:
            self.body.close()
        return zlib.decompress(data, 31) if self.gzipped else data

    def close(self) -> None:
        self.body.close()


class _BadPage(Exception):
    """Internal: a downloaded page failed validation; the page is fetched again."""


class _BodyCheck:
    """Inspects a body as it streams: the header line, and the records when asked."""

    def __init__(self, gzipped: bool, count: bool) -> None:
        self._inflate = zlib.decompressobj(31) if gzipped else None
        self.counter = RecordCounter() if count or not gzipped else None
        self._head = bytearray()
        self.header_line: bytes | None = None

    def feed(self, chunk: bytes) -> None:
        if self._inflate is None:
            data = chunk
        elif self.counter is None and self.header_line is not None:
            return  # passthrough: the header is known, nothing else is inflated
        else:
            data = self._inflated(chunk)
        if self.header_line is None:
            self._find_header(data)
        if self.counter is not None:
            self.counter.feed(data)

    def _inflated(self, chunk: bytes) -> bytes:
        assert self._inflate is not None
        try:
            if self.counter is None:  # header only: inflate a little at a time
                return self._inflate.decompress(self._inflate.unconsumed_tail + chunk, 1 << 16)
            return self._inflate.decompress(chunk)
        except zlib.error:
            raise _BadPage("gzip body is corrupt") from None

    def _find_header(self, data: bytes) -> None:
        self._head += data
        end = self._head.find(b"\n")
        if end >= 0:
            self.header_line = bytes(self._head[:end])
            self._head.clear()
        elif len(self._head) > _HEADER_LIMIT:
            raise _BadPage("no header line in the first 1 MiB")

    def finish(self) -> None:
        if self._inflate is not None and self.counter is not None:
            try:
                self.counter.feed(self._inflate.flush())
            except zlib.error:
                raise _BadPage("gzip body is corrupt") from None
            if not self._inflate.eof:
                raise _BadPage("gzip body is truncated")
        if self.header_line is None and self._head:
            self.header_line = bytes(self._head)  # a header without a newline (empty page)


class ResultPages:
    """Downloads the result pages of one completed query job (``job_url``)."""

    def __init__(
        self, transport: Transport, job_url: str, describe: str, api_version: float
    ) -> None:
        self._transport = transport
        self._url = job_url
        self.describe = describe
        self._version = api_version

    def pages(
        self, max_records: int | None, streams: int = 1, count: bool = False
    ) -> Iterator[ResultPage]:
        """Pages as they finish: in order for one stream (the locator walk), in completion
        order for more (``resultPages``; the locator walk if that listing is missing)."""
        if streams > 1 and self._version >= RESULT_PAGES_MIN_VERSION:
            urls = self._listed_urls(max_records)
            first = self._first_listed(urls)
            if first is not None:
                yield from self._parallel(first, urls, streams, count)
                return
        yield from self._walk(max_records, count)

    # -- the locator walk -------------------------------------------------------------------
    def _walk(self, max_records: int | None, count: bool) -> Iterator[ResultPage]:
        locator: str | None = None
        number = 0
        while True:
            number += 1
            params: dict[str, Any] = {"locator": locator} if locator else {}
            if max_records:
                params["maxRecords"] = max_records
            page = self.fetch(number, f"{self._url}/results", params, count)
            yield page
            if page.next_locator is None:
                return
            locator = page.next_locator

    # -- resultPages --------------------------------------------------------------------------
    def _listed_urls(self, max_records: int | None) -> Iterator[str]:
        url: str | None = f"{self._url}/resultPages"
        params = {"maxRecords": max_records} if max_records else None
        while url:
            body = self._transport.send(
                "GET", url, params=params, context=f"{self.describe} resultPages"
            ).json()
            for entry in body.get("resultPages") or ():
                yield self._own_url(str(entry.get("resultUrl") or ""))
            nxt = body.get("nextRecordsUrl") or body.get("nextRecordUrl")
            url = None if body.get("done", True) or not nxt else self._own_url(str(nxt))
            params = None  # the next listing URL carries its own parameters

    def _first_listed(self, urls: Iterator[str]) -> str | None:
        """The first listed URL; None when the listing is not there (404: older API
        versions or orgs without it), so the caller walks locators instead."""
        try:
            return next(urls, None)
        except SalesforceRequestError as exc:
            if exc.status != 404:
                raise
            log.info("%s: no resultPages (HTTP 404); walking locators", self.describe)
            return None

    def _own_url(self, url: str) -> str:
        """A listed URL, accepted only as a path on this instance (it gets our token)."""
        parts = urlsplit(url)
        instance = urlsplit(self._transport.instance_url)
        foreign = parts.scheme or parts.netloc
        if foreign and (parts.scheme, parts.netloc) != (instance.scheme, instance.netloc):
            raise SalesforceError(f"{self.describe}: resultPages listed a foreign URL")
        if not parts.path.startswith("/services/data/"):
            raise SalesforceError(f"{self.describe}: resultPages listed an unexpected URL")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _parallel(
        self, first: str, urls: Iterator[str], streams: int, count: bool
    ) -> Iterator[ResultPage]:
        """Up to ``streams`` downloads at once; more start only as pages are taken."""
        listed = iter([first])
        numbers = iter(range(1, 1 << 62))
        pool = ThreadPoolExecutor(max_workers=streams, thread_name_prefix="lht-bulk-page")
        running: set[Future[ResultPage]] = set()
        finished: list[Future[ResultPage]] = []
        try:
            while True:
                while len(running) < streams and (url := next(listed, None) or next(urls, None)):
                    running.add(pool.submit(self.fetch, next(numbers), url, None, count))
                if not running:
                    return
                done, running = wait(running, return_when=FIRST_COMPLETED)
                finished = sorted(done, key=_page_number)
                while finished:
                    yield finished.pop(0).result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            for future in [*finished, *running]:  # pages nobody will take: drop their spools
                future.add_done_callback(_close_result)

    # -- one page ---------------------------------------------------------------------------
    def fetch(
        self, number: int, url: str, params: dict[str, Any] | None, count: bool
    ) -> ResultPage:
        """Download one page, again on a bad or broken body (the transport's retry budget)."""
        where = f"{self.describe} results page {number}"
        attempts = self._transport.retry_policy.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return self._download(number, url, params, count, where)
            except _BadPage as bad:
                problem = str(bad)
            if attempt < attempts:
                self._transport.pause(attempt, f"{where}: {problem}")
        raise SalesforceUnavailable(f"{where}: {problem} (after {attempts} attempts)")

    def _download(
        self, number: int, url: str, params: dict[str, Any] | None, count: bool, where: str
    ) -> ResultPage:
        started = time.monotonic()
        response = self._transport.send(
            "GET", url, params=params, stream=True, context=where,
            headers={"Accept": "text/csv", "Accept-Encoding": "gzip"},
        )  # fmt: skip
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 - returned
        try:
            declared, gzipped = _declared(response)
            check, size = _BodyCheck(gzipped, count), 0
            for chunk in response.raw.stream(_CHUNK, decode_content=False):
                spool.write(chunk)
                check.feed(chunk)
                size += len(chunk)
            check.finish()
            _verify(check, declared)
        except _READ_ERRORS as exc:
            spool.close()
            raise _BadPage(f"download interrupted ({type(exc).__name__})") from None
        except BaseException:
            spool.close()
            raise
        finally:
            response.close()
        spool.seek(0)
        # "<job> page <n>: <records> record(s), <bytes> bytes" feeds the CLI's progress bars
        log.info("%s page %d: %d record(s), %d bytes", self.describe, number, declared, size)
        log.debug("%s: %s in %.2fs", where, "gzip" if gzipped else "plain",
                  time.monotonic() - started)  # fmt: skip
        locator = response.headers.get("Sforce-Locator")
        return ResultPage(number, declared, parse_header_line(check.header_line or b""),
                          gzipped, spool, size, None if locator in (None, "", "null") else locator,
                          check.counter is not None)  # fmt: skip


def _declared(response: requests.Response) -> tuple[int, bool]:
    """(Sforce-NumberOfRecords, body is gzip) of a results response."""
    declared = response.headers.get("Sforce-NumberOfRecords")
    if declared is None or not declared.strip().isdigit():
        raise _BadPage("response has no valid Sforce-NumberOfRecords header")
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise _BadPage(f"unexpected Content-Encoding {encoding!r}")
    return int(declared), encoding == "gzip"


def _verify(check: _BodyCheck, declared: int) -> None:
    counter = check.counter
    if counter is None:
        return
    if not counter.clean:
        raise _BadPage("CSV body is truncated (does not end on a record boundary)")
    if counter.records != declared:
        raise _BadPage(
            f"CSV has {counter.records} row(s) but Sforce-NumberOfRecords says {declared}"
        )


def _page_number(future: Future[ResultPage]) -> int:
    return future.result().number if future.exception() is None else 0


def _close_result(future: Future[ResultPage]) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()
