"""Versions, resources, describeGlobal, describe, limits: shapes vs recorded real responses."""

from __future__ import annotations

from email.utils import format_datetime

import requests

from emulator import Emulator
from emulator.tests.helpers import API, TIMEOUT, Client, recorded, recorded_response, type_shape


def test_versions_list_is_public_oldest_first_without_limit_info(emu: Emulator) -> None:
    reply = requests.get(emu.base_url + "/services/data/", timeout=TIMEOUT)
    assert reply.status_code == 200
    versions = reply.json()
    assert versions[0]["version"] == "50.0" and versions[-1]["version"] == "66.0"
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions
    assert "Sforce-Limit-Info" not in reply.headers


def test_resources_by_version_are_relative_paths_identity_absolute(client: Client) -> None:
    body = client.get(f"{API}/").json()
    assert body["sobjects"] == f"{API}/sobjects"
    assert body["query"] == f"{API}/query"
    assert body["identity"].startswith("http")


def test_describe_global_has_recorded_keys_and_types(client: Client) -> None:
    expected = recorded("describe_global/sobjects.describeGlobal.v48.cumulusci.Account-only.json")
    body = client.get(f"{API}/sobjects/").json()
    assert set(body) == set(expected)
    account = type_shape(next(s for s in body["sobjects"] if s["name"] == "Account"))
    recorded_account = type_shape(expected["sobjects"][0])
    assert {k: account[k] for k in recorded_account} == recorded_account
    names = {s["name"] for s in body["sobjects"]}
    assert {"Account", "Contact", "Opportunity", "Lead", "Case", "User", "X__c"} <= names


def test_describe_field_keys_cover_recorded_describe(client: Client) -> None:
    recorded_body = recorded("describe/Lead.describe.v59.cumulusci.json")
    body = client.get(f"{API}/sobjects/Account/describe/").json()
    assert set(recorded_body) <= set(body)
    recorded_field = recorded_body["fields"][0]
    for field in body["fields"]:
        assert set(recorded_field) <= set(field)
    id_field = next(f for f in body["fields"] if f["name"] == "Id")
    rec_id = next(f for f in recorded_body["fields"] if f["name"] == "Id")
    for key in ("type", "soapType", "length", "byteLength", "nillable", "idLookup", "createable"):
        assert id_field[key] == rec_id[key], key


def test_describe_value_types_match_recorded_account(client: Client) -> None:
    recorded_body = recorded("describe/Account.describe.v48.cumulusci.json")
    body = client.get(f"{API}/sobjects/Account/describe").json()
    ours = {f["name"]: f for f in body["fields"]}
    for rec in recorded_body["fields"]:
        if rec["name"] in ("Name", "BillingCity", "BillingAddress", "AnnualRevenue", "OwnerId"):
            mine = ours[rec["name"]]
            for key in ("type", "soapType", "compoundFieldName", "referenceTo", "relationshipName"):
                assert mine[key] == rec[key], (rec["name"], key)


def test_x_object_describe_covers_every_field_type(client: Client) -> None:
    fields = client.get(f"{API}/sobjects/X__c/describe").json()["fields"]
    types = {f["type"] for f in fields}
    assert {
        "id",
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "email",
        "phone",
        "url",
        "encryptedstring",
        "boolean",
        "double",
        "currency",
        "percent",
        "int",
        "date",
        "datetime",
        "time",
        "base64",
        "location",
        "reference",
    } <= types
    by_name = {f["name"]: f for f in fields}
    assert by_name["Total__c"]["calculated"] and by_name["Total__c"]["calculatedFormula"]
    assert by_name["Location__Latitude__s"]["compoundFieldName"] == "Location__c"
    assert by_name["External_Id__c"]["externalId"] and by_name["External_Id__c"]["idLookup"]
    assert by_name["LongText__c"]["length"] == 131072 and not by_name["LongText__c"]["filterable"]
    assert by_name["Account__c"]["relationshipName"] == "Account__r"


