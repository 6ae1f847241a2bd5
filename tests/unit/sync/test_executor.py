from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fakes import FakeSalesforce, FakeStore, Page
from sync_builders import NOW, account_describe, request

from lht.errors import SalesforceRequestError, SalesforceUnavailable
from lht.sync.executor import sync_sobject
from lht.sync.extract import page_size
from lht.sync.plan import PriorState

SEED_KEYS = {
    "sobject", "target_table", "sync_method", "estimated_records", "actual_records",
    "sync_duration_seconds", "last_modified_date", "sync_timestamp", "success", "error",
}  # fmt: skip


def records(n: int) -> list[dict]:
    return [
        {"Id": f"001{i:015d}", "IsDeleted": False, "Name": f"A{i}",
         "SystemModstamp": "2024-04-01T00:00:00.000+0000"}
        for i in range(n)
    ]  # fmt: skip


def run(sf, store, **options):
    req = request(**options)
    return sync_sobject(req, sf, store, clock=lambda: NOW, run_id="r" * 32)


def test_sync_first_run_regular_api_full_succeeds_with_seed_keys():
    sf, store = FakeSalesforce(account_describe(), records(3)), FakeStore()
    result = run(sf, store)
    assert set(result) >= SEED_KEYS
    assert result["success"] is True, result["error"]
    assert result["error"] is None
    assert result["sync_method"] == "regular_api_full"
    assert result["estimated_records"] == 3 and result["actual_records"] == 3
    assert result["target_table"] == "RAW.ACCOUNTS"
    assert result["last_modified_date"] == "2024-05-01T12:00:00.123Z"
    assert result["api_calls"] == 3
    assert store.calls[-3:] == ["apply_full", "cleanup", "release_lock"]
    assert store.runs[0].status == "RUNNING"
    assert store.runs[1].status == "SUCCESS" and store.runs[1].rows_extracted == 3
    assert not store.lock_held


def test_sync_incremental_uses_merge_path_and_window():
    sf = FakeSalesforce(account_describe(), records(2))
    store = FakeStore(
        columns={"ID": "VARCHAR"}, prior=PriorState("SystemModstamp", datetime(2024, 4, 30))
    )
    result = run(sf, store)
    assert result["sync_method"] == "regular_api_incremental"
    assert "apply_incremental" in store.calls
    assert "SystemModstamp >= 2024-04-29T23:55:00Z" in sf.soql[0]


def test_sync_plans_with_salesforce_clock_when_known():
    sf = FakeSalesforce(account_describe(), records(2))
    sf.server_now = datetime(2024, 5, 1, 11, 0, 0, 456789, tzinfo=UTC)  # local clock: 12:00
    store = FakeStore(
        columns={"ID": "VARCHAR"}, prior=PriorState("SystemModstamp", datetime(2024, 4, 30))
    )
    result = run(sf, store)
    assert "SystemModstamp < 2024-05-01T11:00:01Z" in sf.soql[0]  # ceiled to whole seconds
    assert result["last_modified_date"] == "2024-05-01T11:00:00.456Z"
    assert result["sync_timestamp"] == "2024-05-01T12:00:00.123Z"  # run rows: local clock


@pytest.mark.parametrize(
    ("options", "method"),
    [
        ({"bulk_api_threshold": 2, "stage_threshold": 10}, "bulk_api_full"),
        ({"bulk_api_threshold": 1, "stage_threshold": 2}, "bulk_api_stage_full"),
    ],
)
def test_sync_bulk_methods_stage_every_page_and_delete_job(options, method):
    sf, store = FakeSalesforce(account_describe(), records(5)), FakeStore()
    result = run(sf, store, **options)
    assert result["success"] is True, result["error"]
    assert result["sync_method"] == method
    assert result["actual_records"] == 5 and result["files_staged"] == 3
    assert len(store.staged_rows) == 5
    assert sf.jobs[0].deleted
    assert sf.jobs[0].streams == [1 if method == "bulk_api_full" else 5]
    assert 1 <= store.calls.count("copy_staging") <= 3  # a COPY whenever no file is waiting


def test_sync_bad_target_name_fails_before_creating_anything():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore()
    result = sync_sobject(request().__class__("Account", "raw;drop", "t"), sf, store)
    assert result["success"] is False
    assert "ConfigError" in result["error"]
    assert store.calls == ["target"]


def test_sync_concurrent_run_fails_fast_without_touching_lock():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore(locked_by_other=True)
    result = run(sf, store)
    assert result["success"] is False
    assert "ConcurrentRunError" in result["error"]
    assert "release_lock" not in store.calls
    assert store.runs[-1].status == "FAILED"


