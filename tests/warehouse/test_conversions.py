"""Each staging-text → typed conversion on real Bulk/REST-shaped values, on the stand-in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lht.errors import WarehouseError
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import Statement
from lht.warehouse.types import convert_expression, snowflake_type


def _convert(runner: StatementRunner, sql_type: str, raw: str | None) -> Any:
    expr = convert_expression(sql_type, "CAST(? AS VARCHAR)")
    return runner.run(Statement("convert", f"SELECT {expr} AS V", (raw,)))[0]["V"]


@pytest.mark.parametrize(
    ("sf_type", "kwargs", "raw", "expected"),
    [
        ("currency", {"precision": 18, "scale": 2}, "9.5E8", Decimal("950000000.00")),
        ("currency", {"precision": 18, "scale": 2}, "1.6147805824397E13",
         Decimal("16147805824397.00")),
        ("double", {"precision": 18, "scale": 2}, "1.0", Decimal("1.00")),
        ("percent", {"precision": 5, "scale": 2}, "-12.5", Decimal("-12.50")),
        ("double", {"precision": 18, "scale": 4}, "1.0E-4", Decimal("0.0001")),
        ("double", {"precision": 0}, "9.5E8", 9.5e8),
        ("int", {"digits": 9}, "42", 42),
        ("int", {"digits": 9}, "0.0", 0),
        ("long", {}, "9223372036854775807", 9223372036854775807),
        ("boolean", {}, "true", True),
        ("boolean", {}, "false", False),
        ("date", {}, "2023-10-22", dt.date(2023, 10, 22)),
        ("datetime", {}, "2023-10-22T06:25:12.000Z", dt.datetime(2023, 10, 22, 6, 25, 12)),
        ("datetime", {}, "2023-10-22T06:25:12.789Z",
         dt.datetime(2023, 10, 22, 6, 25, 12, 789000)),
        ("time", {}, "06:25:12.000Z", dt.time(6, 25, 12)),
        ("time", {}, "23:59:59.999Z", dt.time(23, 59, 59, 999000)),
        ("string", {}, 'Acme "Global", Inc.', 'Acme "Global", Inc.'),
        ("id", {}, "001R0000003hBbLIAU", "001R0000003hBbLIAU"),
        ("currency", {"precision": 18, "scale": 2}, None, None),
        ("datetime", {}, None, None),
    ],
)  # fmt: skip
def test_conversion_bulk_value_gives_typed_value(
    runner: StatementRunner, sf_type: str, kwargs: dict[str, int], raw: str, expected: Any
) -> None:
    sql_type = snowflake_type(sf_type, **kwargs)
    assert sql_type is not None
    got = _convert(runner, sql_type, raw)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("sql_type", "raw"),
    [
        ("NUMBER(18,2)", "12,5"),
        ("NUMBER(18,2)", "n/a"),
        ("NUMBER(5,2)", "12345.5"),
        ("FLOAT", "abc"),
        ("BOOLEAN", "maybe"),
        ("DATE", "22/10/2023"),
        ("TIMESTAMP_NTZ(3)", "not a time"),
        # explicit format, not AUTO: only Salesforce's rendering (REST's +0000 becomes Z when
        # pages are rendered to CSV) loads; other shapes fail loudly
        ("TIMESTAMP_NTZ(3)", "2023-10-22T06:25:12.000+0000"),
        ("TIMESTAMP_NTZ(3)", "2023-10-22 06:25:12"),
        ("TIME(3)", "25:99:00.000Z"),
    ],
)
def test_conversion_bad_value_raises_instead_of_null(
    runner: StatementRunner, sql_type: str, raw: str
) -> None:
    with pytest.raises(WarehouseError, match="statement convert failed"):
        _convert(runner, sql_type, raw)


@pytest.mark.parametrize(
    "sql_type",
    ["NUMBER(38,2)", "NUMBER(38,0)", "FLOAT", "BOOLEAN", "DATE", "TIMESTAMP_NTZ(3)", "TIME(3)",
     "VARIANT", "VARCHAR"],
)  # fmt: skip
def test_conversion_empty_text_is_null_never_a_conversion_error(
    runner: StatementRunner, sql_type: str
) -> None:
    """#16.6: Bulk 2.0 sends no value as an unquoted empty field or as a quoted ``""``; COPY's
    NULL_IF/EMPTY_FIELD_AS_NULL cover both locally, and the conversions never see ``''``
    whatever the COPY did (NULLIF)."""
    assert _convert(runner, sql_type, "") is None
