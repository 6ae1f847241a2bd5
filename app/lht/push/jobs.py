"""Split a stream of rendered CSV lines into ingest-job uploads, and pick the push method.

Each chunk carries the header line and at most ``max_bytes`` bytes / ``max_records`` rows
(the first ones fewer: job sizes double from ``first_records``, so Salesforce starts on the
first job while later ones are still rendered); rows stream through, so memory holds one
chunk at a time. The method rule: a push of at most
``collections_threshold`` rows (≤ 200) goes through sObject Collections (one REST call, no job
polling); anything larger goes through Bulk API 2.0 ingest jobs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lht.errors import ConfigError

__all__ = ["CsvChunk", "choose_method", "split_csv"]


@dataclass(frozen=True)
class CsvChunk:
    """One upload: CSV bytes (header included) and the number of data rows in it."""

    data: bytes
    records: int


def split_csv(
    header: bytes,
    lines: Iterable[bytes],
    max_bytes: int,
    max_records: int,
    first_records: int | None = None,
) -> Iterator[CsvChunk]:
    """Yield chunks of ``header`` + lines, each within both limits. Empty input → no chunk.

    With ``first_records`` the record limit grows: the first chunk holds at most that many
    rows, each next one twice as many (never more than ``max_records``), so the first job
    can start processing early while the number of jobs stays logarithmic."""
    if len(header) >= max_bytes:
        raise ConfigError(f"CSV header alone is {len(header)} bytes, over max_job_bytes")
    parts: list[bytes] = [header]
    size, records = len(header), 0
    limit = min(max_records, first_records or max_records)
    for line in lines:
        if len(header) + len(line) > max_bytes:
            raise ConfigError(
                f"one CSV row is {len(line)} bytes; it cannot fit in a job of {max_bytes} bytes"
            )
        if records and (size + len(line) > max_bytes or records >= limit):
            yield CsvChunk(data=b"".join(parts), records=records)
            parts, size, records = [header], len(header), 0
            limit = min(max_records, limit * 2)
        parts.append(line)
        size += len(line)
        records += 1
    if records:
        yield CsvChunk(data=b"".join(parts), records=records)


def choose_method(rows_seen: int, collections_threshold: int) -> str:
    """``"collections"`` when the whole push has ≤ threshold rows, else ``"bulk"``.

    ``rows_seen`` is the number of rows read ahead (the caller reads threshold + 1 rows at
    most, so a larger source is never held in memory to decide).
    """
    if collections_threshold > 0 and rows_seen <= collections_threshold:
        return "collections"
    return "bulk"
