"""The Org data layer (Python API used by REST and Bulk): virtual rows, writes, rules, schema
change."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime

import numpy as np
import pytest

from emulator.core.ids import checksum, make_id, parse_id
from emulator.core.org import Org
from emulator.core.schema import FieldDef
from emulator.core.writes import RecordError, RecordRule
from emulator.rest.values import render_record, render_records
from emulator.soql import parse


@pytest.fixture
def org() -> Iterator[Org]:
    instance = Org(seed=42, datasets={"Account": 1000})
    yield instance
    instance.close()


def _rows(org: Org, soql: str, include_deleted: bool = False) -> list[tuple]:
    return list(org.run_query(parse(soql, org.schema), include_deleted))


def test_ids_are_18_chars_with_salesforce_checksum() -> None:
    assert checksum("001D000000IRFma") == "IAH"
    record_id = make_id("001", 12345)
    assert len(record_id) == 18 and record_id[-3:] == checksum(record_id[:15])
    assert parse_id("001", record_id) == 12345
    assert parse_id("001", record_id[:15]) == 12345
    assert parse_id("003", record_id) is None


def test_same_seed_gives_same_rows_other_seed_differs() -> None:
    soql = "SELECT Id, Name, Industry, AnnualRevenue, CreatedDate, Owner.Name FROM Account"
    first, second, other = Org(seed=1), Org(seed=1), Org(seed=2)
    try:
        assert _rows(first, soql) == _rows(second, soql)
        assert _rows(first, soql) != _rows(other, soql)
    finally:
        for instance in (first, second, other):
            instance.close()


def test_virtual_rows_are_time_ordered_by_system_modstamp(org: Org) -> None:
    rows = _rows(org, "SELECT Id, CreatedDate, SystemModstamp FROM Account")
    stamps = [r[2] for r in rows]
    assert stamps == sorted(stamps)
    assert all(r[2] >= r[1] for r in rows)
    assert all(isinstance(s, datetime) and s.tzinfo is not None for s in stamps)


def test_values_are_python_types_per_field_type(org: Org) -> None:
    row = _rows(
        org, "SELECT Checkbox__c, Count__c, Amount__c, Date__c, DateTime__c, Name FROM X__c LIMIT 1"
    )[0]
    assert isinstance(row[0], bool)
    assert row[1] is None or isinstance(row[1], int)
    assert row[2] is None or isinstance(row[2], float)
    assert row[3] is None or isinstance(row[3], date)
    assert row[4] is None or row[4].tzinfo is not None
    assert isinstance(row[5], str)


def test_insert_coerces_csv_strings_per_field_type(org: Org) -> None:
    new_id = org.insert(
        "X__c",
        {
            "Name": "csv",
            "Checkbox__c": "true",
            "Count__c": "42",
            "Amount__c": "12.50",
            "Date__c": "2024-02-29",
            "DateTime__c": "2024-01-01T10:00:00.000Z",
            "Time__c": "13:45:00.000Z",
        },
    )
    record = org.get_record("X__c", new_id)
    assert (
        record["Checkbox__c"] is True and record["Count__c"] == 42 and record["Amount__c"] == 12.5
    )
    assert record["Date__c"] == date(2024, 2, 29)
    assert record["DateTime__c"] == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert record["Total__c"] is None


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"Name": "a", "Count__c": "many"}, "INVALID_TYPE_ON_FIELD_IN_RECORD"),
        ({"Name": "a", "Picklist__c": "Delta"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"Name": "a", "Email__c": "not-an-email"}, "INVALID_EMAIL_ADDRESS"),
        ({"Name": "a", "Account__c": "001xx"}, "MALFORMED_ID"),
        ({"Name": "a", "Account__c": make_id("001", 999_999)}, "INVALID_CROSS_REFERENCE_KEY"),
        ({"Name": "a", "Total__c": 3}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "a", "Nope__c": 3}, "INVALID_FIELD"),
        ({"Name": "x" * 81}, "STRING_TOO_LONG"),
        ({"Name": "a", "External_Id__c": "EXT-00000001"}, "DUPLICATE_VALUE"),
    ],
)
def test_insert_failures_raise_record_errors(org: Org, values: dict, code: str) -> None:
    with pytest.raises(RecordError) as caught:
        org.insert("X__c", values)
    assert caught.value.status_code == code


def test_update_upsert_delete_and_purge(org: Org) -> None:
    target = make_id("001", 5)
    org.update("Account", target, {"Name": "Renamed"})
    assert org.get_record("Account", target, ["Name"]) == {"Name": "Renamed"}
    record_id, created = org.upsert(
        "X__c", "External_Id__c", {"External_Id__c": "ext-00000002", "Name": "u"}
    )
    assert (record_id, created) == (make_id("a01", 1), False)
    _, created = org.upsert("X__c", "External_Id__c", {"External_Id__c": "BRAND-NEW", "Name": "n"})
    assert created is True
    org.delete("Account", target)
    with pytest.raises(RecordError, match="ENTITY_IS_DELETED"):
        org.update("Account", target, {"Name": "again"})
    assert len(_rows(org, "SELECT Id FROM Account", include_deleted=True)) == 1000
    org.purge("Account", target)
    assert len(_rows(org, "SELECT Id FROM Account", include_deleted=True)) == 999


def test_record_rules_apply_to_python_writes(org: Org) -> None:
    org.add_rule(
        RecordRule("UNABLE_TO_LOCK_ROW", field="Name", pattern="^lock", operations=("insert",))
    )
    with pytest.raises(RecordError) as caught:
        org.insert("Account", {"Name": "lock me"})
    assert caught.value.status_code == "UNABLE_TO_LOCK_ROW"
    assert "unable to obtain exclusive access" in caught.value.message
    assert org.insert("Account", {"Name": "fine"})


def test_added_field_reads_null_on_existing_rows_and_is_writable(org: Org) -> None:
    org.add_field(
        "Account", FieldDef(name="Score__c", type="double", precision=18, scale=2, custom=True)
    )
    assert {r[0] for r in _rows(org, "SELECT Score__c FROM Account")} == {None}
    target = make_id("001", 1)
    org.update("Account", target, {"Score__c": "9.5"})
    assert _rows(org, f"SELECT Score__c FROM Account WHERE Id = '{target}'") == [(9.5,)]


def test_time_window_query_sees_changed_rows_outside_the_window(org: Org) -> None:
    org.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    org.update("Account", make_id("001", 3), {"Rating": "Hot"})
    soql = "SELECT Id FROM Account WHERE SystemModstamp >= 2029-12-31T00:00:00Z"
    assert _rows(org, soql) == [(make_id("001", 3),)]


def _peak_bytes(rows: int) -> int:
    big = Org(datasets={"Account": rows})
    try:
        query = parse("SELECT Id, Name, Industry, SystemModstamp FROM Account", big.schema)
        iterator = big.run_query(query, True)
        next(iterator)
        tracemalloc.start()
        count = 1 + sum(1 for _ in iterator)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == rows
        return peak
    finally:
        big.close()


def test_virtual_dataset_memory_does_not_grow_with_row_count() -> None:
    small, large = _peak_bytes(8_192), _peak_bytes(40_960)  # 4 vs 20 blocks of rows
    assert large < small * 1.5 + 50_000


def test_vectorised_columns_equal_row_by_row_values() -> None:
    org = Org(seed=9, datasets={"Account": 5000, "X__c": 5000})
    try:
        for obj in org.schema:
            data = org.data(obj.name)
            indices = [i for i in (0, 1, 2, 17, 999, 4096, 4999) if i < data.count]
            array = np.array(indices, dtype=np.uint64)
            for fdef in obj.fields:
                column = data.block_fn(fdef.name)(array, indices)
                assert column == [data.field_fn(fdef.name)(i) for i in indices], fdef.name
    finally:
        org.close()


def test_columns_mix_inserted_and_virtual_rows_in_any_order(org: Org) -> None:
    new_id = org.insert("Account", {"Name": "Zzz inserted"})
    query = parse(
        "SELECT Id, Name, CreatedDate FROM Account ORDER BY Name DESC LIMIT 3", org.schema
    )
    rows = list(org.run_query(query, False))
    assert rows[0][:2] == (new_id, "Zzz inserted")
    assert rows[0][2] == org.get_record("Account", new_id, ["CreatedDate"])["CreatedDate"]
    assert all(isinstance(r[2], datetime) for r in rows)


def test_empty_strings_are_stored_as_null(org: Org) -> None:
    new_id = org.insert("X__c", {"Name": "e", "Text__c": "", "Picklist__c": ""})
    record = org.get_record("X__c", new_id, ["Text__c", "Picklist__c"])
    assert record == {"Text__c": None, "Picklist__c": None}


def test_page_rendering_equals_record_by_record_rendering(org: Org) -> None:
    org.update("Account", make_id("001", 3), {"Name": "changed", "AnnualRevenue": 5})
    for sobject, extra in (
        ("Account", ["Owner.Name", "Parent.Name"]),
        ("X__c", ["Account__r.Name"]),
    ):
        paths = [f.name for f in org.object(sobject).fields] + extra
        indices = list(range(0, 40, 3))
        many = render_records(org, sobject, indices, paths, "v62.0")
        assert many == [render_record(org, sobject, i, paths, "v62.0") for i in indices]


def test_recycle_bin_empties_after_retention_on_the_org_clock(org: Org) -> None:
    target = make_id("001", 7)
    org.delete("Account", target)
    soql = f"SELECT Id FROM Account WHERE Id = '{target}'"
    org.clock.advance(14 * 86400)
    assert _rows(org, soql, include_deleted=True) == [(target,)]
    org.clock.advance(2 * 86400)
    assert _rows(org, soql, include_deleted=True) == []