def test_unknown_sobject_describe_is_404_not_found(client: Client) -> None:
    reply = client.get(f"{API}/sobjects/Nope__c/describe")
    assert reply.status_code == 404
    assert reply.json() == recorded("errors/create-unknown-object.wiremock.heroku.json")


def test_basic_info_wraps_object_describe(client: Client) -> None:
    body = client.get(f"{API}/sobjects/Contact").json()
    assert set(body) == {"objectDescribe", "recentItems"}
    assert body["objectDescribe"]["keyPrefix"] == "003"


def test_if_modified_since_gives_304_until_schema_changes(emu: Emulator, client: Client) -> None:
    later = format_datetime(emu.org.clock.now().replace(microsecond=0), usegmt=True)
    headers = {"If-Modified-Since": later}
    assert client.get(f"{API}/sobjects/Account/describe", headers=headers).status_code == 304
    emu.org.clock.advance(5)
    requests.post(
        emu.base_url + "/__emulator/schema/fields",
        json={"sobject": "Account", "name": "Tier__c", "type": "string", "length": 20},
        timeout=TIMEOUT,
    )
    reply = client.get(f"{API}/sobjects/Account/describe", headers=headers)
    assert reply.status_code == 200
    assert "Tier__c" in {f["name"] for f in reply.json()["fields"]}


def test_limits_remaining_consistent_with_limit_info_header(client: Client) -> None:
    expected = recorded("limits/limits.c2017.camel.json")
    reply = client.get(f"{API}/limits/")
    body = reply.json()
    used, maximum = reply.headers["Sforce-Limit-Info"].removeprefix("api-usage=").split("/")
    assert body["DailyApiRequests"] == {"Max": int(maximum), "Remaining": int(maximum) - int(used)}
    for key in set(body) & set(expected):
        assert type_shape(body[key]) == type_shape(expected[key]), key
    assert {"DailyBulkV2QueryJobs", "DailyBulkV2QueryFileStorageMB"} <= set(body)


def test_limit_info_header_format_matches_recording(client: Client) -> None:
    recorded_header = recorded_response("errors/query-malformed-soql.wiremock.heroku.json")[
        "headers"
    ]
    reply = client.query("SELECT Id FROM Account LIMIT 1")
    assert reply.headers["Content-Type"] == recorded_header["Content-Type"]
    assert reply.headers["Cache-Control"] == recorded_header["Cache-Control"]
    pattern = r"^api-usage=\d+/\d+$"
    assert __import__("re").match(pattern, reply.headers["Sforce-Limit-Info"])
    assert __import__("re").match(pattern, recorded_header["Sforce-Limit-Info"])


def test_per_app_usage_suffix_is_opt_in(emu: Emulator, client: Client) -> None:
    emu.org.options.set("http.per_app_usage", "lht")
    header = client.get(f"{API}/limits").headers["Sforce-Limit-Info"]
    assert header.endswith("; per-app-api-usage=1/250(appName=lht)")


def test_unserved_version_is_404_like_recording(client: Client) -> None:
    expected = recorded("errors/create-invalid-api-version.wiremock.heroku.json")
    reply = client.get("/services/data/v20.0/sobjects")
    assert reply.status_code == 404
    assert reply.json() == expected
    bad = client.post(
        "/services/data/viAmABadVersion/sobjects/Account", json={"name": "Global Media"}
    )
    assert bad.status_code == 404


def test_wrong_method_is_405(client: Client) -> None:
    reply = client.request("PUT", f"{API}/limits")
    assert reply.status_code == 405
    assert reply.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_head_is_answered_like_get_without_body(client: Client) -> None:
    reply = client.request("HEAD", f"{API}/limits")
    assert reply.status_code == 200
    assert reply.content == b""


def test_oversize_uri_and_headers_are_refused(client: Client) -> None:
    long_query = "SELECT Id FROM Account WHERE Name = '" + "x" * 17000 + "'"
    assert client.query(long_query).status_code == 414
    big_header = {"X-Padding": "y" * 16000, "X-More": "z" * 1000}
    assert client.get(f"{API}/limits", headers=big_header).status_code == 431
