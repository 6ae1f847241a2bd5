from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sf_replay import FIXTURES, Canned, ReplayAdapter, json_response, make_client, token_response

from lht.errors import ConfigError, SalesforceError, SalesforceUnsupported
from lht.salesforce.rest import flatten_record, selected_paths


def fixture(name: str) -> Canned:
    return Canned(200, (FIXTURES / name).read_bytes(), {"Content-Type": "application/json"})


def query_of(adapter: ReplayAdapter, index: int) -> dict[str, list[str]]:
    return parse_qs(urlsplit(adapter.requests[index].url or "").query)


def test_query_records_follows_next_records_url_across_batches() -> None:
    pages = [
        fixture(f"query/query.batch-{n}-of-4.nextRecordsUrl.v57.netcoreforce.json")
        for n in range(1, 5)
    ]
    adapter = ReplayAdapter(token_response(), *pages)
    records = list(make_client(adapter).query_records("SELECT Id FROM Contact"))
    assert len(records) == 800
    assert all(set(r) == {"Id"} for r in records)
    assert adapter.paths[1:] == [
        "GET /services/data/v62.0/queryAll",
        "GET /services/data/v57.0/query/01gC000006QJJ7fIAH-200",
        "GET /services/data/v57.0/query/01gC000006QJJ7fIAH-400",
        "GET /services/data/v57.0/query/01gC000006QJJ7fIAH-600",
    ]
    assert query_of(adapter, 1) == {"q": ["SELECT Id FROM Contact"]}
    assert query_of(adapter, 2) == {}


def test_query_records_streams_page_by_page() -> None:
    pages = [
        fixture(f"query/query.batch-{n}-of-4.nextRecordsUrl.v57.netcoreforce.json")
        for n in range(1, 5)
    ]
    adapter = ReplayAdapter(token_response(), *pages)
    iterator = make_client(adapter).query_records("SELECT Id FROM Contact")
    for _ in range(200):
        next(iterator)
    assert len(adapter.requests) == 2  # the second page is not fetched until needed


def test_query_records_without_deleted_uses_query_and_batch_size_header() -> None:
    adapter = ReplayAdapter(
        token_response(), fixture("query/query.relationship-fields.Case.v57.netcoreforce.json")
    )
    soql = (
        "SELECT Id, CaseNumber, SystemModstamp, Account.Name, Account.SystemModstamp, "
        "Contact.Name, Contact.SystemModstamp FROM Case"
    )
    records = list(make_client(adapter).query_records(soql, include_deleted=False, batch_size=500))
    assert adapter.paths[1] == "GET /services/data/v62.0/query"
    assert adapter.requests[1].headers["Sforce-Query-Options"] == "batchSize=500"
    assert records[0] == {
        "Id": "500i000000171NZAAY",
        "CaseNumber": "00001000",
        "SystemModstamp": "2013-04-04T20:52:22.000+0000",
        "Account.Name": "Edge Communications",
        "Account.SystemModstamp": "2013-04-04T20:52:22.000+0000",
        "Contact.Name": "Rose Gonzalez",
        "Contact.SystemModstamp": "2013-04-04T20:52:22.000+0000",
    }
    assert all(set(r) == set(records[0]) for r in records)


def test_flatten_record_nested_parents_null_lookup_and_compound_values() -> None:
    record = {
        "attributes": {"type": "Contact"},
        "Id": "003",
        "Account": {
            "attributes": {"type": "Account"},
            "Name": "A",
            "Owner": {"attributes": {"type": "User"}, "Name": "Jane"},
        },
        "ReportsTo": None,
        "MailingAddress": {"city": "SF", "street": None},
    }
    assert flatten_record(record) == {
        "Id": "003",
        "Account.Name": "A",
        "Account.Owner.Name": "Jane",
        "ReportsTo": None,
        "MailingAddress": {"city": "SF", "street": None},
    }


def test_query_records_null_parent_expanded_to_selected_dotted_keys() -> None:
    body = {
        "totalSize": 1,
        "done": True,
        "records": [{"attributes": {"type": "Case"}, "Id": "500", "Account": None}],
    }
    adapter = ReplayAdapter(token_response(), json_response(body))
    records = list(make_client(adapter).query_records("SELECT Id, Account.Name FROM Case"))
    assert records == [{"Id": "500", "Account.Name": None}]


def test_selected_paths_simple_and_subquery() -> None:
    assert selected_paths("SELECT Id, Owner.Name,Account.Parent.Name FROM X") == (
        "Owner.Name",
        "Account.Parent.Name",
    )
    assert selected_paths("SELECT Id, (SELECT Id FROM Contacts) FROM Account") == ()


