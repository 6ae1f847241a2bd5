from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from push_builders import cols, contact_describe, request
from push_fakes import FakeJob, FakeSalesforce, MemoryStore

from lht.errors import (
    ConcurrentRunError,
    ConfigError,
    SalesforceJobFailed,
    SalesforceRequestError,
    SalesforceUnavailable,
    WarehouseError,
)
from lht.push import bulk_send
from lht.push.executor import push

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def run(req, store, sf=None):
    sf = sf or FakeSalesforce(contact_describe())
    summary = push(req, sf, store, run_id="run1", now=lambda: T0)
    return summary, sf


def bulk_upsert(**options):
    """An upsert on Ext_Id__c that always goes through Bulk ingest jobs."""
    return request("upsert", external_id_field="Ext_Id__c", collections_threshold=0, **options)


def upsert_store(n: int, prefix: str = "N") -> MemoryStore:
    rows = [(f"{prefix}{i}", f"E{i}") for i in range(n)]
    return MemoryStore(cols("LASTNAME:string", "EXT_ID__C:string"), rows)


def test_push_empty_source_is_successful_noop_without_job():
    store = upsert_store(0)
    summary, sf = run(request("upsert", external_id_field="Ext_Id__c"), store)
    assert (summary.success, summary.status, summary.method, summary.rows_sent) == (
        True,
        "SUCCEEDED",
        "none",
        0,
    )
    assert sf.jobs == [] and sf.collection_calls == []
    assert store.runs[0]["STATUS"] == "SUCCEEDED"


def test_push_small_source_uses_collections_in_request_order():
    store = upsert_store(3)
    summary, sf = run(request("upsert", external_id_field="Ext_Id__c"), store)
    assert summary.method == "collections" and sf.jobs == []
    kind, records = sf.collection_calls[0]
    assert kind == "upsert"
    assert records == [{"LastName": f"N{i}", "Ext_Id__c": f"E{i}"} for i in range(3)]
    assert [r.source_key for r in store.results] == ["E0", "E1", "E2"]
    assert summary.succeeded == 3 and summary.success


def test_push_over_threshold_uses_bulk_and_keys_results():
    store = upsert_store(5)
    summary, sf = run(
        request("upsert", external_id_field="Ext_Id__c", collections_threshold=4), store
    )
    assert summary.method == "bulk" and len(sf.jobs) == 1
    assert sf.uploads[0].startswith(b"LastName,Ext_Id__c\nN0,E0\n")
    assert sorted(r.source_key for r in store.results) == [f"E{i}" for i in range(5)]
    assert store.runs[0]["JOB_IDS"] == sf.jobs[0].id
    assert store.runs[0]["ROWS_SENT"] == 5 and store.runs[0]["API_CALLS"] == 7


def test_push_splits_jobs_by_bytes():
    store = upsert_store(300)
    summary, sf = run(bulk_upsert(max_job_bytes=1024), store)
    assert len(sf.jobs) > 2
    assert all(len(u) <= 1024 and u.startswith(b"LastName,Ext_Id__c\n") for u in sf.uploads)
    assert summary.rows_sent == 300 == summary.succeeded
    assert summary.jobs == tuple(j.id for j in sf.jobs)


def test_push_failed_rows_make_run_unsuccessful_with_error_text():
    store = MemoryStore(cols("LASTNAME:string", "EXT_ID__C:string"), [("ok", "E1"), ("FAIL", "E2")])
    summary, _ = run(bulk_upsert(), store)
    assert (summary.success, summary.status, summary.failed, summary.succeeded) == (
        False,
        "PARTIAL",
        1,
        1,
    )
    failed = [r for r in store.results if not r.success]
    assert failed[0].source_key == "E2"
    assert failed[0].error.startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION:no FAIL values")


def test_push_max_failed_rows_tolerates_failures():
    store = MemoryStore(cols("LASTNAME:string", "EXT_ID__C:string"), [("FAIL", "E2")])
    summary, _ = run(request("upsert", external_id_field="Ext_Id__c", max_failed_rows=1), store)
    assert summary.success and summary.failed == 1


