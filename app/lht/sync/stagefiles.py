"""Downloaded result pages → stage-ready gzip files (README "Sync methods").

* **One file per page** (``stage_file_mb = 0``, the default): a gzip page is staged exactly
  as Salesforce sent it — nothing inflated beyond its header line, nothing compressed again;
  a plain page is compressed once. COPY skips each file's header line (``SKIP_HEADER = 1``)
  and reports the rows it loaded per file, which must equal the page's
  ``Sforce-NumberOfRecords`` (checked by the extractor).
* **Joined files** (``stage_file_mb > 0``): pages are inflated, counted and compressed again
  into files of about ``stage_file_mb`` compressed bytes with one header line each (the
  header lines of later pages are dropped): fewer, bigger PUTs for small pages, at the cost
  of one inflate and one deflate per byte.

Either way every page's header line is checked against the planned columns first (COPY maps
by position, so a reordered or extra column would load values into the wrong column).
"""

from __future__ import annotations

import io
import logging
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from lht.errors import SalesforceError
from lht.salesforce.bulk_pages import RecordCounter
from lht.sync.pages import check_header_names, gzip_bytes

__all__ = ["StagedFile", "part_name", "stage_files", "staged_bytes"]

log = logging.getLogger(__name__)

_READ = 1 << 20
_SPOOL_MEMORY = 4 << 20
_LEVEL = 1  # staging is throughput-bound; the files live for one run


def part_name(number: int) -> str:
    return f"part-{number:05d}.csv.gz"


@dataclass
class StagedFile:
    """A gzip CSV file ready for PUT (body at position 0) and the records it holds."""

    name: str
    body: IO[bytes] = field(repr=False)
    size: int
    records: int
    pages: tuple[int, ...] = ()

    def close(self) -> None:
        self.body.close()


def staged_bytes(name: str, raw: bytes, records: int) -> StagedFile:
    """A file from CSV bytes in memory (REST chunks), compressed once."""
    gz = gzip_bytes(raw)
    return StagedFile(name, io.BytesIO(gz), len(gz), records)


def stage_files(
    pages: Iterable[Any], columns: Sequence[str], describe: str, file_bytes: int = 0
) -> Iterator[StagedFile]:
    """Stage-ready files for ``pages`` (:class:`~lht.salesforce.bulk_pages.ResultPage`),
    one per page (``file_bytes = 0``) or joined into files of about ``file_bytes``."""
    number = 0
    joined = _Joined(describe) if file_bytes > 0 else None
    for page in pages:
        try:
            check_header_names(page.header, columns, f"{describe} page {page.number}")
            if page.records == 0:
                continue
            if joined is None:
                number += 1
                yield _single(part_name(number), page)
                continue
            joined.add(page)
        finally:
            page.close()
        if joined.size >= file_bytes:
            number += 1
            yield joined.finish(part_name(number))
            joined = _Joined(describe)
    if joined is not None and joined.records:
        yield joined.finish(part_name(number + 1))


def _single(name: str, page: Any) -> StagedFile:
    if page.gzipped:  # as sent: the spool is handed over, not copied
        body, page.body = page.body, io.BytesIO()
        return StagedFile(name, body, page.size, page.records, (page.number,))
    out = _GzipSpool()
    while chunk := page.body.read(_READ):
        out.write(chunk)
    return out.finish(name, page.records, (page.number,))


class _GzipSpool:
    """A gzip stream being written into a spool (memory, then a temp file)."""

    def __init__(self) -> None:
        self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115
        self._deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, 31)
        self.size = 0

    def write(self, data: bytes) -> None:
        out = self._deflate.compress(data)
        self.spool.write(out)
        self.size += len(out)

    def finish(self, name: str, records: int, pages: tuple[int, ...]) -> StagedFile:
        tail = self._deflate.flush()
        self.spool.write(tail)
        self.spool.seek(0)
        return StagedFile(name, self.spool, self.size + len(tail), records, pages)


class _Joined:
    """Pages appended to one gzip file: the first header line kept, later ones dropped, each
    page's rows counted against its ``Sforce-NumberOfRecords``."""

    def __init__(self, describe: str) -> None:
        self.out = _GzipSpool()
        self.describe = describe
        self.records = 0
        self.pages: list[int] = []

    @property
    def size(self) -> int:
        return self.out.size

    def add(self, page: Any) -> None:
        inflate = zlib.decompressobj(31) if page.gzipped else None
        counter = RecordCounter()
        head: bytearray | None = bytearray()
        keep_header = not self.pages
        while chunk := page.body.read(_READ):
            data = inflate.decompress(chunk) if inflate is not None else chunk
            counter.feed(data)
            if head is not None:
                head += data
                end = head.find(b"\n")
                if end < 0:
                    continue
                data, head = bytes(head if keep_header else head[end + 1 :]), None
            self.out.write(data)
        if inflate is not None:
            rest = inflate.flush()
            counter.feed(rest)
            self.out.write(rest)
        where = f"{self.describe} page {page.number}"
        if not counter.clean or counter.records != page.records:
            raise SalesforceError(
                f"{where}: CSV has {counter.records} row(s) (clean end: {counter.clean}) but "
                f"Sforce-NumberOfRecords says {page.records}"
            )
        self.records += page.records
        self.pages.append(page.number)

    def finish(self, name: str) -> StagedFile:
        staged = self.out.finish(name, self.records, tuple(self.pages))
        log.debug("%s: %s joins pages %s", self.describe, name, staged.pages)
        return staged
