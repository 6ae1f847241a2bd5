"""bulk_ingest_rows: header mapping and CSV cell conversion for ingest jobs (spec §4.6)."""

from __future__ import annotations

import datetime as dt

import pytest

from emulator.bulk.csvfmt import IngestCsvError
from emulator.bulk.ingest_rows import RowFailure, map_columns, row_values
from emulator.catalog import build_schema

SCHEMA = build_schema()
X = SCHEMA.get("X__c")
CONTACT = SCHEMA.get("Contact")


def _columns(obj, *names: str, operation: str = "insert"):
    return map_columns(SCHEMA, obj, tuple(names), operation)


def test_map_columns_unknown_field_fails_job_with_recorded_message() -> None:
    with pytest.raises(IngestCsvError) as err:
        _columns(X, "Name", "StageName_invalid_field_on_purpose")
    assert err.value.message == (
        "InvalidBatch : Field name not found : StageName_invalid_field_on_purpose"
    )


def test_map_columns_field_names_match_case_insensitively() -> None:
    columns = _columns(X, "name", "COUNT__C")
    assert [c.field.name for c in columns] == ["Name", "Count__c"]


def test_map_columns_relationship_column_resolves_parent_lookup_field() -> None:
    (column,) = _columns(CONTACT, "Account.Id")
    assert column.is_lookup
    assert column.field.name == "AccountId"
    assert column.target_object is not None and column.target_object.name == "Account"


def test_map_columns_relationship_to_non_unique_field_fails() -> None:
    with pytest.raises(IngestCsvError, match="not an External ID"):
        _columns(CONTACT, "Account.Name")


def test_map_columns_unknown_relationship_fails() -> None:
    with pytest.raises(IngestCsvError, match=r"Field name not found : Nope\.Id"):
        _columns(CONTACT, "Nope.Id")


def test_map_columns_delete_with_extra_columns_fails() -> None:
    with pytest.raises(IngestCsvError, match="must contain only the 'Id' field"):
        _columns(X, "Id", "Name", operation="delete")


def test_row_values_typed_conversion() -> None:
    columns = _columns(
        X, "Checkbox__c", "Count__c", "Amount__c", "Date__c", "DateTime__c", "Time__c", "Text__c"
    )
    row = row_values(
        columns,
        ("TRUE", "12", "9.5E8", "2024-02-29", "2024-01-01T10:00:00+02:00", "06:25:12.5Z", "hi"),
    )
    assert row.values == {
        "Checkbox__c": True,
        "Count__c": 12,
        "Amount__c": 9.5e8,
        "Date__c": dt.date(2024, 2, 29),
        "DateTime__c": dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC),
        "Time__c": dt.time(6, 25, 12, 500000),
        "Text__c": "hi",
    }


def test_row_values_empty_cell_is_skipped_and_na_sets_null() -> None:
    row = row_values(_columns(X, "Text__c", "Count__c"), ("", "#N/A"))
    assert row.values == {"Count__c": None}


def test_row_values_bad_date_fails_row_with_fixture_error_text() -> None:
    columns = _columns(X, "Name", "Text__c", "External_Id__c", "Date__c")
    with pytest.raises(RowFailure) as err:
        row_values(columns, ("n", "t", "e", "2003-04-987654321987654321"))
    assert err.value.sf_error() == (
        "INVALID_FIELD:Failed to deserialize field at col 4. Due to, '2003-04-987654321987654321' "
        "is not a valid value for the type xsd:date:Date__c --"
    )


def test_row_values_wrong_cell_count_fails_row() -> None:
    with pytest.raises(RowFailure, match="columns"):
        row_values(_columns(X, "Name", "Text__c"), ("only one",))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Checkbox__c", "maybe"),
        ("Count__c", "1.5"),
        ("Amount__c", "1,000"),
        ("Time__c", "25:00"),
        ("DateTime__c", "2024-01-01"),
        ("Amount__c", "nan"),
    ],
)
def test_row_values_unparseable_cells_fail_the_row(name: str, text: str) -> None:
    with pytest.raises(RowFailure, match="INVALID_FIELD"):
        row_values(_columns(X, name), (text,))


def test_row_failure_without_fields_renders_trailing_colon_dashes() -> None:
    failure = RowFailure("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    assert failure.sf_error() == "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--"
