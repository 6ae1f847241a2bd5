"""Result pages → stage files: gzip kept as served, plain pages compressed once, joined files."""

from __future__ import annotations

import gzip
import hashlib
import io

import pytest

from lht.errors import SalesforceError
from lht.salesforce.bulk_pages import ResultPage
from lht.sync.stagefiles import stage_files

COLUMNS = ["Id", "Name"]
HEADER = b'"Id","Name"\n'


def body(first: int, count: int) -> bytes:
    return HEADER + b"".join(
        b'"%03d","n ""%d""\nx"\n' % (i, i) for i in range(first, first + count)
    )


def page(number: int, raw: bytes, records: int, gz: bool = True) -> ResultPage:
    data = gzip.compress(raw) if gz else raw
    header = raw.split(b"\n", 1)[0].decode().replace('"', "").split(",")
    return ResultPage(number, records, header, gz, io.BytesIO(data), len(data), None, not gz)


def test_one_file_per_page_stages_gzip_bytes_as_served_and_compresses_plain_pages():
    served = page(1, body(0, 2), 2)
    sent = served.body.getvalue()  # type: ignore[attr-defined]
    files = list(stage_files([served, page(2, body(2, 1), 1, gz=False)], COLUMNS, "job"))
    assert [(f.name, f.records, f.pages) for f in files] == [
        ("part-00001.csv.gz", 2, (1,)), ("part-00002.csv.gz", 1, (2,))]  # fmt: skip
    assert files[0].body.read() == sent  # not inflated, not compressed again
    assert gzip.decompress(files[1].body.read()) == body(2, 1)


def test_empty_pages_are_checked_but_not_staged():
    with pytest.raises(SalesforceError, match="job page 1: result columns"):
        list(stage_files([page(1, b'"Id"\n', 0)], COLUMNS, "job"))
    assert list(stage_files([page(1, HEADER, 0)], COLUMNS, "job")) == []


def noisy(first: int, count: int) -> bytes:
    """Rows that barely compress (so compressed sizes grow as pages are added)."""
    rows = (b'"%06d","%s"\n' % (i, hashlib.sha256(b"%d" % i).hexdigest().encode())
            for i in range(first, first + count))  # fmt: skip
    return HEADER + b"".join(rows)


def test_joined_files_keep_one_header_and_every_row():
    pages = [page(n, noisy(2000 * n, 2000), 2000, gz=n % 2 == 0) for n in range(1, 8)]
    files = list(stage_files(pages, COLUMNS, "job", file_bytes=150_000))
    assert 1 < len(files) < 7
    assert all(f.size == len(f.body.read()) and f.body.seek(0) == 0 for f in files)
    assert sum(f.records for f in files) == 14000
    texts = [gzip.decompress(f.body.read()) for f in files]
    assert all(t.startswith(HEADER) and t.count(b'"Id"') == 1 for t in texts)
    rows = b"".join(t[len(HEADER) :] for t in texts)
    assert rows == b"".join(noisy(2000 * n, 2000)[len(HEADER) :] for n in range(1, 8))
    assert [p for f in files for p in f.pages] == list(range(1, 8))


@pytest.mark.parametrize("raw", [body(0, 2), body(0, 3)[:-3]], ids=["count", "truncated"])
def test_joined_page_whose_rows_differ_from_the_declared_count_fails(raw):
    with pytest.raises(
        SalesforceError, match=r"job page 1: CSV has .* Sforce-NumberOfRecords says 3"
    ):
        list(stage_files([page(1, raw, 3)], COLUMNS, "job", file_bytes=1 << 20))
