"""SOQL parser and evaluator: the subset LHT and common clients send."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from emulator.catalog import build_schema
from emulator.core.org import Org
from emulator.core.query_exec import date_range
from emulator.http import SalesforceHttpError
from emulator.soql import parse
from emulator.soql.syntax import And, Cmp, DateLiteral, InList, Like, Not, Or

SCHEMA = build_schema()


@pytest.mark.parametrize(
    "literal",
    [
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00.000+00:00",
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00.000000Z",
        "2024-01-01T00:00:00.000+0000",
    ],
)
def test_parse_accepts_every_datetime_form_clients_send(literal: str) -> None:
    query = parse(f"SELECT Id FROM Account WHERE SystemModstamp >= {literal}", SCHEMA)
    assert query.where == Cmp("SystemModstamp", ">=", datetime(2024, 1, 1, tzinfo=UTC))


def test_parse_builds_where_tree_with_precedence() -> None:
    query = parse(
        "select id, owner.name from account where (name like 'A%' or industry in ('Banking')) "
        "and not rating = null order by name desc nulls last limit 10 offset 5",
        SCHEMA,
    )
    assert query.fields == ("Id", "Owner.Name")
    assert query.sobject == "Account"
    assert query.where == And(
        (
            Or((Like("Name", "A%"), InList("Industry", ("Banking",)))),
            Not(Cmp("Rating", "=", None)),
        )
    )
    assert (query.limit, query.offset) == (10, 5)
    assert query.order_by[0].ascending is False and query.order_by[0].nulls_first is False


def test_parse_flags_bulk_unsupported_constructs() -> None:
    query = parse(
        "SELECT Id, BillingAddress, (SELECT Id FROM Contacts) FROM Account OFFSET 3", SCHEMA
    )
    assert query.compound_fields == ("BillingAddress",)
    assert query.has_subquery and query.offset == 3
    assert parse("SELECT Blob__c, Location__c FROM X__c", SCHEMA).base64_fields == ("Blob__c",)
    assert parse("SELECT COUNT() FROM Lead", SCHEMA).is_count
    assert parse("SELECT MAX(Amount) FROM Opportunity", SCHEMA).has_aggregate
    assert parse("SELECT TYPEOF Owner WHEN User THEN Name END FROM Case", SCHEMA).has_typeof


def test_parse_date_literals_and_escapes() -> None:
    query = parse(
        "SELECT Id FROM Contact WHERE Birthdate = LAST_N_DAYS:30 AND Name = 'O\\'Hara'", SCHEMA
    )
    assert query.where == And(
        (Cmp("Birthdate", "=", DateLiteral("LAST_N_DAYS", 30)), Cmp("Name", "=", "O'Hara"))
    )


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Account LIMIT 'x'", "MALFORMED_QUERY", "ERROR at Row:1:Column:30"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD", "must be of type string"),
        ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01", "INVALID_FIELD", "type dateTime"),
        ("SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD", "can not be filtered"),
        ("SELECT Foo.Name FROM Account", "INVALID_FIELD", "Didn't understand relationship 'Foo'"),
        ("SELECT Id FROM Nope", "INVALID_TYPE", "sObject type 'Nope' is not supported"),
        ("", "MALFORMED_QUERY", "A query string has to be specified"),
    ],
)
def test_parse_errors_use_salesforce_codes_and_texts(soql: str, code: str, fragment: str) -> None:
    with pytest.raises(SalesforceHttpError) as caught:
        parse(soql, SCHEMA)
    assert caught.value.status == 400
    assert caught.value.error_code == code
    assert fragment in caught.value.message


def test_invalid_field_message_carries_caret_and_column() -> None:
    with pytest.raises(SalesforceHttpError) as caught:
        parse("SELECT Id, Foo__c FROM Account", SCHEMA)
    assert caught.value.message.startswith(
        "\nSELECT Id, Foo__c FROM Account\n           ^\nERROR at Row:1:Column:12\n"
    )
    assert "No such column 'Foo__c' on entity 'Account'" in caught.value.message


def test_date_literal_ranges() -> None:
    today = date(2024, 3, 15)
    assert date_range(DateLiteral("TODAY"), today) == (date(2024, 3, 15), date(2024, 3, 16))
    assert date_range(DateLiteral("LAST_N_DAYS", 2), today) == (
        date(2024, 3, 13),
        date(2024, 3, 16),
    )
    assert date_range(DateLiteral("THIS_MONTH"), today) == (date(2024, 3, 1), date(2024, 4, 1))
    assert date_range(DateLiteral("LAST_YEAR"), today) == (date(2023, 1, 1), date(2024, 1, 1))


def test_evaluation_is_case_insensitive_for_text_and_handles_nulls() -> None:
    org = Org(datasets={"Account": 300})
    try:
        lower = parse("SELECT Id FROM Account WHERE Industry = 'banking'", org.schema)
        upper = parse("SELECT Id FROM Account WHERE Industry = 'BANKING'", org.schema)
        assert org.count(lower, False) == org.count(upper, False) > 0
        nulls = org.count(parse("SELECT Id FROM Account WHERE Industry = null", org.schema), False)
        not_nulls = org.count(
            parse("SELECT Id FROM Account WHERE Industry != null", org.schema), False
        )
        assert nulls + not_nulls == 300 and nulls > 0
        not_banking = parse("SELECT Id FROM Account WHERE Industry != 'Banking'", org.schema)
        assert org.count(not_banking, False) == 300 - org.count(lower, False)
    finally:
        org.close()


def test_includes_matches_multipicklist_values() -> None:
    org = Org()
    try:
        rows = org.run_query(
            parse(
                "SELECT MultiPicklist__c FROM X__c WHERE MultiPicklist__c INCLUDES ('Red;Blue')",
                org.schema,
            ),
            False,
        )
        values = [r[0] for r in rows]
        assert values and all({"Red", "Blue"} <= set(v.split(";")) for v in values)
    finally:
        org.close()
