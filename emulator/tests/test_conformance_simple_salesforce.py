"""Unmodified simple-salesforce 1.12.10 against the emulator over HTTPS (issue 2, "Show it").

The client is used exactly as published: it always builds ``https://<host:port>`` URLs from the
instance URL, so the emulator serves TLS with a trustme CA that the requests session trusts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.adapters
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceMalformedRequest

from emulator import Emulator

pytestmark = pytest.mark.timeout(120)
API_VERSION = "62.0"
LOGIN_HOST = "https://login.salesforce.com"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator(
        seed=5,
        https=True,
        datasets={"Account": 2500, "Contact": 700, "X__c": 50},
    ).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def sf(emulator: Emulator) -> Salesforce:
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides `verify`
    session.verify = str(emulator.ca_cert_path)
    token = session.post(
        emulator.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        },
        timeout=30,
    ).json()
    assert token["instance_url"] == emulator.base_url
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=session,
        version=API_VERSION,
    )


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_query_returns_records_and_total_size(sf: Salesforce) -> None:
    result = sf.query("SELECT Id, Name FROM Account WHERE Name != null LIMIT 10")
    assert result["done"] is True
    assert result["totalSize"] == 10
    assert set(result["records"][0]) == {"attributes", "Id", "Name"}
    assert result["records"][0]["attributes"]["type"] == "Account"


def test_query_all_follows_next_records_url_over_three_pages(sf: Salesforce) -> None:
    seen: list[str] = []
    original = sf.query_more

    def counting_query_more(*args: object, **kwargs: object) -> object:
        seen.append(str(args[0]))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    sf.query_more = counting_query_more  # type: ignore[method-assign]
    try:
        result = sf.query_all(
            "SELECT Id, LastName FROM Contact",
            headers={"Sforce-Query-Options": "batchSize=200"},
        )
    finally:
        del sf.query_more
    assert result["totalSize"] == 700
    assert len({r["Id"] for r in result["records"]}) == 700
    assert len(seen) >= 3


def test_describe_reports_fields_with_types(sf: Salesforce) -> None:
    describe = sf.Account.describe()
    fields = {f["name"]: f for f in describe["fields"]}
    assert describe["name"] == "Account"
    assert fields["Id"]["type"] == "id"
    assert fields["AnnualRevenue"]["type"] == "currency"
    assert fields["BillingAddress"]["type"] == "address"


def test_malformed_query_raises_the_clients_malformed_request(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id, NoSuchField__c FROM Account")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_bulk2_query_reads_a_multi_page_job(sf: Salesforce) -> None:
    pages = list(
        sf.bulk2.Account.query(
            "SELECT Id, Name, AnnualRevenue, CreatedDate FROM Account", max_records=1000, wait=0
        )
    )
    assert len(pages) == 3
    rows = [row for page in pages for row in _csv_rows(page)]
    assert len(rows) == 2500
    assert len({row["Id"] for row in rows}) == 2500
    assert all(row["CreatedDate"].endswith("Z") for row in rows)
    assert all(page.startswith('"Id","Name","AnnualRevenue","CreatedDate"') for page in pages)


def test_bulk2_download_writes_one_file_per_page(sf: Salesforce, tmp_path: Path) -> None:
    results = sf.bulk2.Contact.download(
        "SELECT Id, LastName FROM Contact", path=str(tmp_path), max_records=300, wait=0
    )
    assert [r["number_of_records"] for r in results] == [300, 300, 100]
    assert results[-1]["locator"] == ""
    rows = [row for r in results for row in _csv_rows(Path(r["file"]).read_text())]
    assert len({row["Id"] for row in rows}) == 700


def test_bulk2_insert_reports_successful_and_failed_rows(sf: Salesforce) -> None:
    records = [
        {"Name": "Conformance A", "Count__c": "1"},
        {"Name": "Conformance B", "Count__c": "not a number"},
        {"Name": "Conformance C", "Count__c": "3"},
    ]
    (outcome,) = sf.bulk2.X__c.insert(records=records, wait=0)
    assert outcome["numberRecordsProcessed"] == 3
    assert outcome["numberRecordsFailed"] == 1
    ok = _csv_rows(sf.bulk2.X__c.get_successful_records(outcome["job_id"]))
    failed = _csv_rows(sf.bulk2.X__c.get_failed_records(outcome["job_id"]))
    assert sorted(r["Name"] for r in ok) == ["Conformance A", "Conformance C"]
    assert all(r["sf__Created"] == "true" and r["sf__Id"].startswith("a01") for r in ok)
    assert failed[0]["Name"] == "Conformance B"
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD:")
    found = sf.query("SELECT Name FROM X__c WHERE Name LIKE 'Conformance %'")
    assert found["totalSize"] == 2


def test_bulk2_upsert_creates_updates_and_fails_rows(sf: Salesforce) -> None:
    existing = sf.query("SELECT External_Id__c FROM X__c LIMIT 1")["records"][0]["External_Id__c"]
    records = [
        {"External_Id__c": existing, "Text__c": "updated by upsert"},
        {"External_Id__c": "CONF-NEW-1", "Name": "Upserted", "Text__c": "new"},
        {"External_Id__c": "CONF-NEW-2", "Name": "Bad pick", "Picklist__c": "NotAValue"},
    ]
    (outcome,) = sf.bulk2.X__c.upsert(records=records, external_id_field="External_Id__c", wait=0)
    assert (outcome["numberRecordsProcessed"], outcome["numberRecordsFailed"]) == (3, 1)
    ok = {r["External_Id__c"]: r for r in _csv_rows(
        sf.bulk2.X__c.get_successful_records(outcome["job_id"]))}  # fmt: skip
    assert ok[existing]["sf__Created"] == "false"
    assert ok["CONF-NEW-1"]["sf__Created"] == "true"
    failed = _csv_rows(sf.bulk2.X__c.get_failed_records(outcome["job_id"]))
    assert failed[0]["sf__Error"].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:")
    updated = sf.query(f"SELECT Text__c FROM X__c WHERE External_Id__c = '{existing}'")
    assert updated["records"][0]["Text__c"] == "updated by upsert"


def test_bulk2_unprocessed_records_path_is_accepted(sf: Salesforce) -> None:
    (outcome,) = sf.bulk2.Account.insert(records=[{"Name": "Unprocessed check"}], wait=0)
    text = sf.bulk2.Account.get_unprocessed_records(outcome["job_id"])
    assert text.splitlines() == ["Name"]


def test_is_sandbox_reads_the_organization_row(sf: Salesforce) -> None:
    assert sf.is_sandbox() is False
    org = sf.query("SELECT Id, Name, OrganizationType FROM Organization")["records"][0]
    assert org["Id"].startswith("00D") and org["OrganizationType"] == "Developer Edition"


class _LoginHostToEmulator(requests.adapters.HTTPAdapter):
    """The only change to the client's world: login.salesforce.com is the emulator."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        request.url = str(request.url).replace(LOGIN_HOST, self.base_url, 1)
        return super().send(request, **kwargs)


