from __future__ import annotations

import pytest

from lht.errors import ConfigError
from lht.push.jobs import choose_method, split_csv

HEADER = b"Id,Name\n"


def lines(n: int, width: int = 10) -> list[bytes]:
    return [f"{i:0{width - 1}d}\n".encode() for i in range(n)]


def test_split_csv_empty_input_yields_no_chunk():
    assert list(split_csv(HEADER, iter([]), 1024, 10)) == []


def test_split_csv_every_chunk_has_header_and_respects_byte_limit():
    rows = lines(100)
    chunks = list(split_csv(HEADER, iter(rows), len(HEADER) + 10 * 30, 10_000))
    assert [c.records for c in chunks] == [30, 30, 30, 10]
    for chunk in chunks:
        assert chunk.data.startswith(HEADER)
        assert len(chunk.data) <= len(HEADER) + 300
    assert b"".join(c.data[len(HEADER) :] for c in chunks) == b"".join(rows)


def test_split_csv_respects_record_limit():
    chunks = list(split_csv(HEADER, iter(lines(25)), 10**6, 10))
    assert [c.records for c in chunks] == [10, 10, 5]


def test_split_csv_exact_fit_stays_in_one_chunk():
    chunks = list(split_csv(HEADER, iter(lines(3)), len(HEADER) + 30, 3))
    assert [c.records for c in chunks] == [3]


def test_split_csv_row_larger_than_limit_raises():
    with pytest.raises(ConfigError, match="cannot fit"):
        list(split_csv(HEADER, iter([b"x" * 2000 + b"\n"]), 1024, 10))


def test_split_csv_is_lazy():
    def endless():
        i = 0
        while True:
            i += 1
            yield b"row\n"

    first = next(split_csv(HEADER, endless(), 1024, 5))
    assert first.records == 5


@pytest.mark.parametrize(
    ("rows", "threshold", "method"),
    [
        (0, 200, "collections"),
        (1, 200, "collections"),
        (200, 200, "collections"),
        (201, 200, "bulk"),
        (1, 0, "bulk"),
        (5, 5, "collections"),
        (6, 5, "bulk"),
    ],
)
def test_choose_method_collections_only_up_to_threshold(rows, threshold, method):
    assert choose_method(rows, threshold) == method


def test_split_csv_first_records_doubles_the_job_size_up_to_the_limit():
    chunks = list(split_csv(HEADER, iter(lines(100)), 10**6, 40, first_records=5))
    assert [c.records for c in chunks] == [5, 10, 20, 40, 25]