def test_sync_unknown_object_records_failed_run():
    sf, store = FakeSalesforce(account_describe(), []), FakeStore()
    result = sync_sobject(request().__class__("Nope__c", "raw", "t"), sf, store)
    assert result["success"] is False and "Nope__c" in result["error"]
    assert store.runs[-1].status == "FAILED" and store.runs[-1].error == result["error"]
    assert not store.lock_held


def test_sync_copy_row_mismatch_fails_and_keeps_staging_named():
    sf, store = FakeSalesforce(account_describe(), records(3)), FakeStore(drop_rows=1)
    result = run(sf, store)
    assert result["success"] is False
    assert "truncated" in result["error"] and "__LHT_STG_" in result["error"]
    assert "apply_full" not in store.calls and "cleanup" not in store.calls
    assert store.runs[-1].watermark_to is None


def test_sync_bulk_header_mismatch_fails_before_upload():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore()
    sf.bulk_pages = [Page(b'"Id","Bogus"\n"1","x"\n', 1)]
    result = run(sf, store, bulk_api_threshold=0, stage_threshold=5)
    assert result["success"] is False and "do not match" in result["error"]
    assert "put_file" not in store.calls


def test_sync_pipelined_download_error_propagates():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore()
    good = sf._csv_pages(
        "SELECT Id, IsDeleted, Name, AnnualRevenue, BillingStreet, Score__c, CreatedDate, "
        "SystemModstamp FROM Account"
    )[0]
    sf.bulk_pages = [good, SalesforceUnavailable("503 after retries")]
    result = run(sf, store, bulk_api_threshold=0, stage_threshold=0)
    assert result["success"] is False and "503 after retries" in result["error"]
    assert not store.lock_held


def test_sync_failed_job_is_failure_with_run_row():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore()
    sf.fail_job = True
    result = run(sf, store, bulk_api_threshold=0)
    assert result["success"] is False and "SalesforceJobFailed" in result["error"]
    assert store.runs[-1].method == "bulk_api_full"


def test_sync_apply_failure_is_failure_and_lock_released():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore(fail_on="apply_full")
    result = run(sf, store)
    assert result["success"] is False and "injected failure" in result["error"]
    assert store.calls[-2:] == ["record_failure", "release_lock"]
    assert result["actual_records"] == 0 and result["last_modified_date"] is None


class _Broken(FakeSalesforce):
    """A Salesforce port whose COUNT() raises what no LHT code maps (e.g. a bug, a raw
    driver exception)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(account_describe(), records(1))
        self.exc = exc

    def count(self, sobject: str, where: str | None = None) -> int:
        raise self.exc


def test_sync_unexpected_exception_ends_run_failed_never_running():
    store = FakeStore()
    result = run(_Broken(RuntimeError("Connection broken: IncompleteRead")), store)
    assert result["success"] is False
    assert result["error"].startswith("unexpected RuntimeError: Connection broken")
    assert store.runs[-1].status == "FAILED" and "IncompleteRead" in store.runs[-1].error
    assert store.calls[-2:] == ["record_failure", "release_lock"] and not store.lock_held


def test_sync_interrupt_ends_run_failed_then_is_reraised():
    store = FakeStore()
    with pytest.raises(KeyboardInterrupt):
        run(_Broken(KeyboardInterrupt()), store)
    assert store.runs[-1].status == "FAILED" and not store.lock_held


def test_sync_failed_row_not_written_expires_the_lock_for_the_next_run():
    """If even the FAILED row cannot be written, the lock is expired (not freed): the next
    run takes it over at once and ends this run's RUNNING row."""
    store = FakeStore(fail_on="record_failure")
    result = run(_Broken(RuntimeError("boom")), store)
    assert "could not be written" in result["error"]
    assert store.calls[-2:] == ["record_failure", "abandon_lock"]


def test_sync_unexpected_exception_after_commit_keeps_success():
    class CleanupBug(FakeStore):
        def cleanup(self, *args: object) -> None:
            raise TypeError("bug in cleanup")

    store = CleanupBug()
    result = run(FakeSalesforce(account_describe(), records(1)), store)
    assert result["success"] is True and result["actual_records"] == 1
    assert any("after the commit: TypeError" in w for w in result["warnings"])
    assert "record_failure" not in store.calls and not store.lock_held


def test_sync_cleanup_failure_after_commit_is_success_with_warning():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore(fail_on="cleanup")
    result = run(sf, store)
    assert result["success"] is True
    assert any("cleanup failed" in w for w in result["warnings"])


def test_sync_failed_run_row_write_failure_is_reported():
    sf = FakeSalesforce(account_describe(), records(1))
    store = FakeStore(locked_by_other=True, fail_on="record_failure")
    result = run(sf, store)
    assert result["success"] is False and "could not be written" in result["error"]


def test_sync_zero_rows_is_success_with_no_files():
    sf, store = FakeSalesforce(account_describe(), []), FakeStore()
    result = run(sf, store)
    assert result["success"] is True and result["actual_records"] == 0
    assert "copy_staging" not in store.calls and "apply_full" in store.calls