def _redirected_session(emulator: Emulator) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emulator.ca_cert_path)
    session.mount(LOGIN_HOST, _LoginHostToEmulator(emulator.base_url))
    return session


def test_soap_login_with_username_password_and_security_token(emulator: Emulator) -> None:
    emulator.org.options.set("soap.login_enabled", True)
    try:
        sf = Salesforce(
            username=emulator.username,
            password=emulator.password,
            security_token=emulator.security_token,
            session=_redirected_session(emulator),
            version=API_VERSION,
        )
        assert sf.sf_instance == emulator.base_url.removeprefix("https://")
        assert sf.is_sandbox() is False  # a REST query with the SOAP session id
        with pytest.raises(SalesforceAuthenticationFailed, match="INVALID_LOGIN"):
            Salesforce(
                username=emulator.username,
                password="wrong",
                security_token=emulator.security_token,
                session=_redirected_session(emulator),
                version=API_VERSION,
            )
    finally:
        emulator.org.options.set("soap.login_enabled", False)


def test_soap_login_in_a_new_org_fails_with_the_disabled_fault(emulator: Emulator) -> None:
    with pytest.raises(SalesforceAuthenticationFailed, match="disabled by default in this org"):
        Salesforce(
            username=emulator.username,
            password=emulator.password,
            security_token=emulator.security_token,
            session=_redirected_session(emulator),
            version=API_VERSION,
        )


def test_bulk_v1_query_returns_the_rows_rest_returns(sf: Salesforce) -> None:
    soql = "SELECT Id, Name, CreatedDate, Owner.Name FROM Account WHERE Industry = 'Media'"
    rows = sf.bulk.Account.query(soql, lazy_operation=False)
    rest = sf.query_all(soql)["records"]
    assert sorted(r["Id"] for r in rows) == sorted(r["Id"] for r in rest) and rows
    first = next(r for r in rest if r["Id"] == rows[0]["Id"])
    assert rows[0]["attributes"]["type"] == "Account" and isinstance(rows[0]["CreatedDate"], int)
    assert rows[0]["Owner"]["Name"] == first["Owner"]["Name"]


def test_bulk_v1_dml_reports_each_row(sf: Salesforce) -> None:
    inserted = sf.bulk.Contact.insert([{"LastName": "BulkOne"}, {"FirstName": "NoLastName"}])
    assert [r["success"] for r in inserted] == [True, False]
    assert inserted[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    new_id = inserted[0]["id"]
    updated = sf.bulk.Contact.update([{"Id": new_id, "FirstName": "Ann"}])
    assert updated == [{"success": True, "created": False, "id": new_id, "errors": []}]
    assert sf.Contact.get(new_id)["Name"] == "Ann BulkOne"
    upserted = sf.bulk.X__c.upsert([{"External_Id__c": "bulk-v1-1", "Name": "u"}], "External_Id__c")
    assert upserted[0]["created"] is True
    assert sf.bulk.Contact.delete([{"Id": new_id}])[0]["success"] is True
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{new_id}'"
    assert [r["IsDeleted"] for r in sf.bulk.Contact.query_all(soql, lazy_operation=False)] == [True]
    assert sf.bulk.Contact.query(soql, lazy_operation=False) == []
