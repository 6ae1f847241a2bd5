"""REST query/queryAll: paging, batchSize, COUNT(), aggregates, relationships, errors."""

from __future__ import annotations

import re

from emulator import Emulator
from emulator.tests.helpers import API, Client, recorded, type_shape


def _all_pages(client: Client, soql: str, resource: str = "query", **kw: object) -> list[dict]:
    page = client.query(soql, resource, **kw).json()
    pages = [page]
    while not page["done"]:
        page = client.get(page["nextRecordsUrl"], **kw).json()
        pages.append(page)
    return pages


def test_query_pages_2000_with_next_records_url_until_done(client: Client) -> None:
    pages = _all_pages(client, "SELECT Id, Name FROM Account")
    assert [len(p["records"]) for p in pages] == [2000, 2000, 500]
    assert all(p["totalSize"] == 4500 for p in pages)
    assert "nextRecordsUrl" not in pages[-1]
    assert pages[0]["nextRecordsUrl"].startswith(f"{API}/query/01g")
    ids = [r["Id"] for p in pages for r in p["records"]]
    assert len(set(ids)) == 4500


def test_query_honours_batch_size_header_within_limits(client: Client) -> None:
    headers = {"Sforce-Query-Options": "batchSize=500"}
    pages = _all_pages(client, "SELECT Id FROM Account", headers=headers)
    assert [len(p["records"]) for p in pages][:2] == [500, 500]
    assert len(pages) == 9
    tiny = client.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=10"})
    assert len(tiny.json()["records"]) == 200


def test_query_record_shape_matches_recorded_simple_query(client: Client) -> None:
    expected = recorded("query/query.simple.v51.wiremock.heroku.json")
    body = client.query("SELECT Id, Name FROM Account LIMIT 2").json()
    assert set(body) == set(expected)
    assert type_shape(body["records"][0]["attributes"]) == type_shape(
        expected["records"][0]["attributes"]
    )
    assert list(body["records"][0]) == ["attributes", "Id", "Name"]


def test_query_nests_parent_relationship_like_recording(client: Client) -> None:
    expected = recorded("query/query.parent-relationship.wiremock.heroku.json")
    body = client.query("SELECT Id, Name, Owner.Name, Parent.Name FROM Account LIMIT 50").json()
    record = body["records"][0]
    assert set(record["Owner"]) == {"attributes", "Name"}
    assert record["Owner"]["attributes"]["type"] == "User"
    parents = [r["Parent"] for r in body["records"]]
    assert None in parents
    rel_recorded = next(
        v for v in expected["records"][0].values() if isinstance(v, dict) and "Name" in v
    )
    assert type_shape(rel_recorded["attributes"]) == type_shape(record["Owner"]["attributes"])


def test_query_value_formats_follow_rest_wire_format(client: Client) -> None:
    soql = (
        "SELECT Id, CreatedDate, Date__c, Time__c, Checkbox__c, Amount__c FROM X__c "
        "WHERE Time__c != null AND Amount__c != null AND Date__c != null LIMIT 1"
    )
    record = client.query(soql).json()["records"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000", record["CreatedDate"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", record["Date__c"])
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}Z", record["Time__c"])
    assert isinstance(record["Checkbox__c"], bool)
    assert isinstance(record["Amount__c"], float)


def test_query_blob_field_renders_as_url(client: Client) -> None:
    record = client.query("SELECT Id, Blob__c FROM X__c WHERE Name = 'X-000002'").json()["records"][
        0
    ]
    assert record["Blob__c"] is None or record["Blob__c"].endswith(f"/{record['Id']}/Blob__c")


def test_count_returns_total_size_and_no_records(client: Client) -> None:
    expected_keys = {"totalSize", "done", "records"}
    body = client.query("SELECT COUNT() FROM Account").json()
    assert set(body) == expected_keys
    assert body == {"totalSize": 4500, "done": True, "records": []}


