"""Numbers written to double/currency/percent fields: stored as doubles, rounded half-up to the
field's scale (knob `data.number_rounding`), rendered by Bulk in Java's `Double.toString` form."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.core.org import Org
from emulator.soql import parse
from emulator.tests.bulk_api import Api
from emulator.tests.test_bulk_ingest import run_job
from emulator.tests.test_bulk_query import content, create, finished

BASE = "/services/data/v62.0"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = Org(seed=3, datasets={"Account": 5, "X__c": 5}, work_dir=tmp_path)
    yield org
    org.close()


def _read(org: Org, sobject: str, record_id: str, fields: str) -> tuple[Any, ...]:
    query = parse(f"SELECT {fields} FROM {sobject} WHERE Id = '{record_id}'", org.schema)
    return next(iter(org.run_query(query, False)))


@pytest.mark.parametrize(
    ("field", "written", "stored"),
    [
        ("Quantity__c", 12.5, 13.0),  # double(18, 0)
        ("Quantity__c", -12.5, -13.0),  # half-up rounds away from zero
        ("Quantity__c", "12.4", 12.0),
        ("Amount__c", "2.675", 2.68),  # the decimal text is rounded, not its binary double
        ("Amount__c", 0.125, 0.13),
        ("Percent__c", 33.3333, 33.33),
        ("Ratio__c", 1.0000005, 1.000001),  # scale 6
    ],
)
def test_written_number_is_rounded_to_the_field_scale(
    org: Org, field: str, written: Any, stored: float
) -> None:
    record_id = org.insert("X__c", {"Name": "n", field: written})
    assert _read(org, "X__c", record_id, field) == (stored,)


def test_rounding_can_be_switched_off(org: Org) -> None:
    org.options.set("data.number_rounding", "none")
    record_id = org.insert("X__c", {"Name": "n", "Quantity__c": 12.5})
    assert _read(org, "X__c", record_id, "Quantity__c") == (12.5,)


def test_int_field_keeps_integers_and_rejects_fractions(org: Org) -> None:
    record_id = org.insert("X__c", {"Name": "n", "Count__c": "42"})
    assert _read(org, "X__c", record_id, "Count__c") == (42,)
    with pytest.raises(Exception, match="INVALID_TYPE_ON_FIELD_IN_RECORD"):
        org.insert("X__c", {"Name": "n", "Count__c": 1.5})


def test_eighteen_nines_are_stored_as_a_double_and_bulk_renders_1_0e18(org: Org) -> None:
    record_id = org.insert("Account", {"Name": "big", "AnnualRevenue": 999999999999999999})
    assert _read(org, "Account", record_id, "AnnualRevenue") == (1e18,)
    api = Api(org)
    job = create(api, f"SELECT Id, AnnualRevenue FROM Account WHERE Id = '{record_id}'")
    finished(api, job["id"])
    page = api.call("GET", f"{BASE}/jobs/query/{job['id']}/results")
    rows = list(csv.reader(io.StringIO(content(page).decode(), newline="")))
    assert rows == [["Id", "AnnualRevenue"], [record_id, "1.0E18"]]


def test_bulk_ingest_rounds_like_rest(org: Org) -> None:
    api = Api(org)
    info = run_job(api, "X__c", "insert", "Name,Quantity__c,Amount__c\nb,12.5,0.125\n")
    assert info["numberRecordsFailed"] == 0
    query = parse("SELECT Quantity__c, Amount__c FROM X__c WHERE Name = 'b'", org.schema)
    assert list(org.run_query(query, False)) == [(13.0, 0.13)]
