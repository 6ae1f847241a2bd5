"""Semi-join and anti-join sub-selects (issue #14 item 4): results, restrictions, error texts."""

from __future__ import annotations

import csv
import io
import time

import pytest

from emulator.catalog import build_schema
from emulator.core.org import Org
from emulator.http import SalesforceHttpError
from emulator.soql import parse
from emulator.soql.syntax import And, SemiJoin
from emulator.tests.helpers import API, Client

SCHEMA = build_schema()


@pytest.fixture(scope="module")
def org() -> Org:
    return Org(seed=3, datasets={"Account": 300, "Contact": 200, "Opportunity": 150})


def _ids(org: Org, soql: str) -> set[str]:
    return {row[0] for row in org.run_query(parse(soql, org.schema), False)}


def _values(org: Org, soql: str) -> set[str]:
    return {row[0] for row in org.run_query(parse(soql, org.schema), False) if row[0] is not None}


def test_semi_join_keeps_parents_that_have_matching_children(org: Org) -> None:
    with_contacts = _values(org, "SELECT AccountId FROM Contact")
    assert 0 < len(with_contacts) < 300
    got = _ids(org, "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)")
    assert got == with_contacts


def test_anti_join_keeps_the_others(org: Org) -> None:
    everyone = _ids(org, "SELECT Id FROM Account")
    semi = _ids(org, "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)")
    anti = _ids(org, "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)")
    assert anti == everyone - semi and not anti & semi


def test_sub_select_filters_and_reference_left_operand(org: Org) -> None:
    media = _ids(org, "SELECT Id FROM Account WHERE Industry = 'Media'")
    soql = (
        "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Industry = "
        "'Media') AND LastName != null"
    )
    expected = _ids(org, "SELECT Id FROM Contact WHERE Account.Industry = 'Media'")
    assert media and expected and _ids(org, soql) == expected


def test_two_semi_joins_may_be_and_ed(org: Org) -> None:
    soql = (
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) "
        "AND Id NOT IN (SELECT AccountId FROM Opportunity)"
    )
    query = parse(soql, SCHEMA)
    assert isinstance(query.where, And) and all(isinstance(i, SemiJoin) for i in query.where.items)
    contacts = _values(org, "SELECT AccountId FROM Contact")
    deals = _values(org, "SELECT AccountId FROM Opportunity")
    assert _ids(org, soql) == contacts - deals


@pytest.mark.parametrize(
    ("where", "code", "text"),
    [
        (
            "Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
            "MALFORMED_QUERY",
            "Semi join sub-selects are not allowed with the 'OR' operator",
        ),
        (
            "NOT Id IN (SELECT AccountId FROM Contact)",
            "MALFORMED_QUERY",
            "Semi join sub-selects are not allowed with the 'NOT' operator",
        ),
        (
            "Id IN (SELECT ParentId FROM Account)",
            "MALFORMED_QUERY",
            "The inner and outer selects should not be on the same object type",
        ),
        (
            "Name IN (SELECT LastName FROM Contact)",
            "MALFORMED_QUERY",
            "semi join sub-selects can only be compared with an id or reference field: 'Name'",
        ),
        (
            "Id IN (SELECT LastName FROM Contact)",
            "MALFORMED_QUERY",
            "semi join sub selects can only query id fields, cannot use: 'LastName'",
        ),
        (
            "Id IN (SELECT Account.Id FROM Contact)",
            "MALFORMED_QUERY",
            "semi join sub selects can only query id fields, cannot use: 'Account.Id'",
        ),
        (
            "Id IN (SELECT AccountId, LastName FROM Contact)",
            "MALFORMED_QUERY",
            "semi join sub selects can only query id fields",
        ),
        (
            "Id IN (SELECT COUNT() FROM Contact)",
            "MALFORMED_QUERY",
            "semi join sub selects can only query id fields",
        ),
        (
            "Id IN (SELECT AccountId FROM Contact ORDER BY LastName)",
            "MALFORMED_QUERY",
            "unexpected token: 'ORDER'",
        ),
        (
            "Id IN (SELECT AccountId FROM Contact LIMIT 5)",
            "MALFORMED_QUERY",
            "unexpected token: 'LIMIT'",
        ),
        (
            "Id IN (SELECT AccountId FROM Contact WHERE Id IN (SELECT ContactId FROM Case))",
            "MALFORMED_QUERY",
            "Nesting of semi join sub-selects is not supported",
        ),
        (
            "Id IN (SELECT OwnerId FROM Contact)",
            "MALFORMED_QUERY",
            "does not point to the same object type",
        ),
        (
            "Id IN (SELECT AccountId FROM Contact) AND Id IN (SELECT AccountId FROM Case) "
            "AND Id IN (SELECT AccountId FROM Opportunity)",
            "EXCEEDED_MAX_SEMIJOIN_SUBSELECTS",
            "No more than 2 semi join sub-selects are allowed",
        ),
    ],
)
def test_restrictions_are_refused_with_salesforce_texts(where: str, code: str, text: str) -> None:
    soql = f"SELECT Id FROM Account WHERE {where}"
    with pytest.raises(SalesforceHttpError) as info:
        parse(soql, SCHEMA)
    assert info.value.status == 400 and info.value.error_code == code
    assert text in info.value.message and "ERROR at Row:1:Column:" in info.value.message


def test_left_operand_cannot_use_a_relationship() -> None:
    with pytest.raises(SalesforceHttpError, match=r"id or reference field: 'Account\.Id'"):
        parse("SELECT Id FROM Contact WHERE Account.Id IN (SELECT AccountId FROM Case)", SCHEMA)


def test_semi_join_inside_a_parent_to_child_sub_query_is_refused() -> None:
    soql = (
        "SELECT Id, (SELECT Id FROM Contacts WHERE Id IN (SELECT ContactId FROM Case)) FROM Account"
    )
    with pytest.raises(SalesforceHttpError, match="Nesting of semi join sub-selects"):
        parse(soql, SCHEMA)


def test_rest_and_bulk_queries_answer_semi_joins(client: Client) -> None:
    soql = (
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName != null)"
    )
    rest = client.query(soql)
    assert rest.status_code == 200, rest.text
    direct = client.query("SELECT AccountId FROM Contact WHERE AccountId != null").json()
    expected = {r["AccountId"] for r in direct["records"]}
    assert {r["Id"] for r in rest.json()["records"]} == expected
    count = client.query(soql.replace("SELECT Id FROM Account", "SELECT COUNT() FROM Account"))
    assert count.json()["totalSize"] == len(expected)
    job = client.post(f"{API}/jobs/query", json={"operation": "query", "query": soql}).json()
    for _ in range(100):
        if client.get(f"{API}/jobs/query/{job['id']}").json()["state"] == "JobComplete":
            break
        time.sleep(0.05)
    text = client.get(f"{API}/jobs/query/{job['id']}/results").text
    assert {r["Id"] for r in csv.DictReader(io.StringIO(text, newline=""))} == expected
