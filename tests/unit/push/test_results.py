from __future__ import annotations

from lht.push.results import (
    collection_results,
    failed_rows,
    format_errors,
    is_lock_error,
    retry_line,
    successful_rows,
    unprocessed_rows,
)
from lht.push.summary import Tally
from lht.salesforce.rest import RecordError, RecordResult

ARGS = {"run_id": "r1", "sobject": "Contact", "operation": "update", "method": "bulk"}


def test_successful_rows_key_on_echoed_match_column():
    rows = [
        {"sf__Id": "003A", "sf__Created": "true", "LastName": "X", "Ext_Id__c": "E1"},
        {"sf__Id": "003B", "sf__Created": "false", "LastName": "Y", "ext_id__c": "E2"},
    ]
    out = list(successful_rows(rows, "Ext_Id__c", "750J"))
    assert [(r.source_key, r.salesforce_id, r.created, r.success) for r in out] == [
        ("E1", "003A", True, True),
        ("E2", "003B", False, True),
    ]
    assert {r.job_id for r in out} == {"750J"}


def test_successful_rows_without_match_column_have_no_key():
    out = list(
        successful_rows([{"sf__Id": "003A", "sf__Created": "true", "LastName": "X"}], None, "750J")
    )
    assert out[0].source_key is None


def test_successful_rows_delete_falls_back_to_sf_id():
    out = list(successful_rows([{"sf__Id": "003A", "sf__Created": "false"}], "Id", "750J"))
    assert out[0].source_key == "003A"


def test_failed_rows_carry_salesforce_error_text():
    err = "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    out = list(
        failed_rows([{"sf__Id": "", "sf__Error": err, "Ext_Id__c": "E3"}], "Ext_Id__c", "750J")
    )
    assert (out[0].source_key, out[0].salesforce_id, out[0].error, out[0].success) == (
        "E3",
        None,
        err,
        False,
    )
    assert out[0].outcome == "failed"


def test_unprocessed_rows_use_reason():
    out = list(unprocessed_rows([{"Id": "003A"}], "Id", "750J", "job Failed: InvalidBatch"))
    assert (out[0].source_key, out[0].outcome, out[0].error) == (
        "003A",
        "unprocessed",
        "job Failed: InvalidBatch",
    )


def test_is_lock_error():
    assert is_lock_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access:--")
    assert not is_lock_error("REQUIRED_FIELD_MISSING:x:--")
    assert not is_lock_error(None)


def test_retry_line_rebuilds_upload_columns_in_header_order():
    row = {"sf__Id": "", "sf__Error": "UNABLE_TO_LOCK_ROW:x:--", "Name": "a,b", "Ext__c": "E"}
    assert retry_line(row, ("Ext__c", "Name")) == b'E,"a,b"\n'


def test_collection_results_pair_answers_with_keys_in_order():
    answers = [
        RecordResult("001A", True, True, ()),
        RecordResult(None, False, None, (RecordError("DUPLICATE_VALUE", "dup", ("Ext__c",)),)),
    ]
    out = collection_results(answers, ["E1", "E2"], "upsert")
    assert [(r.source_key, r.salesforce_id, r.created, r.outcome) for r in out] == [
        ("E1", "001A", True, "succeeded"),
        ("E2", None, None, "failed"),
    ]
    assert out[1].error == "DUPLICATE_VALUE:dup:Ext__c --"


def test_collection_results_insert_without_created_flag_counts_created():
    out = collection_results([RecordResult("001A", True, None, ())], [None], "insert")
    assert out[0].created is True
    out = collection_results([RecordResult("001A", True, None, ())], ["001A"], "update")
    assert out[0].created is False


def test_format_errors_empty_is_explicit():
    assert format_errors([]).startswith("UNKNOWN")


def test_tally_summary_success_only_without_failures():
    tally = Tally(rows_read=3, rows_sent=3)
    rows = list(successful_rows([{"sf__Id": "1", "sf__Created": "true", "Id": "1"}], "Id", "j"))
    rows += list(failed_rows([{"sf__Id": "2", "sf__Error": "X:y:--", "Id": "2"}], "Id", "j"))
    for row in rows:
        tally.add(row)
    summary = tally.summary(**ARGS, max_failed_rows=0)
    assert (summary.success, summary.status, summary.succeeded, summary.failed) == (
        False,
        "PARTIAL",
        1,
        1,
    )
    tolerant = tally.summary(**ARGS, max_failed_rows=1)
    assert (tolerant.success, tolerant.status) == (True, "PARTIAL")


def test_tally_summary_unprocessed_counts_against_success():
    tally = Tally()
    for row in unprocessed_rows([{"Id": "1"}], "Id", "j", "aborted"):
        tally.add(row)
    summary = tally.summary(**ARGS, max_failed_rows=0)
    assert (summary.success, summary.status, summary.unprocessed) == (False, "FAILED", 1)


def test_tally_summary_error_is_never_success():
    summary = Tally().summary(**ARGS, max_failed_rows=10, error="boom")
    assert (summary.success, summary.status) == (False, "FAILED")
    assert summary.to_dict()["jobs"] == []


def test_tally_summary_empty_push_is_success():
    summary = Tally().summary(**ARGS, max_failed_rows=0)
    assert (summary.success, summary.status, summary.rows_sent) == (True, "SUCCEEDED", 0)