@pytest.mark.parametrize("threshold", [0, 200])
def test_push_lock_errors_are_retried_once(threshold):
    store = MemoryStore(
        cols("LASTNAME:string", "EXT_ID__C:string"), [("LOCK1", "E1"), ("ok", "E2")]
    )
    summary, sf = run(
        request("upsert", external_id_field="Ext_Id__c", collections_threshold=threshold), store
    )
    assert summary.retried == 1 and summary.success and summary.succeeded == 2
    assert len(store.results) == 2
    if threshold == 0:
        assert len(sf.jobs) == 2
        assert sf.uploads[1] == b"LastName,Ext_Id__c\nLOCK1,E1\n"


def test_push_failed_job_rows_are_unprocessed_with_reason():
    store = upsert_store(2)
    sf = FakeSalesforce(contact_describe())
    sf.fail_job_state = "Failed"
    summary, _ = run(bulk_upsert(), store, sf)
    assert (summary.success, summary.unprocessed, summary.status) == (False, 2, "FAILED")
    assert all("InvalidBatch : boom" in r.error for r in store.results)


def test_push_upload_error_records_earlier_jobs_then_raises():
    store = upsert_store(300)
    sf = FakeSalesforce(contact_describe())
    sf.fail_upload_at = 2
    with pytest.raises(SalesforceUnavailable):
        run(bulk_upsert(max_job_bytes=2048), store, sf)
    assert sf.aborted == [sf.jobs[1].id]
    run_row = store.runs[0]
    assert run_row["STATUS"] == "FAILED" and not run_row["SUCCESS"]
    assert "upload refused" in run_row["ERROR"]
    assert run_row["ROWS_SUCCEEDED"] == len(store.results) > 0


def test_push_commit_failure_falls_back_to_run_row_only():
    store = upsert_store(300)
    store.commit_error = WarehouseError("stage down")
    sf = FakeSalesforce(contact_describe())
    sf.fail_upload_at = 1
    with pytest.raises(SalesforceUnavailable):
        run(bulk_upsert(max_job_bytes=2048), store, sf)
    assert store.failed_runs[0]["STATUS"] == "FAILED"


def test_push_only_changed_sends_only_changed_rows():
    req = bulk_upsert(only_changed=True)
    store = upsert_store(4)
    first, _sf1 = run(req, store)
    assert first.rows_sent == 4
    second, sf2 = run(req, store)
    assert (second.rows_sent, second.rows_unchanged, second.method) == (0, 4, "none")
    assert sf2.jobs == []
    store.source_rows[1] = ("changed", "E1")
    third, sf3 = run(req, store)
    assert (third.rows_sent, third.rows_unchanged) == (1, 3)
    assert sf3.uploads[0] == b"LastName,Ext_Id__c\nchanged,E1\n"


def test_push_only_changed_keeps_failed_rows_pending():
    req = request("upsert", external_id_field="Ext_Id__c", only_changed=True)
    store = MemoryStore(cols("LASTNAME:string", "EXT_ID__C:string"), [("FAIL", "E1")])
    run(req, store)
    again, _ = run(req, store)
    assert again.rows_sent == 1


def test_push_clear_nulls_renders_na_in_bulk_and_null_in_collections():
    store = MemoryStore(cols("ID:string", "EMAIL:string"), [("003A", None)])
    _, sf = run(request("update", clear_nulls=True, collections_threshold=0), store)
    assert sf.uploads[0] == b"Id,Email\n003A,#N/A\n"
    _, sf = run(request("update", clear_nulls=True), store)
    assert sf.collection_calls[0][1] == [{"Id": "003A", "Email": None}]
    _, sf = run(request("update"), store)
    assert sf.collection_calls[0][1] == [{"Id": "003A"}]


def test_push_hard_delete_never_uses_collections():
    store = MemoryStore(cols("ID:string"), [("003A",)])
    summary, sf = run(request("hardDelete"), store)
    assert summary.method == "bulk" and sf.jobs[0].operation == "hardDelete"


def test_push_delete_collections_sends_ids():
    store = MemoryStore(cols("ID:string"), [("003A",), ("003B",)])
    _summary, sf = run(request("delete"), store)
    assert sf.collection_calls == [("delete", ["003A", "003B"])]
    assert [r.source_key for r in store.results] == ["003A", "003B"]


