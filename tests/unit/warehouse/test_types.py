"""Salesforce → Snowflake type map (every type in spec §2.4.3 / §6) and staging conversions."""

from __future__ import annotations

import pytest

from lht.errors import ConfigError
from lht.warehouse.types import (
    convert_expression,
    declared_type,
    number_widening,
    snowflake_type,
    try_convert_expression,
    validate_sql_type,
)

EVERY_TYPE = {
    "id": "VARCHAR(18)",
    "reference": "VARCHAR(18)",
    "masterrecord": "VARCHAR(18)",
    "string": "VARCHAR",
    "textarea": "VARCHAR",
    "picklist": "VARCHAR",
    "multipicklist": "VARCHAR",
    "combobox": "VARCHAR",
    "email": "VARCHAR",
    "phone": "VARCHAR",
    "url": "VARCHAR",
    "encryptedstring": "VARCHAR",
    "boolean": "BOOLEAN",
    "int": "NUMBER(38,0)",
    "long": "NUMBER(38,0)",
    "double": "NUMBER(38,2)",
    "currency": "NUMBER(38,2)",
    "percent": "NUMBER(38,2)",
    "date": "DATE",
    "datetime": "TIMESTAMP_NTZ(3)",
    "time": "TIME(3)",
    "base64": None,
    "address": None,
    "location": None,
    "anyType": "VARCHAR",
    "complexvalue": "VARIANT",
    "json": "VARIANT",
    "datacategorygroupreference": "VARCHAR",
    "junctionidlist": "VARCHAR",
    "byte": "VARCHAR",
}


@pytest.mark.parametrize(("sf_type", "expected"), sorted(EVERY_TYPE.items()))
def test_snowflake_type_every_salesforce_type_maps(sf_type: str, expected: str | None) -> None:
    got = snowflake_type(sf_type, length=255, precision=18, scale=2, digits=9)
    assert got == expected


@pytest.mark.parametrize(
    ("sf_type", "kwargs", "expected"),
    [
        ("int", {"digits": 0}, "NUMBER(38,0)"),
        ("int", {"digits": 9}, "NUMBER(38,0)"),
        ("int", {"digits": 39}, "NUMBER(38,0)"),
        ("long", {"digits": 19}, "NUMBER(38,0)"),
        ("double", {"precision": 0, "scale": 0}, "FLOAT"),
        ("double", {"precision": 39, "scale": 2}, "FLOAT"),
        ("double", {"precision": 38, "scale": 10}, "NUMBER(38,10)"),
        ("double", {"precision": 38, "scale": 38}, "FLOAT"),  # Snowflake's max scale is 37
        ("currency", {"precision": 18, "scale": 0}, "NUMBER(38,0)"),  # 1.0E18 must fit (#11)
        ("currency", {"precision": 5, "scale": 6}, "FLOAT"),
        ("percent", {"precision": 3, "scale": 0}, "NUMBER(38,0)"),
        ("string", {"length": 80}, "VARCHAR"),
        ("DateTime", {}, "TIMESTAMP_NTZ(3)"),
        ("some_future_type", {}, "VARCHAR"),
    ],
)
def test_snowflake_type_edge_cases(sf_type: str, kwargs: dict[str, int], expected: str) -> None:
    assert snowflake_type(sf_type, **kwargs) == expected


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [
        ("VARCHAR(18)", "NULLIF(d.\"X\", '')"),
        ("VARCHAR", "NULLIF(d.\"X\", '')"),
        ("NUMBER(38,2)", "CAST(NULLIF(d.\"X\", '') AS NUMBER(38, 2))"),
        ("number(9, 0)", "CAST(NULLIF(d.\"X\", '') AS NUMBER(9, 0))"),
        ("FLOAT", "TO_DOUBLE(NULLIF(d.\"X\", ''))"),
        ("BOOLEAN", "CAST(NULLIF(d.\"X\", '') AS BOOLEAN)"),
        ("DATE", "TO_DATE(NULLIF(d.\"X\", ''), 'YYYY-MM-DD')"),
        # explicit formats, never AUTO (the account's TIMESTAMP_INPUT_FORMAT cannot break loads)
        ("TIMESTAMP_NTZ(3)",
         "TO_TIMESTAMP_NTZ(NULLIF(d.\"X\", ''), 'YYYY-MM-DD\"T\"HH24:MI:SS.FF3\"Z\"')"),
        ("TIME(3)", "TO_TIME(NULLIF(d.\"X\", ''), 'HH24:MI:SS.FF3\"Z\"')"),
        ("VARIANT", "PARSE_JSON(NULLIF(d.\"X\", ''))"),
    ],
)  # fmt: skip
def test_convert_expression_per_type(sql_type: str, expected: str) -> None:
    assert convert_expression(sql_type, 'd."X"') == expected


