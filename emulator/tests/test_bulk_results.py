"""bulk_results: result files rendered once, pages served as byte ranges, locators, gzip."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from emulator.bulk.deflate import crc32_combine, deflate_piece
from emulator.bulk.results import (
    decode_locator,
    encode_locator,
    page_chunks,
    page_gzip_chunks,
    plan_page,
    write_result_file,
)


def _lines(count: int) -> list[str]:
    return [f'"{i}","név {i}"\n' if i % 3 == 0 else f'"{i}","name\n{i}"\n' for i in range(count)]


def test_encode_locator_matches_salesforce_example() -> None:
    assert encode_locator(10000) == "MTAwMDA"
    assert decode_locator("MTAwMDA") == 10000


def test_decode_locator_garbage_returns_none() -> None:
    assert decode_locator("%%%") is None
    assert decode_locator(encode_locator(5)[:-1] + "!") is None
    assert decode_locator("YWJj") is None  # base64 of "abc": not a row number


def test_write_result_file_pages_concatenate_to_all_rows(tmp_path: Path) -> None:
    lines = _lines(20_000)
    result = write_result_file(tmp_path, "750x", '"Id","Name"\n', lines)
    assert result.records == 20_000
    body = b""
    start, locators = 0, []
    while True:
        page = plan_page(result, start, 7_000)
        data = b"".join(page_chunks(result, page))
        assert data.startswith(b'"Id","Name"\n')
        body += data[len(result.header) :]
        if page.next_locator is None:
            break
        locators.append(page.next_locator)
        start = decode_locator(page.next_locator) or 0
    assert body == "".join(lines).encode("utf-8")
    assert [decode_locator(loc) for loc in locators] == [7000, 14000]


def test_plan_page_middle_page_has_exact_rows(tmp_path: Path) -> None:
    lines = _lines(10)
    result = write_result_file(tmp_path, "j", "h\n", lines)
    page = plan_page(result, 3, 4)
    assert page.records == 4
    assert b"".join(page_chunks(result, page)) == b"h\n" + "".join(lines[3:7]).encode()
    assert page.next_locator == encode_locator(7)


def test_plan_page_zero_rows_gives_header_only_and_no_locator(tmp_path: Path) -> None:
    result = write_result_file(tmp_path, "empty", '"Id"\n', [])
    page = plan_page(result, 0, 50_000)
    assert page.records == 0
    assert page.next_locator is None
    assert b"".join(page_chunks(result, page)) == b'"Id"\n'


@pytest.mark.parametrize(
    ("start", "size"),
    [(0, 20_000), (0, 5_000), (1_000, 3_000), (250, 4_321), (19_500, 1_000), (7, 3), (0, 0)],
)
def test_page_gzip_chunks_decompress_to_the_plain_page(
    tmp_path: Path, start: int, size: int
) -> None:
    result = write_result_file(tmp_path, "gz", '"Id","Name"\n', _lines(20_000))
    page = plan_page(result, start, size) if size else plan_page(result, 20_000, 10)
    plain = b"".join(page_chunks(result, page))
    assert gzip.decompress(b"".join(page_gzip_chunks(result, page))) == plain


def test_page_gzip_chunks_serve_stored_pieces_as_one_gzip_member(tmp_path: Path) -> None:
    result = write_result_file(tmp_path, "gz", "h\n", _lines(20_000))
    page = plan_page(result, 0, 20_000)
    zipped = b"".join(page_gzip_chunks(result, page))
    assert len(zipped) == 10 + len(deflate_piece(b"h\n")) + result.gz_size + 10
    inflater = zlib.decompressobj(31)
    assert inflater.decompress(zipped) == b"".join(page_chunks(result, page))
    assert inflater.eof and inflater.unused_data == b""  # a single member: curl can read it too


def test_crc32_combine_matches_zlib() -> None:
    a, b = b"x" * 1000 + b"abc", bytes(range(256)) * 1900
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_result_file_remove_deletes_both_files(tmp_path: Path) -> None:
    result = write_result_file(tmp_path, "gone", "h\n", _lines(3))
    assert len(list(tmp_path.iterdir())) == 4
    result.remove()
    assert list(tmp_path.iterdir()) == []
