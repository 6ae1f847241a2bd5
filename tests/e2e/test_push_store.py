"""The push executor with the real warehouse store on the local stand-in (Salesforce faked).

Checks what lands in LHT.PUSH_RESULTS / PUSH_RUNS / PUSH_HASHES, diff mode state, and that
bad sources fail before anything is sent or written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lht.errors import ConcurrentRunError, ConfigError
from lht.push.executor import push
from lht.push.options import PushOptions, PushRequest
from lht.push.plan import plan_push
from lht.push.source import classify_source
from lht.push.store import WarehousePushStore
from tests.e2e.push_support import new_schema, rows
from tests.unit.push.push_builders import contact_describe
from tests.unit.push.push_fakes import FakeSalesforce


@pytest.fixture(scope="module")
def session(snowpark_session: Any) -> Any:
    """The shared embedded warehouse session (tests/conftest.py)."""
    return snowpark_session


@pytest.fixture
def source(session: Any) -> str:
    schema = new_schema(session)
    session.sql(
        f'CREATE TABLE "{schema}".CONTACTS_OUT (LASTNAME VARCHAR, EXT_ID__C VARCHAR, '
        "BIRTHDATE DATE, LASTSEEN__C TIMESTAMP_NTZ(3), NUMBEROFPETS__C NUMBER(10,2))"
    ).collect()
    session.sql(
        f'INSERT INTO "{schema}".CONTACTS_OUT VALUES '
        "('Ada', 'E1', '1815-12-10', '2024-01-02 03:04:05.678', 2.50), "
        "('FAIL', 'E2', NULL, NULL, NULL), ('Grace', 'E3', NULL, NULL, 1)"
    ).collect()
    return f"{schema}.CONTACTS_OUT"


def _push(session: Any, source: str, run_id: str, **options: Any) -> tuple[Any, FakeSalesforce]:
    sf = FakeSalesforce(contact_describe())
    opts = PushOptions.from_mapping({"external_id_field": "Ext_Id__c", **options})
    summary = push(
        PushRequest("Contact", "upsert", source, opts),
        sf,
        WarehousePushStore(session),
        run_id=run_id,
    )
    return summary, sf


def test_push_store_records_results_and_run_row(session: Any, source: str) -> None:
    summary, sf = _push(session, source, "storerun1", collections_threshold=0)
    assert (summary.succeeded, summary.failed, summary.success) == (2, 1, False)
    assert sf.uploads[0] == (
        b"LastName,Ext_Id__c,Birthdate,LastSeen__c,NumberOfPets__c\n"
        b"Ada,E1,1815-12-10,2024-01-02T03:04:05.678Z,2.5\nFAIL,E2,,,\nGrace,E3,,,1\n"
    )
    got = rows(
        session, "SELECT * FROM LHT.PUSH_RESULTS WHERE RUN_ID = ? ORDER BY SOURCE_KEY", "storerun1"
    )
    assert [(r["SOURCE_KEY"], r["SUCCESS"], r["OUTCOME"]) for r in got] == [
        ("E1", True, "succeeded"),
        ("E2", False, "failed"),
        ("E3", True, "succeeded"),
    ]
    assert got[1]["ERROR"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION")
    assert got[0]["CREATED"] is True and got[0]["JOB_ID"] == sf.jobs[0].id
    run = rows(session, "SELECT * FROM LHT.PUSH_RUNS WHERE RUN_ID = ?", "storerun1")
    assert len(run) == 1
    assert (run[0]["STATUS"], run[0]["SUCCESS"], run[0]["ROWS_FAILED"], run[0]["JOBS"]) == (
        "PARTIAL",
        False,
        1,
        1,
    )
    assert run[0]["SOURCE"] == source.upper()


def test_push_store_diff_mode_sends_only_changed_rows(session: Any, source: str) -> None:
    first, _ = _push(session, source, "diffrun1", only_changed=True)
    assert first.rows_sent == 3
    hashes = rows(
        session,
        "SELECT SOURCE_KEY FROM LHT.PUSH_HASHES WHERE SOURCE = ? ORDER BY SOURCE_KEY",
        source.upper(),
    )
    assert [h["SOURCE_KEY"] for h in hashes] == ["E1", "E3"]  # E2 failed: no hash
    second, sf = _push(session, source, "diffrun2", only_changed=True)
    assert (second.rows_sent, second.rows_unchanged) == (1, 2)
    assert sf.collection_calls[0][1] == [{"LastName": "FAIL", "Ext_Id__c": "E2"}]
    session.sql(f"UPDATE {source} SET LASTNAME = 'Ada L.' WHERE EXT_ID__C = 'E1'").collect()
    session.sql(f"UPDATE {source} SET LASTNAME = 'Fixed' WHERE EXT_ID__C = 'E2'").collect()
    third, sf = _push(session, source, "diffrun3", only_changed=True)
    assert third.rows_sent == 2 and third.success
    sent = sorted(r["Ext_Id__c"] for r in sf.collection_calls[0][1])
    assert sent == ["E1", "E2"]
    fourth, sf = _push(session, source, "diffrun4", only_changed=True)
    assert (fourth.rows_sent, fourth.method, sf.collection_calls) == (0, "none", [])


def test_push_store_select_source_with_order(session: Any, source: str) -> None:
    query = f"SELECT lastname, ext_id__c FROM {source} WHERE lastname <> 'FAIL'"
    summary, sf = _push(session, query, "selrun1", order_by="LASTNAME", collections_threshold=0)
    assert summary.success and summary.rows_sent == 2
    assert sf.uploads[0] == b"LastName,Ext_Id__c\nAda,E1\nGrace,E3\n"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("NO_SUCH_SCHEMA.NO_TABLE", "cannot be read"),
        ("SELECT lastname FROM NO_SUCH_TABLE_X", "cannot be read"),
        ("SELECT lastname FRM x", "cannot be read"),
        ("SELECT 1; DROP TABLE x", "single SELECT"),
    ],
)
def test_push_store_bad_source_sends_and_writes_nothing(
    session: Any, bad: str, message: str
) -> None:
    WarehousePushStore(session).ensure_tables()
    before = rows(session, "SELECT COUNT(*) AS N FROM LHT.PUSH_RUNS")[0]["N"]
    sf = FakeSalesforce(contact_describe())
    with pytest.raises(ConfigError, match=message):
        push(PushRequest("Contact", "insert", bad), sf, WarehousePushStore(session))
    assert sf.jobs == [] and sf.collection_calls == []
    assert rows(session, "SELECT COUNT(*) AS N FROM LHT.PUSH_RUNS")[0]["N"] == before


def test_push_store_wrong_type_is_rejected_before_sending(session: Any, source: str) -> None:
    sf = FakeSalesforce(contact_describe())
    query = f"SELECT lastname, ext_id__c, lastname AS birthdate FROM {source}"
    opts = PushOptions(external_id_field="Ext_Id__c")
    with pytest.raises(ConfigError, match="string values cannot be pushed to date field"):
        push(PushRequest("Contact", "upsert", query, opts), sf, WarehousePushStore(session))
    assert sf.jobs == [] and sf.collection_calls == []


def test_push_store_empty_source_is_noop(session: Any, source: str) -> None:
    query = f"SELECT lastname, ext_id__c FROM {source} WHERE 1 = 0"
    summary, sf = _push(session, query, "emptyrun1")
    assert (summary.success, summary.method, sf.jobs, sf.collection_calls) == (True, "none", [], [])
    now = datetime.now(UTC)
    run = rows(session, "SELECT STATUS, ENDED_AT FROM LHT.PUSH_RUNS WHERE RUN_ID = ?", "emptyrun1")
    assert run[0]["STATUS"] == "SUCCEEDED" and run[0]["ENDED_AT"] <= now.replace(tzinfo=None)


def test_push_store_second_concurrent_push_fails_fast(session: Any, source: str) -> None:
    store = WarehousePushStore(session)
    request = PushRequest("Contact", "upsert", source, PushOptions(external_id_field="Ext_Id__c"))
    columns = store.source_columns(classify_source(source))
    plan = plan_push(request, contact_describe(), columns)
    sf = FakeSalesforce(contact_describe())
    with store.lock(plan, "holder-run"), pytest.raises(ConcurrentRunError, match="holder-run"):
        push(request, sf, WarehousePushStore(session))
    assert sf.jobs == [] and sf.collection_calls == []
    summary = push(request, sf, WarehousePushStore(session))  # released: runs again
    assert summary.rows_sent == 3