def test_count_of_field_is_aggregate_result_like_recording(client: Client) -> None:
    expected = recorded("query/query.aggregate-count.cumulusci.json")
    body = client.query("SELECT COUNT(Id) FROM Account").json()
    assert type_shape(body) == type_shape(expected)
    assert body["records"][0]["expr0"] == 4500


def test_group_by_aggregates_per_value(client: Client) -> None:
    body = client.query("SELECT Rating, COUNT(Id) n FROM Account GROUP BY Rating").json()
    assert sum(r["n"] for r in body["records"]) == 4500
    assert {r["Rating"] for r in body["records"]} == {"Hot", "Warm", "Cold", None}


def test_where_order_limit_offset_are_applied(client: Client) -> None:
    soql = (
        "SELECT Id, Name, Industry FROM Account WHERE Industry IN ('Banking', 'Media') "
        "AND (Name LIKE 'Acme%' OR NOT Rating = 'Hot') ORDER BY Name DESC LIMIT 5 OFFSET 2"
    )
    records = client.query(soql).json()["records"]
    names = [r["Name"] for r in records]
    assert len(records) == 5
    assert names == sorted(names, key=str.casefold, reverse=True)
    assert {r["Industry"] for r in records} <= {"Banking", "Media"}


def test_datetime_window_filters_by_system_modstamp(client: Client) -> None:
    soql = (
        "SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= 2024-06-01T00:00:00Z "
        "AND SystemModstamp < 2024-07-01T00:00:00.000+0000 ORDER BY SystemModstamp ASC"
    )
    stamps = [r["SystemModstamp"] for r in _all_pages(client, soql)[0]["records"]]
    assert stamps and stamps == sorted(stamps)
    assert stamps[0] >= "2024-06-01" and stamps[-1] < "2024-07-01"


def test_query_all_includes_soft_deleted_rows_query_does_not(emu: Emulator, client: Client) -> None:
    record_id = client.query("SELECT Id FROM Account LIMIT 1").json()["records"][0]["Id"]
    assert client.delete(f"{API}/sobjects/Account/{record_id}").status_code == 204
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{record_id}'"
    assert client.query(soql).json()["totalSize"] == 0
    deleted = client.query(soql, "queryAll").json()
    assert deleted["records"][0]["IsDeleted"] is True
    assert client.query("SELECT COUNT() FROM Account", "queryAll").json()["totalSize"] == 4500
    assert client.query("SELECT COUNT() FROM Account").json()["totalSize"] == 4499


def test_query_all_locator_pages_follow(client: Client) -> None:
    pages = _all_pages(client, "SELECT Id FROM Account", "queryAll")
    assert sum(len(p["records"]) for p in pages) == 4500


def test_query_all_next_records_url_says_query_and_keeps_deleted_rows(
    emu: Emulator, client: Client
) -> None:
    # REST API Developer Guide, "QueryAll More Results": the nextRecordsUrl of a queryAll reply
    # contains query instead of queryAll; both resources continue it, deleted rows included.
    last = client.query("SELECT Id FROM Account ORDER BY Id DESC LIMIT 1").json()["records"][0]
    assert client.delete(f"{API}/sobjects/Account/{last['Id']}").status_code == 204
    first = client.query("SELECT Id, IsDeleted FROM Account", "queryAll").json()
    locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
    assert first["nextRecordsUrl"] == f"{API}/query/{locator}"
    for resource in ("query", "queryAll"):
        rows = list(first["records"])
        url = f"{API}/{resource}/{locator}"
        while True:
            page = client.get(url).json()
            rows += page["records"]
            if page["done"]:
                break
            url = page["nextRecordsUrl"]
        assert len(rows) == 4500
        assert [r["IsDeleted"] for r in rows if r["Id"] == last["Id"]] == [True]
        first = client.query("SELECT Id, IsDeleted FROM Account", "queryAll").json()
        locator = first["nextRecordsUrl"].rsplit("/", 1)[1]


