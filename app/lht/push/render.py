"""Render warehouse values for Salesforce: CSV cells (spec §4.6), Collections JSON, row hashes.

* datetimes → ``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC (naive values are UTC, as LHT stores them);
  dates → ``YYYY-MM-DD``; times → ``HH:MM:SS.sssZ``; booleans → ``true``/``false``;
  numbers → plain decimal text from :class:`~decimal.Decimal` (no float artefacts, no exponent).
* NULL → empty cell (Salesforce leaves the field unchanged) or ``#N/A`` (clears it) when
  ``clear_nulls`` is on. The match key is never sent as ``#N/A``.
* CSV lines are RFC-4180 with minimal quoting and LF endings (ingest jobs are created with
  ``lineEnding=LF``); embedded newlines are quoted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from lht.errors import ConfigError

__all__ = [
    "CLEAR_NULL",
    "csv_line",
    "render_cell",
    "render_json_value",
    "render_row",
    "row_hash",
]

#: Bulk API 2.0 marker that sets a field to null (spec §4.6).
CLEAR_NULL = "#N/A"


def render_cell(value: Any, clear_nulls: bool = False, column: str = "") -> str:
    """One value as Salesforce Bulk CSV text."""
    if value is None:
        return CLEAR_NULL if clear_nulls else ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number_text(Decimal(repr(value)) if isinstance(value, float) else value, column)
    return _temporal_or_json(value, column)


def _temporal_or_json(value: Any, column: str) -> str:
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    raise ConfigError(f"column {column}: cannot push values of type {type(value).__name__}")


def render_row(
    values: Sequence[Any], clear_nulls: bool, match_index: int | None, columns: Sequence[str]
) -> list[str]:
    """Render one source row; the match column never carries ``#N/A``."""
    return [
        render_cell(v, clear_nulls and i != match_index, columns[i]) for i, v in enumerate(values)
    ]


class _LineWriter:
    """A reusable csv.writer over a small buffer (one writer per thread)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")


_local = threading.local()
_NEEDS_QUOTES = re.compile(r'["\r\n]')  # and "," inside a cell (counted): csv would quote


def csv_line(cells: Sequence[str]) -> bytes:
    """One CSV record (LF-terminated, minimal quoting) as UTF-8 bytes."""
    text = ",".join(cells)
    plain = text.count(",") == len(cells) - 1 and not _NEEDS_QUOTES.search(text)
    if plain and (len(cells) != 1 or text):
        return (text + "\n").encode("utf-8")  # what csv.writer writes for plain cells
    line = getattr(_local, "writer", None)
    if line is None:
        line = _local.writer = _LineWriter()
    line.buffer.seek(0)
    line.buffer.truncate()
    line.writer.writerow(cells)
    return line.buffer.getvalue().encode("utf-8")


def row_hash(cells: Sequence[str], salt: bytes = b"") -> str:
    """Content hash of rendered cells (what Salesforce would receive), hex SHA-256.

    ``salt`` is the CSV header line, so a changed column mapping re-sends every row."""
    digest = hashlib.sha256(salt)
    for cell in cells:
        encoded = cell.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def render_json_value(value: Any, clear_nulls: bool = False, column: str = "") -> Any:
    """One value for an sObject Collections record; ``...`` means "omit the field"."""
    if value is None:
        return None if clear_nulls else ...
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        text = render_cell(value, column=column)
        return int(text) if "." not in text else float(text)
    if isinstance(value, datetime | date | time):
        return render_cell(value, column=column)
    return render_cell(value, column=column)


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _number_text(value: Decimal, column: str) -> str:
    if not value.is_finite():
        raise ConfigError(f"column {column}: cannot push non-finite number {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