def test_count_uses_count_query_and_total_size() -> None:
    adapter = ReplayAdapter(
        token_response(), json_response({"totalSize": 1234, "done": True, "records": []})
    )
    client = make_client(adapter)
    assert client.count("Account", "Industry = 'Banking'") == 1234
    assert query_of(adapter, 1) == {"q": ["SELECT COUNT() FROM Account WHERE Industry = 'Banking'"]}
    assert adapter.paths[1] == "GET /services/data/v62.0/queryAll"


def test_count_bad_where_raises_before_any_request() -> None:
    adapter = ReplayAdapter()
    with pytest.raises(ConfigError):
        make_client(adapter).count("Account", "1=1; DROP")
    assert adapter.requests == []


def test_describe_parses_fixture_and_rejects_bad_object_name_without_request() -> None:
    adapter = ReplayAdapter(
        token_response(), fixture("describe/Account.describe.v48.cumulusci.json")
    )
    client = make_client(adapter)
    account = client.describe("Account")
    assert account.name == "Account" and account.field("Name") is not None
    assert adapter.paths[1] == "GET /services/data/v62.0/sobjects/Account/describe"
    with pytest.raises(ConfigError):
        client.describe("Account/../limits")
    assert len(adapter.requests) == 2


def test_collection_upsert_chunks_by_200_and_returns_results_as_data() -> None:
    ok = json.loads(
        (FIXTURES / "rest/composite.sobjects.upsert-created.cumulusci.json").read_text()
    )
    failed = {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    first = [ok[0]] * 199 + [failed]
    adapter = ReplayAdapter(token_response(), json_response(first), json_response([ok[1]] * 50))
    records = [{"Ext__c": f"X{i}", "LastName": "L"} for i in range(250)]
    results = make_client(adapter).collection_upsert("Contact", "Ext__c", records)
    assert len(results) == 250
    assert results[0].success and results[0].created is True
    assert not results[199].success and results[199].id is None
    assert (
        results[199].error_text == "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]"
    )
    assert adapter.paths[1] == "PATCH /services/data/v62.0/composite/sobjects/Contact/Ext__c"
    sent = json.loads(adapter.requests[1].body or b"")
    assert len(sent["records"]) == 200 and sent["allOrNone"] is False
    assert sent["records"][0] == {
        "attributes": {"type": "Contact"},
        "Ext__c": "X0",
        "LastName": "L",
    }


def test_collection_result_count_mismatch_raises() -> None:
    adapter = ReplayAdapter(token_response(), json_response([]))
    with pytest.raises(SalesforceError, match="0 result"):
        make_client(adapter).collection_update("Account", [{"Id": "001000000000001AAA"}])


def test_collection_delete_sends_ids_query_and_parses_results() -> None:
    body = [
        {"id": "001000000000001AAA", "success": True, "errors": []},
        {
            "id": "001000000000002AAA",
            "success": False,
            "errors": [
                {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}
            ],
        },
    ]
    adapter = ReplayAdapter(token_response(), json_response(body))
    results = make_client(adapter).collection_delete(["001000000000001AAA", "001000000000002AAA"])
    assert [r.success for r in results] == [True, False]
    assert query_of(adapter, 1) == {
        "ids": ["001000000000001AAA,001000000000002AAA"],
        "allOrNone": ["false"],
    }


def test_collection_delete_id_with_comma_rejected_before_request() -> None:
    adapter = ReplayAdapter(token_response())
    with pytest.raises(ConfigError, match="record Id"):
        make_client(adapter).collection_delete(["001000000000001AAA,x"])
    assert len(adapter.requests) == 0


def test_query_records_soql_beyond_uri_limit_raises_unsupported_without_request() -> None:
    adapter = ReplayAdapter()
    fields = ", ".join(f"Field_{n:04d}__c" for n in range(1200))
    with pytest.raises(SalesforceUnsupported, match="URI limit"):
        next(make_client(adapter).query_records(f"SELECT {fields} FROM Account"))
    assert adapter.requests == []


def test_describe_global_parses_recorded_fixture() -> None:
    adapter = ReplayAdapter(
        token_response(), fixture("describe_global/sobjects.describeGlobal.v48.cumulusci.full.json")
    )
    objects = make_client(adapter).describe_global()
    assert len(objects) == 787
    by_name = {o.name: o for o in objects}
    assert by_name["Account"].queryable and by_name["Account"].key_prefix == "001"
    assert not by_name["AcceptedEventRelation"].replicateable
    assert adapter.paths[1] == "GET /services/data/v62.0/sobjects/"
