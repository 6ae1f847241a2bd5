from __future__ import annotations

import pytest

from lht.errors import ConfigError
from lht.push.options import MAX_JOB_BYTES, PushOptions, PushRequest, normalize_operation


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("insert", "insert"),
        ("UPSERT", "upsert"),
        (" Update ", "update"),
        ("harddelete", "hardDelete"),
        ("Delete", "delete"),
    ],
)
def test_normalize_operation_is_case_insensitive(raw, canonical):
    assert normalize_operation(raw) == canonical


@pytest.mark.parametrize("raw", ["merge", "", "insert;", None, 3])
def test_normalize_operation_unknown_raises(raw):
    with pytest.raises(ConfigError, match="unknown push operation"):
        normalize_operation(raw)


def test_push_options_from_mapping_coerces_and_ignores_case():
    opts = PushOptions.from_mapping(
        {
            "CLEAR_NULLS": "true",
            "max_failed_rows": 5.0,
            "External_Id_Field": " Ext__c ",
            "poll_timeout_seconds": 10,
            "order_by": None,
        }
    )
    assert opts.clear_nulls is True
    assert opts.max_failed_rows == 5
    assert opts.external_id_field == "Ext__c"
    assert opts.poll_timeout_seconds == 10.0
    assert opts.order_by is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bogus": 1}, "unknown push option"),
        ({"clear_nulls": "yes"}, "true or false"),
        ({"max_failed_rows": 1.5}, "integer"),
        ({"max_failed_rows": True}, "integer"),
        ({"max_failed_rows": -1}, ">= 0"),
        ({"max_job_bytes": MAX_JOB_BYTES + 1}, "max_job_bytes"),
        ({"max_job_bytes": 10}, "max_job_bytes"),
        ({"max_job_records": 0}, "max_job_records"),
        ({"collections_threshold": 201}, "collections_threshold"),
        ({"poll_timeout_seconds": "x"}, "number"),
        ({"order_by": ""}, "non-empty"),
    ],
)
def test_push_options_bad_values_raise(raw, message):
    with pytest.raises(ConfigError, match=message):
        PushOptions.from_mapping(raw)


def test_push_options_not_a_mapping_raises():
    with pytest.raises(ConfigError, match="object/dict"):
        PushOptions.from_mapping(["x"])  # type: ignore[arg-type]


def test_push_request_key_column_only_for_insert():
    with pytest.raises(ConfigError, match="insert only"):
        PushRequest("Contact", "update", "T", PushOptions(key_column="Ext__c"))


@pytest.mark.parametrize(("sobject", "source"), [("", "T"), ("Contact", " ")])
def test_push_request_blank_names_raise(sobject, source):
    with pytest.raises(ConfigError):
        PushRequest(sobject, "insert", source)