def test_sync_lock_release_failure_after_commit_is_success_with_warning():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore(fail_on="release_lock")
    result = run(sf, store)
    assert result["success"] is True
    assert any("lock release failed" in w for w in result["warnings"])
    assert "record_failure" not in store.calls


def test_sync_lock_release_failure_during_failure_keeps_original_error():
    sf = FakeSalesforce(account_describe(), records(1))
    store = FakeStore(fail_on="release_lock")
    sf.fail_job = True
    result = run(sf, store, bulk_api_threshold=0)
    assert result["success"] is False and "SalesforceJobFailed" in result["error"]


class Rendezvous:
    """Two steps that each wait for the other to have started: they pass only when they run
    at the same time (sequential code times out)."""

    def __init__(self) -> None:
        self.first, self.second = threading.Event(), threading.Event()

    def meet(self, mine: threading.Event, theirs: threading.Event) -> None:
        mine.set()
        assert theirs.wait(timeout=5), "the other step did not run meanwhile"


def test_sync_describe_runs_while_the_lock_is_taken():
    meeting = Rendezvous()
    sf, store = FakeSalesforce(account_describe(), records(2)), FakeStore()
    describe, acquire = sf.describe, store.acquire_lock
    sf.describe = lambda name: (meeting.meet(meeting.first, meeting.second), describe(name))[1]
    store.acquire_lock = lambda *a: (meeting.meet(meeting.second, meeting.first), acquire(*a))[1]
    result = run(sf, store)
    assert result["success"], result["error"]


def test_sync_staging_is_created_while_the_bulk_job_runs():
    meeting = Rendezvous()
    sf, store = FakeSalesforce(account_describe(), records(5)), FakeStore()
    bulk, create = sf.bulk_query, store.create_staging
    sf.bulk_query = lambda *a, **k: (meeting.meet(meeting.first, meeting.second), bulk(*a, **k))[1]
    store.create_staging = lambda *a: (meeting.meet(meeting.second, meeting.first), create(*a))[1]
    result = run(sf, store, bulk_api_threshold=1, stage_threshold=2)
    assert result["success"], result["error"]
    assert sf.jobs[0].deleted


def test_sync_failed_describe_fails_the_run_with_its_error():
    sf, store = FakeSalesforce(account_describe(), records(1)), FakeStore()
    sf.describe = lambda name: (_ for _ in ()).throw(SalesforceUnavailable("describe down"))
    result = run(sf, store)
    assert result["success"] is False and "describe down" in result["error"]
    assert store.runs[-1].status == "FAILED" and not store.lock_held


@pytest.mark.parametrize(
    ("max_records", "estimate", "streams", "page"),
    [(100_000, 1_000_000, 5, 100_000), (100_000, 100_000, 5, 20_000),
     (100_000, 30_000, 5, 10_000), (100_000, 100_000, 1, 100_000), (5_000, 100_000, 5, 5_000),
     (None, 100_000, 5, None)],
)  # fmt: skip
def test_page_size_lets_every_stream_download_but_keeps_pages_big(
    max_records, estimate, streams, page
):
    assert page_size(max_records, estimate, streams) == page


@pytest.mark.parametrize(
    "error",
    [
        SalesforceRequestError("count: HTTP 400 QUERY_TIMEOUT: Your query request was running "
                               "for too long.", status=400, error_code="QUERY_TIMEOUT"),
        SalesforceUnavailable("count: connection failed after 4 attempt(s): ReadTimeout",
                              error_code="READ_TIMEOUT"),
    ],
)  # fmt: skip
def test_sync_count_timeout_falls_back_to_bulk_as_for_a_large_object(error):
    sf, store = FakeSalesforce(account_describe(), records(3)), FakeStore()
    sf.count_error = error
    result = run(sf, store)

    assert result["success"] is True, result["error"]
    assert result["sync_method"] == "bulk_api_stage_full"
    assert result["actual_records"] == 3 and len(sf.jobs) == 1
    assert any("COUNT() estimate timed out" in w for w in result["warnings"])
    assert store.runs[-1].estimated_records is None  # unknown, not 0


def test_sync_count_error_that_is_not_a_timeout_still_fails_the_run():
    sf, store = FakeSalesforce(account_describe(), records(3)), FakeStore()
    sf.count_error = SalesforceRequestError("count: HTTP 400 INVALID_FIELD", status=400,
                                            error_code="INVALID_FIELD")  # fmt: skip
    result = run(sf, store)

    assert result["success"] is False and "INVALID_FIELD" in result["error"]
    assert sf.jobs == []


def test_page_size_for_an_unknown_estimate_is_max_records():
    assert page_size(100000, None, 5) == 100000  # the COUNT() timed out: a large object