@pytest.mark.parametrize("sql_type", ["BINARY", "GEOGRAPHY", "ARRAY", "NUMBER(18", "x; DROP"])
def test_convert_expression_unknown_type_fails_loudly(sql_type: str) -> None:
    with pytest.raises(ConfigError):
        convert_expression(sql_type, '"X"')


def test_every_mapped_type_has_a_conversion() -> None:
    for sf_type in EVERY_TYPE:
        mapped = snowflake_type(sf_type, precision=18, scale=2, digits=9)
        if mapped is not None:
            assert convert_expression(mapped, '"X"')


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("TEXT", None, None, 18), "VARCHAR(18)"),
        (("TEXT", None, None, 16777216), "VARCHAR"),
        (("TEXT", None, None, None), "VARCHAR"),
        (("NUMBER", 18, 2, None), "NUMBER(18,2)"),
        (("NUMBER", 19, 0, None), "NUMBER(19,0)"),
        (("FLOAT", None, None, None), "FLOAT"),
        (("TIMESTAMP_NTZ", None, None, None), "TIMESTAMP_NTZ"),
        (("boolean", None, None, None), "BOOLEAN"),
    ],
)
def test_declared_type_from_information_schema(
    row: tuple[str, int | None, int | None, int | None], expected: str
) -> None:
    assert declared_type(*row) == expected


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [("NUMBER(18, 2)", "NUMBER(18,2)"), ("varchar", "VARCHAR"), ("TIME(3)", "TIME(3)")],
)
def test_validate_sql_type_normalises(sql_type: str, expected: str) -> None:
    assert validate_sql_type(sql_type) == expected


@pytest.mark.parametrize(
    "sql_type", ["VARCHAR); DROP TABLE x; --", "NUMBER(18,2) NOT NULL", "VAR CHAR", ""]
)
def test_validate_sql_type_rejects_anything_else(sql_type: str) -> None:
    with pytest.raises(ConfigError):
        validate_sql_type(sql_type)


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [
        ("NUMBER(38,2)", "TRY_CAST(NULLIF(s.\"X\", '') AS NUMBER(38, 2))"),
        ("FLOAT", "TRY_TO_DOUBLE(NULLIF(s.\"X\", ''))"),
        ("BOOLEAN", "TRY_CAST(NULLIF(s.\"X\", '') AS BOOLEAN)"),
        ("DATE", "TRY_TO_DATE(NULLIF(s.\"X\", ''), 'YYYY-MM-DD')"),
        ("TIMESTAMP_NTZ(3)",
         "TRY_TO_TIMESTAMP_NTZ(NULLIF(s.\"X\", ''), 'YYYY-MM-DD\"T\"HH24:MI:SS.FF3\"Z\"')"),
        ("TIME(3)", "TRY_TO_TIME(NULLIF(s.\"X\", ''), 'HH24:MI:SS.FF3\"Z\"')"),
        ("VARIANT", "TRY_PARSE_JSON(NULLIF(s.\"X\", ''))"),
        ("VARCHAR", None),
        ("VARCHAR(18)", None),
    ],
)  # fmt: skip
def test_try_convert_expression_is_the_null_instead_of_error_twin(
    sql_type: str, expected: str | None
) -> None:
    assert try_convert_expression(sql_type, 's."X"') == expected


@pytest.mark.parametrize(
    ("existing", "expected", "widened"),
    [
        ("NUMBER(18,0)", "NUMBER(38,0)", "NUMBER(38,0)"),
        ("NUMBER(16,2)", "NUMBER(38,2)", "NUMBER(38,2)"),
        ("DECIMAL(9, 0)", "NUMBER(38,0)", "NUMBER(38,0)"),
        ("NUMBER(38,0)", "NUMBER(38,0)", None),
        ("NUMBER(18,2)", "NUMBER(38,0)", None),  # a scale change is a type change, not widening
        ("NUMBER(38,0)", "NUMBER(18,0)", None),  # never narrowed
        ("FLOAT", "NUMBER(38,0)", None),
        ("NUMBER(18,0)", "FLOAT", None),
    ],
)
def test_number_widening_only_raises_precision_at_the_same_scale(
    existing: str, expected: str, widened: str | None
) -> None:
    assert number_widening(existing, expected) == widened
