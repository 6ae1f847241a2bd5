from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sf_replay import (
    FIXTURES,
    Canned,
    FakeTime,
    ReplayAdapter,
    json_response,
    make_client,
    token_response,
    wiremock,
)

from lht.errors import ConfigError, SalesforceJobFailed, SalesforceUnavailable
from lht.salesforce.bulk import PollPolicy, count_csv_records, parse_header

JOB = "750R0000000zlh9IAA"
SOQL = "SELECT Id, Name FROM Account"


def job_info(state: str, **extra: object) -> Canned:
    return json_response(
        {"id": JOB, "object": "Account", "operation": "queryAll", "state": state, **extra}
    )


def csv_page(body: bytes, records: int | None, locator: str = "null", **kw: object) -> Canned:
    headers = {"Content-Type": "text/csv", "Sforce-Locator": locator}
    if records is not None:
        headers["Sforce-NumberOfRecords"] = str(records)
    return Canned(200, body, headers, **kw)  # type: ignore[arg-type]


PAGE1 = b'"Id","Name"\n"001A","Acme ""Global"""\n"001B","multi\nline"\n'
PAGE2 = b'"Id","Name"\n"001C",""\n'


def test_count_csv_records_quotes_newlines_and_truncation() -> None:
    assert count_csv_records(PAGE1) == (2, True)
    assert count_csv_records(b"") == (0, True)
    assert count_csv_records(b'"Id"\n') == (0, True)
    assert count_csv_records(b'"Id"\r\n"1"\r\n') == (1, True)
    assert count_csv_records(PAGE1[:-1])[1] is False
    assert count_csv_records(b'"Id","Name"\n"001A","cut\n')[1] is False
    assert count_csv_records(b'"Id","Name"\n"001A","x"\n"001B"')[1] is False


def test_parse_header_quoted_unquoted_bom_and_empty() -> None:
    assert parse_header(PAGE1) == ["Id", "Name"]
    assert parse_header(b"\xef\xbb\xbfId,Owner.Name\r\n1,2\r\n") == ["Id", "Owner.Name"]
    assert parse_header(b"") == []


