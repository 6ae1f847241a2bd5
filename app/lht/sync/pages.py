"""Turn extracted pages into stage-ready files: header checks, REST→CSV rendering, gzip.

Bulk pages are passed through as served (their CSV bytes are never parsed into rows); only
the header line is checked against the planned field list, because COPY maps columns by
position and a reordered or extra column would load values into the wrong column. REST
records are rendered to the same CSV shape, with REST datetimes (``+0000``) normalised to
the Bulk form (``Z``) so one conversion serves both.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lht.errors import SalesforceError

__all__ = [
    "CsvChunk",
    "check_header",
    "check_header_names",
    "gzip_bytes",
    "render_csv",
    "rest_chunks",
]

_REST_DATETIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\+0000$")


@dataclass(frozen=True)
class CsvChunk:
    """CSV bytes (header row included) holding ``records`` data rows."""

    raw: bytes
    records: int


def check_header(raw: bytes, expected: Sequence[str], context: str) -> None:
    """Raise SalesforceError unless the first CSV line names exactly ``expected`` in order."""
    end = raw.find(b"\n")
    first = raw[: end if end >= 0 else len(raw)].rstrip(b"\r").decode("utf-8", errors="replace")
    check_header_names(next(csv.reader([first]), []), expected, context)


def check_header_names(got: Sequence[str], expected: Sequence[str], context: str) -> None:
    """Raise SalesforceError unless ``got`` names exactly ``expected`` in order."""
    if [g.lower() for g in got] != [e.lower() for e in expected]:
        raise SalesforceError(
            f"{context}: result columns {list(got[:8])}{'...' if len(got) > 8 else ''} do not "
            f"match the planned columns {list(expected[:8])}{'...' if len(expected) > 8 else ''}"
        )


def render_value(value: Any) -> str:
    """One REST JSON value as Bulk-CSV text (None → empty → NULL on load)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        match = _REST_DATETIME.match(value)
        return f"{match.group(1)}Z" if match else value
    if isinstance(value, int | float):
        return repr(value)
    raise SalesforceError(f"unexpected structured value of type {type(value).__name__} in a record")


class _CsvBuffer:
    """CSV text being built row by row (records are rendered as they stream past)."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = fields
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.writer.writerow(fields)
        self.records = 0

    def add(self, record: Mapping[str, Any]) -> None:
        self.writer.writerow([render_value(record.get(name)) for name in self.fields])
        self.records += 1

    def chunk(self) -> CsvChunk:
        return CsvChunk(self.buffer.getvalue().encode("utf-8"), self.records)


def render_csv(records: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> CsvChunk:
    """Render flat REST records to CSV with a header of ``fields`` (missing keys → NULL)."""
    out = _CsvBuffer(fields)
    for record in records:
        out.add(record)
    return out.chunk()


def rest_chunks(
    records: Iterable[Mapping[str, Any]], fields: Sequence[str], chunk_rows: int
) -> Iterator[CsvChunk]:
    """Render streamed REST records into CSV chunks of at most ``chunk_rows`` rows; records
    are turned into CSV text as they arrive, never collected."""
    out = _CsvBuffer(fields)
    for record in records:
        out.add(record)
        if out.records >= chunk_rows:
            yield out.chunk()
            out = _CsvBuffer(fields)
    if out.records:
        yield out.chunk()


def gzip_bytes(raw: bytes) -> bytes:
    """gzip at level 1: staging is throughput-bound, the files live for one run."""
    return gzip.compress(raw, compresslevel=1, mtime=0)