def test_unknown_column_matches_recorded_invalid_field(client: Client) -> None:
    expected = recorded("errors/query-unknown-column.wiremock.heroku.json")
    reply = client.query("SELECT Bacon__c FROM Account LIMIT 2")
    assert reply.status_code == 400
    assert reply.json() == expected


def test_unknown_object_matches_recorded_invalid_type(client: Client) -> None:
    expected = recorded("errors/INVALID_TYPE.soql-unknown-sobject.v50.snowfakery.json")
    reply = client.query("SELECT Xyzzy FROM Xyzzy")
    assert reply.status_code == 400
    assert reply.json() == expected


def test_malformed_soql_matches_recording(client: Client) -> None:
    expected = recorded("errors/query-malformed-soql.wiremock.heroku.json")
    reply = client.query("SELEKT Name FROM Account")
    assert reply.status_code == 400
    assert reply.json() == expected


def test_missing_q_and_bad_locator_are_400(client: Client) -> None:
    missing = client.get(f"{API}/query")
    assert missing.status_code == 400
    assert missing.json()[0]["errorCode"] == "MALFORMED_QUERY"
    locator = client.get(f"{API}/query/01gDn0000009999IAA-2000")
    assert locator.status_code == 400
    assert locator.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_json_responses_are_gzipped_on_request(client: Client) -> None:
    reply = client.query("SELECT Id, Name FROM Account", headers={"Accept-Encoding": "gzip"})
    assert reply.headers["Content-Encoding"] == "gzip"
    assert len(reply.json()["records"]) == 2000


def test_child_subquery_nests_results_like_recording(client: Client) -> None:
    expected = recorded("query/query.parent-child-subquery.v53.wiremock.heroku.json")
    soql = (
        "SELECT Account.Name, (SELECT Contact.FirstName, Contact.LastName FROM Account.Contacts) "
        "FROM Account LIMIT 60"
    )
    body = client.query(soql).json()
    with_children = [r for r in body["records"] if r["Contacts"] is not None]
    assert with_children and any(r["Contacts"] is None for r in body["records"])
    assert type_shape(with_children[0]) == type_shape(expected["records"][0])
    assert list(with_children[0]) == ["attributes", "Name", "Contacts"]
    account_id = with_children[0]["attributes"]["url"].rsplit("/", 1)[1]
    direct = client.query(f"SELECT COUNT() FROM Contact WHERE AccountId = '{account_id}'").json()
    assert with_children[0]["Contacts"]["totalSize"] == direct["totalSize"]


def test_child_subquery_filters_orders_and_limits_per_parent(client: Client) -> None:
    soql = (
        "SELECT Id, (SELECT LastName FROM Contacts WHERE LastName != null ORDER BY LastName "
        "LIMIT 1) FROM Account WHERE Id IN (SELECT AccountId FROM Contact)"
    )
    reply = client.query(soql)
    assert reply.status_code == 200, reply.text  # the semi-join keeps accounts with contacts
    assert reply.json()["records"]
    assert all(r["Contacts"]["totalSize"] == 1 for r in reply.json()["records"])
    ordered = client.query(
        "SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 1) FROM Account LIMIT 80"
    ).json()
    sizes = {r["Contacts"]["totalSize"] for r in ordered["records"] if r["Contacts"]}
    assert sizes == {1}


def test_unknown_child_relationship_is_invalid_type(client: Client) -> None:
    reply = client.query("SELECT Id, (SELECT Id FROM Nopes) FROM Account")
    assert reply.status_code == 400
    assert reply.json()[0]["errorCode"] == "INVALID_TYPE"
    assert (
        "Didn't understand relationship 'Nopes' in FROM part of query call"
        in reply.json()[0]["message"]
    )


def test_oldest_locators_are_forgotten_beyond_the_cursor_cap(emu: Emulator, client: Client) -> None:
    emu.org.options.set("rest.max_open_cursors", 2)
    first = client.query("SELECT Id FROM Account").json()["nextRecordsUrl"]
    for _ in range(2):
        client.query("SELECT Id FROM Account")
    assert client.get(first).json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
