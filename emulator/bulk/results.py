"""Query-job result files: rendered once on completion, then served as byte ranges from disk.

A completed query job owns four files under the org's work dir: ``<job>.csv`` holds every data row
(no header) exactly as served and ``<job>.idx`` the byte offset where each row starts (little-endian
uint64 per row). ``<job>.deflate`` holds the same rows compressed in independent deflate pieces of
``GZ_BLOCK_ROWS`` rows each (``bulk_gzip``), and ``<job>.gzidx`` per piece its offset, the CRC-32
and the raw offset of its rows. Any ``locator``/``maxRecords`` page is then the header line plus
one contiguous byte range; with ``Accept-Encoding: gzip`` it is one gzip stream made of the header
piece, the stored pieces of the whole blocks and at most two small pieces compressed on the fly for
partial blocks at the edges. Downloads cost disk and socket speed, not Python per row or
compression, and memory stays flat however many rows the job has. Locators are base64 of the next
row number (``MTAwMDA`` = "10000"), without padding.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from emulator.bulk.deflate import GzipAssembler, deflate_piece

log = logging.getLogger(__name__)

GZ_BLOCK_ROWS = 1000
GZ_LEVEL = 1
_CHUNK_ROWS = 8 * GZ_BLOCK_ROWS
_READ_SIZE = 1 << 20


def _read_offset(path: Path, slot: int) -> int:
    with path.open("rb") as index:
        index.seek(slot * 8)
        return int.from_bytes(index.read(8), "little")


@dataclass(frozen=True)
class Block:
    """One stored deflate piece: where it is, the CRC-32 and raw span of the rows it holds."""

    piece_start: int
    piece_end: int
    crc: int
    raw_length: int


@dataclass(frozen=True)
class ResultFile:
    """Rendered rows of one query job on disk plus the header line every page repeats."""

    data_path: Path
    index_path: Path
    header: bytes
    records: int
    size: int
    gz_size: int = 0

    @property
    def gz_path(self) -> Path:
        return self.data_path.with_suffix(".deflate")

    @property
    def gz_index_path(self) -> Path:
        return self.data_path.with_suffix(".gzidx")

    @property
    def blocks(self) -> int:
        return -(-self.records // GZ_BLOCK_ROWS)

    def offset(self, row: int) -> int:
        """Byte offset where data row ``row`` starts (``records`` gives the end of the file)."""
        return self.size if row >= self.records else _read_offset(self.index_path, row)

    def block_range(self, first: int, last: int) -> list[Block]:
        """Stored pieces ``first`` .. ``last - 1`` (``last`` may be ``blocks``)."""
        count = min(last, self.blocks - 1) - first + 1
        with self.gz_index_path.open("rb") as index:
            index.seek(first * 24)
            numbers = array("Q", index.read(count * 24))
        if sys.byteorder != "little":
            numbers.byteswap()
        entries = [tuple(numbers[i : i + 3]) for i in range(0, len(numbers), 3)]
        if last >= self.blocks:
            entries.append((self.gz_size, 0, self.size))
        return [
            Block(
                entries[i][0], entries[i + 1][0], entries[i][1], entries[i + 1][2] - entries[i][2]
            )
            for i in range(last - first)
        ]

    def remove(self) -> None:
        for path in (self.data_path, self.index_path, self.gz_path, self.gz_index_path):
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


class _Writer:
    """Appends rendered lines to the data file, the row index and the gzip members."""

    def __init__(self, data: BinaryIO, index: BinaryIO, gz: BinaryIO, gz_index: BinaryIO) -> None:
        self.files = (data, index, gz, gz_index)
        self.position = 0
        self.gz_position = 0
        self.records = 0

    def flush(self, chunk: list[str]) -> None:
        """Write one chunk (a whole number of gzip blocks, except possibly the last chunk)."""
        if not chunk:
            return
        data, index, gz, gz_index = self.files
        text = "".join(chunk)
        blob = text.encode("utf-8")
        lengths = map(len, chunk) if len(blob) == len(text) else (len(s.encode()) for s in chunk)
        bounds = array("Q", itertools.accumulate(lengths, initial=0))  # len(chunk) + 1 offsets
        data.write(blob)
        members = array("Q")
        for first in range(0, len(chunk), GZ_BLOCK_ROWS):
            last = min(first + GZ_BLOCK_ROWS, len(chunk))
            raw = blob[bounds[first] : bounds[last]]
            piece = deflate_piece(raw, GZ_LEVEL)
            members.extend((self.gz_position, zlib.crc32(raw), self.position + bounds[first]))
            gz.write(piece)
            self.gz_position += len(piece)
        offsets = array("Q", (self.position + b for b in bounds[:-1]))
        for numbers in (offsets, members):
            if sys.byteorder != "little":
                numbers.byteswap()
        index.write(offsets.tobytes())
        gz_index.write(members.tobytes())
        self.position += bounds[-1]
        self.records += len(chunk)
        chunk.clear()


def write_result_file(directory: Path, name: str, header: str, lines: Iterable[str]) -> ResultFile:
    """Write rendered lines (each ending with its line ending), the row index and gzip members."""
    return write_result_blocks(directory, name, header, ([line] for line in lines))


def write_result_blocks(
    directory: Path, name: str, header: str, blocks: Iterable[list[str]]
) -> ResultFile:
    """`write_result_file` for lines that come in lists (a render's blocks of rows)."""
    directory.mkdir(parents=True, exist_ok=True)
    data_path = directory / f"{name}.csv"
    paths = (data_path, directory / f"{name}.idx", directory / f"{name}.deflate")
    with (
        paths[0].open("wb") as data,
        paths[1].open("wb") as index,
        paths[2].open("wb") as gz,
        (directory / f"{name}.gzidx").open("wb") as gz_index,
    ):
        writer = _Writer(data, index, gz, gz_index)
        chunk: list[str] = []
        for block in blocks:
            chunk.extend(block)
            while len(chunk) >= _CHUNK_ROWS:
                rest = chunk[_CHUNK_ROWS:]
                del chunk[_CHUNK_ROWS:]
                writer.flush(chunk)
                chunk = rest
        writer.flush(chunk)
    return ResultFile(
        data_path,
        paths[1],
        header.encode("utf-8"),
        writer.records,
        writer.position,
        writer.gz_position,
    )


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


def _raw_rows(result: ResultFile, first: int, last: int) -> bytes:
    return b"".join(read_range(result.data_path, result.offset(first), result.offset(last)))


def page_gzip_chunks(result: ResultFile, page: Page) -> Iterator[bytes]:
    """The page as one gzip stream: header, edge pieces compressed now, stored whole blocks."""
    gz = GzipAssembler()
    yield gz.header() + gz.add_raw(result.header)
    first_block = -(-page.start // GZ_BLOCK_ROWS)
    last_block = page.end // GZ_BLOCK_ROWS
    if page.end == result.records:
        last_block = result.blocks  # the file's short last block is whole too
    if first_block >= last_block:
        yield gz.add_raw(_raw_rows(result, page.start, page.end))
        yield gz.trailer()
        return
    if page.start < first_block * GZ_BLOCK_ROWS:
        yield gz.add_raw(_raw_rows(result, page.start, first_block * GZ_BLOCK_ROWS))
    blocks = result.block_range(first_block, last_block)
    for block in blocks:
        gz.add_piece_info(block.crc, block.raw_length)
    yield from read_range(result.gz_path, blocks[0].piece_start, blocks[-1].piece_end)
    if page.end > last_block * GZ_BLOCK_ROWS:
        yield gz.add_raw(_raw_rows(result, last_block * GZ_BLOCK_ROWS, page.end))
    yield gz.trailer()
