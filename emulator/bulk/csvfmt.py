"""Bulk API 2.0 CSV rendering: the exact bytes Salesforce writes into query results.

Spec §3.4: header in SELECT order, every value double-quoted (``""`` escaping, embedded newlines
kept), the job's column delimiter and line ending, booleans ``true``/``false``, datetimes
``2023-10-22T06:25:12.000Z``, times ``06:25:12.000Z``, Java ``Double.toString`` for
double/currency/percent, plain integers, and a trailing line ending after the last row.

Null rendering is [UNCONFIRMED] in the spec: ``""`` (quoted empty, the default) or nothing between
delimiters; :class:`CsvDialect` carries the choice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

DELIMITERS: dict[str, str] = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS: dict[str, str] = {"LF": "\n", "CRLF": "\r\n"}
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
INTEGER_TYPES = frozenset({"int", "long"})

Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class CsvDialect:
    """How a job's CSV looks: delimiter and line ending by their Salesforce names, null style."""

    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    null_quoted: bool = True

    @property
    def delimiter(self) -> str:
        return DELIMITERS[self.column_delimiter]

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]


# --- Java Double.toString ------------------------------------------------------------------------


def _repr_digits(x: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``x > 0`` and exponent E with x ~ d.ddd x 10^E."""
    mantissa, _, exp_text = repr(x).partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    exponent += point - 1
    return digits.rstrip("0") or "0", exponent


@lru_cache(maxsize=4096)
def _two_digit_fix(x: float, digits: str, exponent: int) -> tuple[str, int]:
    """JDK 19+ rule: when one digit suffices, pick the closest decimal of length 1 or 2."""
    exact = Fraction(x)
    scale = Fraction(10) ** (exponent - 1)
    candidate = round(exact / scale)
    if candidate == int(digits) * 10 or not 10 <= candidate <= 99:
        return digits, exponent
    value = Fraction(candidate) * scale
    if float(value) != x or abs(value - exact) >= abs(Fraction(int(digits)) * scale * 10 - exact):
        return digits, exponent
    two = str(candidate)
    return (two[0] if two[1] == "0" else two), exponent


_MIN_NORMAL = 2.2250738585072014e-308


def java_double(x: float) -> str:
    """Render like Java 19+ ``Double.toString``: shortest digits, scientific outside [1e-3, 1e7)."""
    x = float(x)  # an int renders as the double it is stored as ("5.0", "1.0E18")
    ax = abs(x)
    if 1e-3 <= ax < 1e7:
        return repr(x)  # Python's repr is the same shortest plain form in this range ("100.0")
    if 1e7 <= ax < 1e16:  # repr is plain here too ("4567890123.0"): move the point
        whole, _, frac = repr(ax).partition(".")
        digits = (whole if frac == "0" else whole + frac).rstrip("0")
        sign = "-" if x < 0 else ""
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}"
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    digits, exponent = _repr_digits(ax)
    if len(digits) == 1 and ax < _MIN_NORMAL:
        # Only subnormals are coarse enough for a closer two-digit decimal to exist.
        digits, exponent = _two_digit_fix(ax, digits, exponent)
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


# --- value formatters ----------------------------------------------------------------------------


def format_datetime(value: Any) -> str:
    """``2023-10-22T06:25:12.000Z`` (UTC, milliseconds). Strings pass through unchanged."""
    if isinstance(value, dt.datetime):
        zone = value.tzinfo
        if zone is dt.UTC:  # the common case: slice "+00:00" off instead of converting
            return value.isoformat(timespec="milliseconds")[:-6] + "Z"
        moment: dt.datetime = value
        if zone is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat() + "T00:00:00.000Z"
    return str(value)


def format_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def format_time(value: Any) -> str:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    return str(value)


def format_boolean(value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    return "true" if value else "false"


def format_number(value: Any) -> str:
    """double/currency/percent: Java form of the value as a double (``Decimal`` and ``int`` too)."""
    return java_double(float(value))


def format_integer(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def format_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


_FORMATTERS: dict[str, Formatter] = {
    "datetime": format_datetime,
    "date": format_date,
    "time": format_time,
    "boolean": format_boolean,
    **{name: java_double for name in NUMBER_TYPES},
    **{name: format_integer for name in INTEGER_TYPES},
}


def formatter_for(sf_type: str) -> Formatter:
    """The formatter of one describe field type (text and unknown types render with ``str``)."""
    return _FORMATTERS.get(sf_type, format_text)


# --- rows ----------------------------------------------------------------------------------------

_SEP = "\x00"


class RowRenderer:
    """Renders result rows for one column list; build once per job, call per row."""

    def __init__(self, sf_types: Sequence[str], dialect: CsvDialect) -> None:
        self.dialect = dialect
        # str() returns a str argument itself, so text columns cost one C call per value.
        self._formatters = [
            str if formatter_for(t) is format_text else formatter_for(t) for t in sf_types
        ]
        self._quoted_sep = '"' + dialect.delimiter + '"'
        self._newline = dialect.newline

    def header(self, names: Sequence[str]) -> str:
        return self._join([str(n) for n in names], ())

    def row(self, values: Sequence[Any]) -> str:
        if self.dialect.null_quoted:
            texts = [
                "" if value is None else fmt(value)
                for fmt, value in zip(self._formatters, values, strict=True)
            ]
            return self._join(texts, ())
        nulls = [value is None for value in values]
        texts = [
            "" if value is None else fmt(value)
            for fmt, value in zip(self._formatters, values, strict=True)
        ]
        return self._join(texts, nulls)

    def _join(self, texts: list[str], nulls: Sequence[bool]) -> str:
        if nulls and any(nulls):
            return self._join_bare_nulls(texts, nulls)
        line = _SEP.join(texts)
        if _SEP in line and line.count(_SEP) != len(texts) - 1:
            return self._join_bare_nulls(texts, [False] * len(texts))
        return '"' + line.replace('"', '""').replace(_SEP, self._quoted_sep) + '"' + self._newline

    def _join_bare_nulls(self, texts: list[str], nulls: Sequence[bool]) -> str:
        cells = [
            "" if null else '"' + text.replace('"', '""') + '"'
            for text, null in zip(texts, nulls, strict=True)
        ]
        return self.dialect.delimiter.join(cells) + self._newline

    def rows(self, rows: Iterable[Sequence[Any]]) -> Iterable[str]:
        row = self.row
        for values in rows:
            yield row(values)

    @property
    def formats(self) -> list[Formatter | None]:
        """Per column, what renders a value as cell text (None: the values are text already), for
        `Org.csv_blocks`, whose columns `lines` then joins."""
        return [None if fmt is str else fmt for fmt in self._formatters]

    def lines(self, columns: list[list[str | None]]) -> list[str]:
        """The rows of one block of rendered columns (None = null), each with its line ending;
        the same text `row` gives for the values."""
        if not self.dialect.null_quoted:
            return [
                self._join(["" if t is None else t for t in row], [t is None for t in row])
                for row in zip(*columns, strict=True)
            ]
        cells = [[("" if t is None else t) for t in col] if None in col else col for col in columns]
        width, quoted_sep, tail = len(columns) - 1, self._quoted_sep, '"' + self._newline
        out = []
        for row in zip(*cells, strict=True):
            line = _SEP.join(row)
            if _SEP in line and line.count(_SEP) != width:
                out.append(self._join_bare_nulls(list(row), [False] * len(row)))
                continue
            if '"' in line:
                line = line.replace('"', '""')
            out.append('"' + line.replace(_SEP, quoted_sep) + tail)
        return out


def quote_cell(text: str) -> str:
    """One always-quoted cell (used for ingest result files)."""
    return '"' + text.replace('"', '""') + '"'


# --- ingest upload parsing (spec §4.6) -----------------------------------------------------------

MAX_HEADER_CHARS = 32_000
NULL_MARKER = "#N/A"


class IngestCsvError(Exception):
    """The uploaded CSV cannot be processed; ``message`` becomes the job's ``errorMessage``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IngestTable:
    """An uploaded CSV: header as written, the raw header line (echoed in results), cell rows."""

    header: tuple[str, ...]
    header_line: str
    rows: tuple[tuple[str, ...], ...]


def _line_ending_error(line_ending: str) -> IngestCsvError:
    return IngestCsvError(
        "ClientInputError : LineEnding is invalid on user data. "
        f"Current LineEnding setting is {line_ending}"
    )


def _decode_upload(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise IngestCsvError(
            "ClientInputError : Input data is not valid UTF-8 encoded text"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _split_header(text: str, line_ending: str) -> tuple[str, str]:
    """Header line and the rest; a header terminated differently from the job fails the job."""
    newline_at = text.find("\n")
    if newline_at < 0:
        return text.rstrip("\r"), ""
    crlf = newline_at > 0 and text[newline_at - 1] == "\r"
    if crlf != (line_ending == "CRLF"):
        raise _line_ending_error(line_ending)
    header_end = newline_at - 1 if crlf else newline_at
    return text[:header_end], text[newline_at + 1 :]


def _read_cells(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise IngestCsvError(f"ClientInputError : Failed to parse the CSV data: {exc}") from None


def parse_ingest_csv(data: bytes, dialect: CsvDialect) -> IngestTable:
    """Parse an upload with the job's delimiter and line ending; IngestCsvError fails the job."""
    text = _decode_upload(data)
    if not text.strip():
        raise IngestCsvError("InvalidBatch : No data was uploaded for the job")
    header_line, body = _split_header(text, dialect.line_ending)
    if len(header_line) > MAX_HEADER_CHARS:
        raise IngestCsvError(
            f"InvalidBatch : The header row exceeds the {MAX_HEADER_CHARS} character limit"
        )
    header_rows = _read_cells(header_line, dialect.delimiter)
    header = tuple(header_rows[0]) if header_rows else ()
    if not header or any(not name.strip() for name in header):
        raise IngestCsvError("InvalidBatch : Field name not provided in the header row")
    seen: set[str] = set()
    for name in header:
        if name.lower() in seen:
            raise IngestCsvError(f"InvalidBatch : Duplicate field name : {name}")
        seen.add(name.lower())
    rows = tuple(tuple(cells) for cells in _read_cells(body, dialect.delimiter) if cells != [])
    return IngestTable(header=header, header_line=header_line, rows=rows)
