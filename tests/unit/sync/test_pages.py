from __future__ import annotations

import csv
import gzip
import io

import pytest

from lht.errors import SalesforceError
from lht.sync.pages import check_header, gzip_bytes, render_csv, render_value, rest_chunks


def test_check_header_accepts_bulk_quoted_header_case_insensitively():
    check_header(
        b'"Id","Name","SystemModstamp"\n"1","a","x"\n', ["Id", "name", "SystemModstamp"], "p"
    )


def test_check_header_accepts_crlf_and_header_only_page():
    check_header(b'"Id","Name"\r\n', ["Id", "Name"], "p")


@pytest.mark.parametrize(
    "raw",
    [b'"Name","Id"\n', b'"Id","Name","Extra"\n', b'"Id"\n', b""],
)
def test_check_header_mismatch_raises_naming_context(raw):
    with pytest.raises(SalesforceError, match="job 750x page 3"):
        check_header(raw, ["Id", "Name"], "job 750x page 3")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (9.5e8, "950000000.0"),
        (0.1, "0.1"),
        ("2020-10-22T21:03:23.000+0000", "2020-10-22T21:03:23.000Z"),
        ("2020-10-22", "2020-10-22"),
        ("13:45:00.000Z", "13:45:00.000Z"),
        ('a,"b"\nc', 'a,"b"\nc'),
    ],
)
def test_render_value_matches_bulk_text(value, text):
    assert render_value(value) == text


def test_render_value_structured_raises():
    with pytest.raises(SalesforceError):
        render_value({"street": "x"})


def test_render_csv_round_trips_through_csv_reader():
    chunk = render_csv([{"Id": "1", "Name": 'He said "hi",\nbye'}, {"Id": "2"}], ["Id", "Name"])
    rows = list(csv.reader(io.StringIO(chunk.raw.decode())))
    assert rows == [["Id", "Name"], ["1", 'He said "hi",\nbye'], ["2", ""]]
    assert chunk.records == 2


def test_rest_chunks_splits_and_keeps_remainder():
    records = ({"Id": str(i)} for i in range(5))
    chunks = list(rest_chunks(records, ["Id"], 2))
    assert [c.records for c in chunks] == [2, 2, 1]
    assert all(c.raw.startswith(b"Id\n") for c in chunks)


def test_rest_chunks_empty_input_yields_nothing():
    assert list(rest_chunks([], ["Id"], 10)) == []


def test_gzip_bytes_round_trip():
    assert gzip.decompress(gzip_bytes(b"abc\n")) == b"abc\n"