def test_bulk_query_polls_then_downloads_pages_by_locator() -> None:
    fake = FakeTime()
    adapter = ReplayAdapter(
        token_response(),
        job_info("UploadComplete"),
        job_info("InProgress"),
        job_info("InProgress"),
        job_info("JobComplete", numberRecordsProcessed=3),
        csv_page(PAGE1, 2, locator="MTAwMDA"),
        csv_page(PAGE2, 1, gzip_body=True),
        Canned(204),
    )
    client = make_client(adapter, fake)
    client.poll = PollPolicy(fraction=2.0, min_interval=1.0, max_interval=3.0)
    job = client.bulk_query(SOQL, max_records=2)
    pages = list(job.pages())
    job.delete()
    assert [(p.header, p.records, p.locator) for p in pages] == [
        (["Id", "Name"], 2, "MTAwMDA"),
        (["Id", "Name"], 1, None),
    ]
    assert pages[0].raw == PAGE1 and pages[1].raw == PAGE2
    assert fake.sleeps == [1.0, 2.0]
    created = json.loads(adapter.requests[1].body or b"")
    assert created == {
        "operation": "queryAll",
        "query": SOQL,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    assert adapter.requests[5].url.endswith(f"/jobs/query/{JOB}/results?maxRecords=2")  # type: ignore[union-attr]
    assert "locator=MTAwMDA" in (adapter.requests[6].url or "")
    assert adapter.paths[-1] == f"DELETE /services/data/v62.0/jobs/query/{JOB}"
    assert job.records_processed == 3


def test_bulk_query_include_deleted_false_uses_query_operation() -> None:
    adapter = ReplayAdapter(token_response(), job_info("UploadComplete"), job_info("JobComplete"))
    make_client(adapter).bulk_query(SOQL, include_deleted=False)
    assert json.loads(adapter.requests[1].body or b"")["operation"] == "query"


def test_bulk_query_failed_job_raises_with_job_id_and_error_message() -> None:
    adapter = ReplayAdapter(
        token_response(),
        job_info("UploadComplete"),
        job_info("Failed", errorMessage="Failed to process query: retried more than 15 times"),
    )
    with pytest.raises(SalesforceJobFailed, match=f"{JOB}.*Failed.*retried more than 15") as info:
        make_client(adapter).bulk_query(SOQL)
    assert info.value.job_id == JOB and info.value.state == "Failed"


def test_bulk_query_poll_timeout_aborts_job_and_raises() -> None:
    fake = FakeTime()
    polls = [job_info("InProgress") for _ in range(5)]
    adapter = ReplayAdapter(
        token_response(), job_info("UploadComplete"), *polls, job_info("Aborted")
    )
    client = make_client(adapter, fake)
    client.poll = PollPolicy(fraction=0.0, min_interval=2.0, max_interval=2.0)
    with pytest.raises(SalesforceJobFailed, match=r"after 7s \(5 polls\); aborted"):
        client.bulk_query(SOQL, poll_timeout=7.0)
    assert adapter.paths[-1] == f"PATCH /services/data/v62.0/jobs/query/{JOB}"
    assert json.loads(adapter.requests[-1].body or b"") == {"state": "Aborted"}
    assert fake.now == 7.0  # the last poll lands on the deadline, not before or after it


def job_finishing_at(seconds: float, fake: FakeTime) -> Callable[[Any], Canned]:
    """Job info as a job that completes ``seconds`` after creation answers it."""
    return lambda _req: job_info("JobComplete" if fake.now >= seconds else "InProgress")


@pytest.mark.parametrize("seconds", [0.3, 1.5, 4.0, 9.9, 10.0, 37.0, 125.0, 600.0, 3599.0])
def test_bulk_query_default_polling_notices_completion_within_10pct_or_1s(seconds: float) -> None:
    fake = FakeTime()
    responder = job_finishing_at(seconds, fake)
    adapter = ReplayAdapter(token_response(), job_info("UploadComplete"),
                            *[responder] * 200)  # fmt: skip
    make_client(adapter, fake).bulk_query(SOQL)
    overshoot = fake.now - seconds
    assert 0 <= overshoot <= max(1.0, 0.1 * seconds) + 1e-9
    polls = len(adapter.requests) - 2
    assert polls == PollPolicy().polls_within(seconds)


def test_poll_policy_polls_grow_logarithmically_and_are_bounded() -> None:
    policy = PollPolicy()
    counts = {s: policy.polls_within(s) for s in (10, 60, 600, 3600)}
    assert counts == {10: 11, 60: 30, 600: 54, 3600: 82}  # README "Job polling"
    assert [policy.wait(t) for t in (0, 5, 10, 100, 5000)] == [1.0, 1.0, 1.0, 10.0, 120.0]
    with pytest.raises(ConfigError):
        PollPolicy(min_interval=5.0, max_interval=1.0)


def completed_job(*pages: Canned | BaseException, fake: FakeTime | None = None):  # type: ignore[no-untyped-def]
    adapter = ReplayAdapter(
        token_response(), job_info("UploadComplete"), job_info("JobComplete"), *pages
    )
    return adapter, make_client(adapter, fake).bulk_query(SOQL)


@pytest.mark.parametrize(
    "bad",
    [
        csv_page(PAGE1[:-5], 2),  # ends mid-record
        csv_page(PAGE1, 2, declared_length=len(PAGE1) + 100),  # connection cut: short body
        csv_page(PAGE1, 3),  # row count mismatch
        csv_page(PAGE1, None),  # header missing
        requests.ConnectionError("reset"),
    ],
    ids=["truncated", "short-read", "count-mismatch", "no-count", "connection"],
)
def test_pages_bad_page_is_downloaded_again(bad: Canned | BaseException) -> None:
    fake = FakeTime()
    _, job = completed_job(bad, csv_page(PAGE1, 2), fake=fake)
    pages = list(job.pages())
    assert [p.raw for p in pages] == [PAGE1]
    assert fake.sleeps == [1.0]


def test_pages_always_truncated_raises_unavailable_naming_job() -> None:
    _, job = completed_job(*[csv_page(PAGE1[:-5], 2) for _ in range(4)])
    with pytest.raises(SalesforceUnavailable, match=f"{JOB}.*page 1.*truncated"):
        list(job.pages())


def test_pages_wiremock_recorded_page_without_locator_header_is_last() -> None:
    _, job = completed_job(wiremock("bulk2/query.results.wiremock.heroku.json"))
    (page,) = list(job.pages())
    assert page.header == ["Id"] and page.records == 3 and page.locator is None
    assert page.raw == (FIXTURES / "bulk2/query.results.heroku.csv").read_bytes()


def test_bulk_query_job_bad_max_records_raises_config_error() -> None:
    adapter = ReplayAdapter()
    with pytest.raises(ConfigError):
        make_client(adapter).bulk_query(SOQL, max_records=0)
    assert adapter.requests == []  # nothing created


def test_list_jobs_follows_next_records_url_until_null() -> None:
    first = {
        "done": False,
        "records": [{"id": "750A"}],
        "nextRecordsUrl": "/services/data/v62.0/jobs/query?queryLocator=x",
    }
    last = {"done": True, "records": [{"id": "750B"}], "nextRecordsUrl": None}
    adapter = ReplayAdapter(token_response(), json_response(first), json_response(last))
    assert [j["id"] for j in make_client(adapter).list_jobs("query")] == ["750A", "750B"]
    with pytest.raises(ConfigError):
        list(make_client(ReplayAdapter()).list_jobs("bogus"))


def test_bulk_query_soql_over_100k_characters_rejected_before_request() -> None:
    adapter = ReplayAdapter()
    with pytest.raises(ConfigError, match="100,000"):
        make_client(adapter).bulk_query("SELECT Id FROM Account WHERE " + "Id != null AND " * 8000)
    assert adapter.requests == []