def test_push_relationship_column_nests_in_collections():
    store = MemoryStore(cols("LASTNAME:string", "Account.Ext__c:string"), [("N", "A1")])
    _, sf = run(request("insert"), store)
    assert sf.collection_calls[0][1] == [{"LastName": "N", "Account": {"Ext__c": "A1"}}]


def test_push_validation_error_creates_no_job_and_writes_nothing():
    store = MemoryStore(cols("NOPE:string"), [("x",)])
    sf = FakeSalesforce(contact_describe())
    with pytest.raises(ConfigError, match="unknown column NOPE"):
        push(request("insert"), sf, store)
    assert sf.jobs == [] and sf.collection_calls == []
    assert store.runs == [] and store.failed_runs == [] and store.read_count == 0


def test_push_bad_source_fails_before_describe():
    class NoDescribe(FakeSalesforce):
        def describe(self, sobject):
            raise AssertionError("describe must not be called")

    with pytest.raises(ConfigError):
        push(
            request("insert", source="SELECT 1; DROP TABLE X"),
            NoDescribe(contact_describe()),
            MemoryStore(cols("LASTNAME:string"), []),
        )


def test_push_poll_timeout_passed_to_wait():
    store = upsert_store(3)
    _, sf = run(bulk_upsert(poll_timeout_seconds=12), store)
    assert sf.waits == [12.0]


def test_push_concurrent_run_of_same_source_fails_fast_without_sending():
    store = upsert_store(3)
    store.locked_by = "other-run"
    sf = FakeSalesforce(contact_describe())
    with pytest.raises(ConcurrentRunError, match="other-run"):
        push(request("upsert", external_id_field="Ext_Id__c"), sf, store)
    assert sf.jobs == [] and sf.collection_calls == [] and store.runs == []


def test_push_releases_lock_after_failure():
    store = upsert_store(300)
    sf = FakeSalesforce(contact_describe())
    sf.fail_upload_at = 1
    with pytest.raises(SalesforceUnavailable):
        push(bulk_upsert(), sf, store)
    assert store.locked_by is None


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_push_collections_rows_without_key_fail_locally_others_sent(operation):
    columns = cols("ID:string") if operation == "delete" else cols("ID:string", "EMAIL:string")
    values = [("003A",), (None,)] if operation == "delete" else [("003A", "a@x"), (None, "b@x")]
    store = MemoryStore(columns, values)
    summary, sf = run(request(operation), store)
    assert (summary.succeeded, summary.failed, summary.rows_sent) == (1, 1, 2)
    assert len(sf.collection_calls) == 1 and len(sf.collection_calls[0][1]) == 1
    failed = next(r for r in store.results if not r.success)
    assert failed.error.startswith("LHT_MISSING_KEY:Id is empty")


def test_push_collections_lock_retry_keeps_request_order():
    store = MemoryStore(
        cols("LASTNAME:string", "EXT_ID__C:string"),
        [("ok0", "E0"), ("LOCKa", "E1"), ("ok2", "E2"), ("FAIL3", "E3")],
    )
    summary, sf = run(request("upsert", external_id_field="Ext_Id__c"), store)
    assert [r.source_key for r in store.results] == ["E0", "E1", "E2", "E3"]
    assert [r.success for r in store.results] == [True, True, True, False]
    assert summary.retried == 1 and len(sf.collection_calls) == 2


def test_push_unknown_sobject_is_a_config_error():
    class Unknown(FakeSalesforce):
        def describe(self, sobject):
            raise SalesforceRequestError(
                "describe Nope: HTTP 404", status=404, error_code="NOT_FOUND"
            )

    with pytest.raises(ConfigError, match="no object 'Contact'"):
        push(request("insert"), Unknown(contact_describe()), upsert_store(1))


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("Account.Plain__c", "Account.Plain__c is not an external ID or idLookup"),
        ("Account.Nope__c", "Account has no field Nope__c"),
        ("Who.Ext__c", "Who is polymorphic"),
        ("Lead:Account.Ext__c", "cannot point at Lead"),
    ],
)
def test_push_relationship_column_checked_against_parent_describe(column, message):
    store = MemoryStore(cols("LASTNAME:string", f"{column}:string"), [("N", "A1")])
    sf = FakeSalesforce(contact_describe())
    with pytest.raises(ConfigError, match=message):
        push(request("insert"), sf, store)
    assert sf.collection_calls == [] and sf.jobs == []


