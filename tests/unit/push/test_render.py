from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from lht.errors import ConfigError
from lht.push.render import csv_line, render_cell, render_json_value, render_row, row_hash


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (10**20, "100000000000000000000"),
        (Decimal("1.50"), "1.5"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("-0.00"), "0"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e20, "100000000000000000000"),
        (2.5e-7, "0.00000025"),
        (date(2024, 2, 29), "2024-02-29"),
        (datetime(2024, 1, 2, 3, 4, 5, 678900), "2024-01-02T03:04:05.678Z"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05.000Z"),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            "2024-01-02T01:04:05.000Z",
        ),
        (datetime(2024, 1, 2, 3, 4, 5, 1000, tzinfo=UTC), "2024-01-02T03:04:05.001Z"),
        (time(13, 5, 9, 250000), "13:05:09.250Z"),
        ('as is, "quoted"', 'as is, "quoted"'),
        ({"b": 1, "a": [1, 2]}, '{"a":[1,2],"b":1}'),
    ],
)
def test_render_cell_formats_per_bulk_csv_rules(value, text):
    assert render_cell(value) == text


def test_render_cell_null_with_clear_nulls_is_na_marker():
    assert render_cell(None, clear_nulls=True) == "#N/A"


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")]
)
def test_render_cell_non_finite_number_raises_naming_column(value):
    with pytest.raises(ConfigError, match="column AMOUNT"):
        render_cell(value, column="AMOUNT")


def test_render_cell_unknown_type_raises():
    with pytest.raises(ConfigError, match="bytes"):
        render_cell(b"\x00", column="BLOB")


def test_render_row_never_clears_the_match_column():
    cells = render_row([None, None, "x"], True, 0, ["EXT", "A", "B"])
    assert cells == ["", "#N/A", "x"]


def test_csv_line_quotes_minimally_with_lf():
    line = csv_line(["plain", "a,b", 'say "hi"', "multi\nline", "", " pad "])
    assert line == b'plain,"a,b","say ""hi""","multi\nline",, pad \n'
    assert next(csv.reader(io.StringIO(line.decode()))) == [
        "plain",
        "a,b",
        'say "hi"',
        "multi\nline",
        "",
        " pad ",
    ]


def test_csv_line_encodes_utf8():
    assert csv_line(["Zoë", "東京"]) == "Zoë,東京\n".encode()


def test_row_hash_changes_with_content_and_boundaries():
    assert row_hash(["a", "b"]) == row_hash(["a", "b"])
    assert row_hash(["a", "b"]) != row_hash(["a", "c"])
    assert row_hash(["ab", ""]) != row_hash(["a", "b"])
    assert row_hash([""]) != row_hash(["#N/A"])


@pytest.mark.parametrize(
    ("value", "clear", "expected"),
    [
        (None, False, ...),
        (None, True, None),
        (Decimal("2.50"), False, 2.5),
        (Decimal("7.00"), False, 7),
        (3, False, 3),
        (True, False, True),
        (datetime(2024, 1, 1), False, "2024-01-01T00:00:00.000Z"),
        (date(2024, 1, 1), False, "2024-01-01"),
    ],
)
def test_render_json_value_types(value, clear, expected):
    assert render_json_value(value, clear) == expected


def test_csv_line_fast_path_writes_exactly_what_csv_writer_writes():
    def reference(cells):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(cells)
        return out.getvalue().encode("utf-8")

    pieces = ["a", ",", '"', "\n", "\r", " ", "é", "", "x1", "\t", "#N/A"]
    rng = random.Random(7)
    for _ in range(20_000):
        cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
                 for _ in range(rng.randint(1, 4))]  # fmt: skip
        assert csv_line(cells) == reference(cells), cells
