"""Query-job result files: rendered once on completion, then served as byte ranges from disk.

A completed query job owns two files under the org's work dir: ``<job>.csv`` holds every data row
(no header) exactly as served, and ``<job>.idx`` holds the byte offset where each row starts
(little-endian uint64, one per row plus the end offset). Any ``locator``/``maxRecords`` page is then
the header line plus one contiguous byte range, streamed in large chunks: the cost of a download is
disk and socket speed, not Python per row, and memory stays flat however many rows the job has.
Locators are base64 of the next row number (``MTAwMDA`` = "10000"), without padding.
"""

from __future__ import annotations

import base64
import binascii
import logging
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

_CHUNK_ROWS = 8192
_READ_SIZE = 1 << 20


@dataclass(frozen=True)
class ResultFile:
    """Rendered rows of one query job on disk plus the header line every page repeats."""

    data_path: Path
    index_path: Path
    header: bytes
    records: int
    size: int

    def offset(self, row: int) -> int:
        """Byte offset where data row ``row`` starts (``records`` gives the end of the file)."""
        if row >= self.records:
            return self.size
        with self.index_path.open("rb") as index:
            index.seek(row * 8)
            return int.from_bytes(index.read(8), "little")

    def remove(self) -> None:
        for path in (self.data_path, self.index_path):
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Page:
    """One results page: rows [start, end) of the file, the bytes to send and the next locator."""

    start: int
    end: int
    byte_start: int
    byte_end: int
    next_locator: str | None

    @property
    def records(self) -> int:
        return self.end - self.start


def write_result_file(directory: Path, name: str, header: str, lines: Iterable[str]) -> ResultFile:
    """Write rendered lines (each ending with its line ending) and their row-offset index."""
    directory.mkdir(parents=True, exist_ok=True)
    data_path = directory / f"{name}.csv"
    index_path = directory / f"{name}.idx"
    offsets = array("Q")
    position = 0
    records = 0
    with data_path.open("wb") as data, index_path.open("wb") as index:
        chunk: list[str] = []
        for line in lines:
            offsets.append(position)
            position += len(line) if line.isascii() else len(line.encode("utf-8"))
            chunk.append(line)
            if len(chunk) >= _CHUNK_ROWS:
                records += _flush(data, index, chunk, offsets)
        records += _flush(data, index, chunk, offsets)
    return ResultFile(data_path, index_path, header.encode("utf-8"), records, position)


def _flush(data: BinaryIO, index: BinaryIO, chunk: list[str], offsets: array[int]) -> int:
    count = len(chunk)
    if count:
        data.write("".join(chunk).encode("utf-8"))
        if sys.byteorder != "little":
            offsets.byteswap()
        index.write(offsets.tobytes())
        chunk.clear()
        del offsets[:]
    return count


def encode_locator(row: int) -> str:
    return base64.b64encode(str(row).encode("ascii")).decode("ascii").rstrip("=")


def decode_locator(locator: str) -> int | None:
    """Row number of a locator this module produced, else None."""
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def plan_page(result: ResultFile, start: int, max_records: int) -> Page:
    """The page beginning at row ``start`` holding at most ``max_records`` rows."""
    start = min(start, result.records)
    end = min(result.records, start + max_records)
    next_locator = encode_locator(end) if end < result.records else None
    return Page(start, end, result.offset(start), result.offset(end), next_locator)


def read_range(path: Path, start: int, end: int, read_size: int = _READ_SIZE) -> Iterator[bytes]:
    """Stream bytes [start, end) of a file in large reads."""
    with path.open("rb") as source:
        source.seek(start)
        remaining = end - start
        while remaining > 0:
            block = source.read(min(read_size, remaining))
            if not block:
                log.warning("result file %s ended %d bytes early", path.name, remaining)
                return
            remaining -= len(block)
            yield block


def page_chunks(result: ResultFile, page: Page) -> Iterator[bytes]:
    """Header line, then the page's rows straight from disk."""
    yield result.header
    yield from read_range(result.data_path, page.byte_start, page.byte_end)


def gzip_chunks(chunks: Iterable[bytes], level: int = 6) -> Iterator[bytes]:
    """gzip-compress a stream of chunks (``Content-Encoding: gzip``)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()
