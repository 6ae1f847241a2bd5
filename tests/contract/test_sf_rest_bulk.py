"""REST query/describe/count and Bulk 2.0 query jobs against the emulator."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sf_contract import DATASETS, FakeTime, add_fault, set_option

from lht.errors import SalesforceJobFailed, SalesforceRequestError, SalesforceUnavailable
from lht.salesforce.client import SalesforceClient
from lht.salesforce.soql import build_select


def rows_of(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def test_describe_account_has_watermark_and_bulk_fields(client: SalesforceClient) -> None:
    account = client.describe("Account")
    assert account.name == "Account" and account.queryable
    assert account.watermark_field == "SystemModstamp"
    bulk_names = {f.name for f in account.bulk_queryable_fields}
    assert "Id" in bulk_names and "BillingAddress" not in bulk_names


def test_count_matches_rest_query_and_honours_where(client: SalesforceClient) -> None:
    total = client.count("Account")
    assert total >= DATASETS["Account"]
    ids = [r["Id"] for r in client.query_records("SELECT Id FROM Account", batch_size=500)]
    assert len(ids) == total == len(set(ids))
    live = client.count("Account", "IsDeleted = false", include_deleted=True)
    assert live == client.count("Account", include_deleted=False)


def test_query_records_pages_with_small_batch_size_and_flattens_parents(
    client: SalesforceClient,
) -> None:
    soql = build_select("Contact", ["Id", "LastName", "Account.Name", "Owner.Name"])
    records = list(client.query_records(soql, batch_size=200))
    assert len(records) == client.count("Contact")
    assert all(set(r) == {"Id", "LastName", "Account.Name", "Owner.Name"} for r in records)
    assert client.usage.calls >= 3  # count + at least two pages


def test_bulk_query_multi_page_download_equals_rest_query(client: SalesforceClient) -> None:
    soql = build_select("Account", ["Id", "Name", "AnnualRevenue", "SystemModstamp"])
    job = client.bulk_query(soql, max_records=1000)
    pages = list(job.pages())
    job.delete()
    assert len(pages) >= 3
    assert all(p.header == ["Id", "Name", "AnnualRevenue", "SystemModstamp"] for p in pages)
    assert [p.locator is None for p in pages] == [False] * (len(pages) - 1) + [True]
    bulk_ids = [row["Id"] for p in pages for row in rows_of(p.raw)]
    assert sum(p.records for p in pages) == len(bulk_ids)
    rest_ids = [r["Id"] for r in client.query_records(soql)]
    assert sorted(bulk_ids) == sorted(rest_ids)


def test_bulk_query_job_deleted_after_success_is_gone(client: SalesforceClient) -> None:
    job = client.bulk_query("SELECT Id FROM Opportunity")
    list(job.pages())
    job.delete()
    with pytest.raises(SalesforceRequestError) as info:
        client.delete_job("query", job.id)
    assert info.value.status == 404


def test_bulk_query_polls_through_in_progress(
    client: SalesforceClient, emu: Any, fake_time: FakeTime
) -> None:
    set_option(emu, "bulk.polls_in_progress", 3)
    job = client.bulk_query("SELECT Id FROM Opportunity")
    assert job.info["state"] == "JobComplete"
    assert len(fake_time.sleeps) >= 3


def test_bulk_query_failed_job_raises_with_id_and_message(
    client: SalesforceClient, emu: Any
) -> None:
    set_option(emu, "bulk.force_fail_message", "InternalServerError: retried more than 15 times")
    with pytest.raises(SalesforceJobFailed, match="retried more than 15 times") as info:
        client.bulk_query("SELECT Id FROM Account")
    assert info.value.job_id and info.value.job_id.startswith("750")
    assert info.value.job_id in str(info.value)


def test_bulk_query_poll_timeout_aborts_job(client: SalesforceClient, emu: Any) -> None:
    set_option(emu, "bulk.polls_in_progress", 1000)
    with pytest.raises(SalesforceJobFailed, match="aborted") as info:
        client.bulk_query("SELECT Id FROM Account", poll_timeout=5.0)
    states = {j["id"]: j["state"] for j in client.list_jobs("query")}
    assert states[info.value.job_id] == "Aborted"


def test_bulk_query_truncated_page_is_downloaded_again(
    client: SalesforceClient, emu: Any, fake_time: FakeTime
) -> None:
    job = client.bulk_query("SELECT Id, Name FROM Account", max_records=1000)
    add_fault(emu, kind="truncate", path="/results", after_bytes=500, nth=2, count=1)
    pages = list(job.pages())
    total = sum(len(rows_of(p.raw)) for p in pages)
    assert total == sum(p.records for p in pages) == client.count("Account")
    assert len(fake_time.sleeps) == 1


def test_bulk_query_always_truncated_page_raises(client: SalesforceClient, emu: Any) -> None:
    job = client.bulk_query("SELECT Id, Name FROM Account", max_records=1000)
    add_fault(emu, kind="truncate", path="/results", after_bytes=500, count=0)
    with pytest.raises(SalesforceUnavailable, match=job.id):
        list(job.pages())


def test_bulk_query_5xx_on_results_page_is_retried(client: SalesforceClient, emu: Any) -> None:
    job = client.bulk_query("SELECT Id FROM Account", max_records=1000)
    add_fault(emu, kind="status", status=503, path="/results", nth=2, count=2)
    assert sum(p.records for p in job.pages()) == client.count("Account")


def test_bulk_query_unsupported_compound_field_raises_unsupported(
    client: SalesforceClient,
) -> None:
    from lht.errors import SalesforceUnsupported  # noqa: PLC0415

    with pytest.raises(SalesforceUnsupported, match="compound"):
        client.bulk_query("SELECT Id, BillingAddress FROM Account")


@pytest.mark.parametrize("sobject", ["Account", "Contact", "Opportunity", "Lead", "Case", "X__c"])
def test_bulk_query_all_bulk_queryable_fields_header_matches_describe(
    client: SalesforceClient, sobject: str
) -> None:
    described = client.describe(sobject)
    names = [f.name for f in described.bulk_queryable_fields]
    job = client.bulk_query(build_select(sobject, names))
    pages = list(job.pages())
    job.delete()
    assert all(p.header == names for p in pages if p.records)
    assert sum(p.records for p in pages) == client.count(sobject)


def test_describe_global_lists_emulated_objects(client: SalesforceClient) -> None:
    names = {o.name for o in client.describe_global() if o.queryable}
    assert {"Account", "Contact", "Opportunity", "X__c"} <= names
