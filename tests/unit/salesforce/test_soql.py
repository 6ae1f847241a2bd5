from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lht.errors import ConfigError
from lht.salesforce.soql import (
    build_count,
    build_select,
    format_date,
    format_datetime,
    quote_string,
    validate_condition,
    validate_field_path,
    validate_identifier,
)


@pytest.mark.parametrize(
    "name",
    [
        "Account",
        "Case",
        "Order__c",
        "npe01__Home_Address__c",
        "Loc__Latitude__s",
        "Foo__mdt",
        "Account__History",
        "X1",
        "Owner",
    ],
)
def test_validate_identifier_salesforce_api_names_accepted(name: str) -> None:
    assert validate_identifier(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "1Account",
        "Account;",
        "Acc ount",
        "Account--",
        "a___b",
        "Foo__",
        "_Foo",
        "Foo_",
        "Accöunt",
        "Account'",
        'A"b',
        "Owner.Name",
        "x" * 256,
    ],
)
def test_validate_identifier_anything_else_raises_config_error(name: str) -> None:
    with pytest.raises(ConfigError, match="invalid Salesforce"):
        validate_identifier(name)


def test_validate_field_path_dotted_relationships_accepted_bad_segment_rejected() -> None:
    assert validate_field_path("Account.Owner.Name") == "Account.Owner.Name"
    assert validate_field_path("Custom__r.Field__c") == "Custom__r.Field__c"
    for bad in ("Owner..Name", ".Name", "Owner.", "Owner.Na me"):
        with pytest.raises(ConfigError):
            validate_field_path(bad)


@pytest.mark.parametrize(
    "text",
    [
        "Name = 'Acme'",
        "  Industry IN ('Banking', 'Energy') AND (AnnualRevenue > 1000 OR IsDeleted = true)  ",
        "Name = 'O\\'Brien; --not a comment'",
        "Name LIKE 'SELECT%'",
        "CreatedDate >= 2024-01-01T00:00:00.000Z AND CreatedDate < LAST_N_DAYS:30",
        "Description = '(unbalanced in a literal'",
        "With__c = 1 AND Limit__c = 2",
    ],
)
def test_validate_condition_plain_conditions_returned_stripped(text: str) -> None:
    assert validate_condition(text) == text.strip()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Name = 'a'; DELETE", "';'"),
        ("Name = 'a' -- comment", "comment"),
        ("Name = 'a' /* x */", "comment"),
        ("Name = 'a' // x", "comment"),
        ("Id IN (SELECT AccountId FROM Contact)", "condition only"),
        ("Name = 'a' LIMIT 5", "condition only"),
        ("Name = 'a' ORDER BY Name", "condition only"),
        ("Name = 'a' GROUP  BY Name", "condition only"),
        ("Name = 'a' FOR UPDATE", "condition only"),
        ("Name = 'unterminated", "unterminated"),
        ("Name = 'a\\'", "unterminated"),
        ("Name = 'a\\", "unterminated"),
        ("(Name = 'a'", "unbalanced"),
        ("Name = 'a')", "unbalanced"),
        (") OR (", "unbalanced"),
        ('Name = "a"', "single quotes"),
        # SOQL escapes a quote with a backslash; a doubled quote is two adjacent literals
        ("Name = 'a'' OR ''1''=''1'", "backslash"),
        ("Name = 'a' 'b'", "backslash"),
        ("Name = 'O''Brien'", "backslash"),
        ("Name = 'a\\q'", "escape"),
        ("Name = 'caf\\u00g9'", "escape"),
    ],
)
def test_validate_condition_injection_and_malformed_text_raises_config_error(
    text: str, why: str
) -> None:
    with pytest.raises(ConfigError, match=why):
        validate_condition(text)


def test_build_select_full_query_in_clause_order() -> None:
    soql = build_select(
        "Account", ["Id", "Name", "Owner.Name"], "Name != null", "SystemModstamp ASC", 10
    )
    assert soql == (
        "SELECT Id, Name, Owner.Name FROM Account WHERE Name != null "
        "ORDER BY SystemModstamp ASC LIMIT 10"
    )


def test_build_select_minimal_query_has_no_optional_clauses() -> None:
    assert build_select("Case", ["Id"]) == "SELECT Id FROM Case"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sobject": "Account;", "fields": ["Id"]}, "sObject"),
        ({"sobject": "Account", "fields": []}, "no fields"),
        ({"sobject": "Account", "fields": ["Id, Name"]}, "field"),
        ({"sobject": "Account", "fields": ["Id"], "where": "1=1; x"}, "';'"),
        ({"sobject": "Account", "fields": ["Id"], "order_by": "Name; x"}, "ORDER BY"),
        ({"sobject": "Account", "fields": ["Id"], "limit": -1}, "LIMIT"),
        ({"sobject": "Account", "fields": ["Id"], "limit": True}, "LIMIT"),
    ],
)
def test_build_select_bad_parts_raise_config_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build_select(**kwargs)  # type: ignore[arg-type]


def test_build_count_with_and_without_where() -> None:
    assert build_count("Account") == "SELECT COUNT() FROM Account"
    assert build_count("Account", "IsDeleted = false") == (
        "SELECT COUNT() FROM Account WHERE IsDeleted = false"
    )


#: The documented SOQL dateTime form (SOQL and SOSL Reference, "Date Formats and Date Literals
#: in WHERE"): YYYY-MM-DDThh:mm:ssZ, no fractional seconds.
_DOCUMENTED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def test_format_datetime_whole_seconds_floor_by_default_ceil_on_request() -> None:
    value = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

    assert format_datetime(value) == "2024-01-02T03:04:05Z"
    assert format_datetime(value, ceil=True) == "2024-01-02T03:04:06Z"
    assert format_datetime(datetime(2024, 12, 31, 23, 59, 59, 1000, tzinfo=UTC), ceil=True) == (
        "2025-01-01T00:00:00Z"
    )
    exact = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert format_datetime(exact) == format_datetime(exact, ceil=True) == "2024-01-02T03:04:05Z"
    assert _DOCUMENTED.fullmatch(format_datetime(value))


def test_format_datetime_offset_converted_naive_taken_as_utc() -> None:
    plus_two = datetime(2024, 1, 1, 2, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(plus_two) == "2024-01-01T00:00:00Z"
    assert format_datetime(datetime(2024, 1, 1)) == "2024-01-01T00:00:00Z"


def test_format_date_and_quote_string() -> None:
    assert format_date(date(2024, 2, 29)) == "2024-02-29"
    assert format_date(datetime(2024, 2, 29, 23, 0)) == "2024-02-29"
    assert quote_string("O'Brien \\ x\n") == "'O\\'Brien \\\\ x\\n'"
    assert validate_condition(f"Name = {quote_string(chr(39) + '; --')}")


@pytest.mark.parametrize(
    "text",
    [
        "Name = 'Bob\\'s BBQ'",
        "Name = 'back\\\\'",
        "Name LIKE 'Ter\\%%' OR Name LIKE 'a\\_b'",
        "Name = 'caf\\u00e9' AND Description = 'l1\\nl2\\t\\\"q\\\"'",
        "Name = '' OR Name = 'x'",
    ],
)
def test_validate_condition_soql_escapes_accepted(text: str) -> None:
    assert validate_condition(text) == text
