"""Identifier validation and quoting."""

from __future__ import annotations

import pytest

from lht.errors import ConfigError
from lht.warehouse.identifiers import (
    TableName,
    column_identifier,
    qualified_name,
    quote_identifier,
    stage_path,
    validate_identifier,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("accounts", "ACCOUNTS"),
        ("Raw_2024", "RAW_2024"),
        ("_x", "_X"),
        ("a$b", "A$B"),
        ("CASE", "CASE"),  # reserved words are fine: always emitted quoted
        ("order", "ORDER"),
        ("x" * 255, "X" * 255),
    ],
)
def test_validate_identifier_valid_names_upper_cased(value: str, expected: str) -> None:
    assert validate_identifier(value, "table_name") == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1abc",
        'acc"ounts',
        "acc'ounts",
        "accounts; DROP TABLE x",
        "acc ounts",
        "raw.accounts",
        "comptes_été",
        "表",
        "a-b",
        "x" * 256,
        "$a",
        None,
        42,
    ],
)
def test_validate_identifier_bad_value_raises_config_error_naming_argument(value: object) -> None:
    with pytest.raises(ConfigError, match="table_name") as info:
        validate_identifier(value, "table_name")
    assert repr(value)[:20] in str(info.value)


def test_quote_identifier_preserves_case_and_rejects_unsafe() -> None:
    assert quote_identifier("ORDER__C") == '"ORDER__C"'
    assert quote_identifier("Mixed") == '"Mixed"'
    with pytest.raises(ConfigError):
        quote_identifier('a"b')


def test_column_identifier_upper_cases_salesforce_names() -> None:
    assert column_identifier("Order__c") == '"ORDER__C"'
    assert column_identifier("SystemModstamp") == '"SYSTEMMODSTAMP"'


def test_qualified_name_quotes_both_parts() -> None:
    assert qualified_name("raw", "case") == '"RAW"."CASE"'
    with pytest.raises(ConfigError, match="schema name"):
        qualified_name("raw;", "case")
    with pytest.raises(ConfigError, match="table name"):
        qualified_name("raw", 'ca"se')


def test_table_name_display_and_sql() -> None:
    name = TableName.of("raw", "accounts")
    assert (name.schema, name.table, name.display) == ("RAW", "ACCOUNTS", "RAW.ACCOUNTS")
    assert name.sql == '"RAW"."ACCOUNTS"'


def test_stage_path_builds_prefix_with_trailing_slash() -> None:
    assert stage_path("lht.lht_stage", "Account", "abc123") == "@LHT.LHT_STAGE/Account/abc123/"
    assert stage_path("LHT_STAGE") == "@LHT_STAGE/"


@pytest.mark.parametrize(
    ("stage", "segments"),
    [
        ("lht.stage", ("..",)),
        ("lht.stage", ("a/b",)),
        ("lht.stage", ("a b",)),
        ("lht.stage", ("a'b",)),
        ("lht.st;age", ()),
        ("a.b.c.d", ()),
    ],
)
def test_stage_path_bad_parts_raise_config_error(stage: str, segments: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError):
        stage_path(stage, *segments)