def test_push_polymorphic_relationship_with_type_describes_that_parent():
    store = MemoryStore(cols("Account:Who.Ext__c:string"), [("A1",)])
    summary, sf = run(request("insert"), store)
    assert summary.success and sf.described == ["Contact", "Account"]
    assert sf.collection_calls[0][1] == [
        {"Who": {"attributes": {"type": "Account"}, "Ext__c": "A1"}}
    ]


class _CollectionsBug(FakeSalesforce):
    """sObject Collections raising what nothing maps (a bug, a raw driver exception)."""

    def collection_upsert(self, sobject, external_id_field, records):
        raise RuntimeError("unexpected answer shape")


def test_push_unexpected_exception_records_failed_run_and_unknown_rows_then_raises():
    store = upsert_store(3)
    with pytest.raises(RuntimeError):
        run(request("upsert", external_id_field="Ext_Id__c"), store, _CollectionsBug(
            contact_describe()))  # fmt: skip
    (row,) = store.runs
    assert row["STATUS"] == "FAILED" and row["ERROR"].startswith("unexpected RuntimeError")
    assert row["ROWS_SENT"] == 3
    assert store.unknown == ["E0", "E1", "E2"]  # sent, answer never arrived
    assert store.locked_by is None


def test_push_first_job_is_awaited_while_the_next_is_uploaded(monkeypatch):
    monkeypatch.setattr(bulk_send, "FIRST_JOB_RECORDS", 2)
    first_waiting, second_uploading = threading.Event(), threading.Event()
    sf = FakeSalesforce(contact_describe())
    job_class_wait, job_class_upload = FakeJob.wait, FakeJob.upload

    def wait(job, **kwargs):
        if job.id.endswith("1"):
            first_waiting.set()
            assert second_uploading.wait(timeout=5), "job 2 was not uploaded meanwhile"
        return job_class_wait(job, **kwargs)

    def upload(job, data):
        if job.id.endswith("2"):
            second_uploading.set()
            assert first_waiting.wait(timeout=5), "job 1 was not awaited meanwhile"
        return job_class_upload(job, data)

    monkeypatch.setattr(FakeJob, "wait", wait)
    monkeypatch.setattr(FakeJob, "upload", upload)
    summary, sf = run(bulk_upsert(), upsert_store(9), sf)
    assert [len(j.rows) for j in sf.jobs] == [2, 4, 3]  # sizes double from the first job
    assert summary.success and summary.succeeded == 9


def test_push_fetches_each_jobs_results_on_its_wait_thread_before_they_are_read(monkeypatch):
    monkeypatch.setattr(bulk_send, "FIRST_JOB_RECORDS", 2)
    fetch_threads: list[str] = []
    job_class_fetch = FakeJob.fetch_results

    def fetch(job):
        fetch_threads.append(threading.current_thread().name)
        return job_class_fetch(job)

    monkeypatch.setattr(FakeJob, "fetch_results", fetch)
    summary, sf = run(bulk_upsert(), upsert_store(9))
    assert summary.success and summary.succeeded == 9
    for job in sf.jobs:  # fetched (once, in the background) before the calling thread reads
        mine = [kind for kind, job_id in sf.events if job_id == job.id]
        assert mine == ["fetch", "read"]
    assert fetch_threads == [f"lht-push-wait-{j.id}" for j in sf.jobs]


def test_push_fetches_the_results_of_a_job_that_timed_out(monkeypatch):
    sf = FakeSalesforce(contact_describe())

    def wait(job, **kwargs):
        raise SalesforceJobFailed(f"job {job.id} timed out; aborted", job_id=job.id)

    monkeypatch.setattr(FakeJob, "wait", wait)
    summary, sf = run(bulk_upsert(), upsert_store(2), sf)
    assert ("fetch", sf.jobs[0].id) in sf.events
    assert summary.succeeded == 2  # the fake's files still answer: read from the fetch
