"""Warehouse SQL builders: every statement parses with sqlglot's Snowflake dialect, binds
match placeholders, and the text equals its snapshot in tests/snapshots/warehouse/.

Regenerate snapshots with ``LHT_UPDATE_SNAPSHOTS=1 pytest tests/unit/warehouse``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlglot

from lht.errors import ConfigError
from lht.model import Column
from lht.warehouse import conversion_statements as cst
from lht.warehouse import lock_statements as lst
from lht.warehouse import state_statements as sst
from lht.warehouse import statements as st
from lht.warehouse.identifiers import TableName
from lht.warehouse.stage import remove_prefix_statement
from lht.warehouse.statements import Statement

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots" / "warehouse"
NOW = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
COLUMNS = (
    Column("Id", "VARCHAR(18)", "id"),
    Column("Order__c", "NUMBER(18,2)", "currency"),
    Column("IsDeleted", "BOOLEAN", "boolean"),
    Column("SystemModstamp", "TIMESTAMP_NTZ(3)", "datetime"),
)
ORDER = COLUMNS[-1]
LIVE = TableName.of("raw", "case")
NEW = TableName.of("raw", "case__lht_new_run1")
STG = st.staging_table("case", "run-1-abc")
T = sst.StateTables()


def _load_statements() -> dict[str, Statement]:
    return {
        "create_target": st.create_table(LIVE, COLUMNS, if_not_exists=True),
        "create_new": st.create_table(NEW, COLUMNS, if_not_exists=False),
        "create_staging": st.create_staging_table(STG, COLUMNS),
        "create_schema": st.create_schema("raw"),
        "copy_into_staging": st.copy_into_staging(STG, "LHT.LHT_STAGE", "Case", "run1"),
        "merge_soft": st.merge_from_staging(LIVE, STG, COLUMNS, order=ORDER),
        "merge_hard": st.merge_from_staging(LIVE, STG, COLUMNS, order=ORDER, delete_policy="hard"),
        "merge_no_order": st.merge_from_staging(LIVE, STG, COLUMNS[:2]),
        "merge_full": st.merge_from_staging(LIVE, STG, COLUMNS, order=ORDER, guard=False),
        "insert_soft": st.insert_from_staging(NEW, STG, COLUMNS, order=ORDER),
        "insert_hard": st.insert_from_staging(NEW, STG, COLUMNS, order=ORDER, delete_policy="hard"),
        "carry_over": st.insert_absent_rows_as_deleted(NEW, LIVE, COLUMNS),
        "flag_absent": st.flag_absent_rows(LIVE, STG, COLUMNS),
        "delete_absent": st.delete_absent_rows(LIVE, STG, COLUMNS),
        "count_absent": st.count_absent_rows(LIVE, NEW),
        "replace_table": st.replace_table(LIVE, NEW),
        "rename_table": st.rename_table(NEW, LIVE),
        "drop_table": st.drop_table(NEW),
        "add_column": st.add_column(LIVE, Column("Region__c", "VARCHAR", "picklist")),
        "widen_column": st.widen_column(LIVE, "Order__c", "NUMBER(38,2)"),
        "first_unconvertible": _first_unconvertible(),
        "table_columns": st.table_columns(LIVE),
        "remove_prefix": remove_prefix_statement("LHT.LHT_STAGE", "Case", "run1"),
    }


def _first_unconvertible() -> Statement:
    stmt = cst.first_unconvertible(STG, COLUMNS)
    assert stmt is not None
    return stmt


def test_first_unconvertible_checks_only_columns_whose_conversion_can_fail() -> None:
    stmt = _first_unconvertible()
    text_only = cst.first_unconvertible(
        STG, (Column("Id", "VARCHAR(18)"), Column("Name", "VARCHAR"))
    )

    assert stmt.params == ("ORDER__C", "NUMBER(18,2)", "ISDELETED", "BOOLEAN",
                           "SYSTEMMODSTAMP", "TIMESTAMP_NTZ(3)")  # fmt: skip
    assert stmt.text.count(" UNION ALL ") == 2
    assert text_only is None


def _state_statements() -> dict[str, Statement]:
    return {
        "state_columns": sst.state_columns(T),
        "add_state_column": sst.add_state_column(T, "SYNC_STATE", "DELETES_CHECKED_TO"),
        "mark_formulas_refreshed": sst.mark_formulas_refreshed(
            T, sobject="Case", schema="RAW", table="CASE", at=NOW
        ),
        "create_state": sst.create_state_table(T),
        "create_runs": sst.create_runs_table(T),
        "create_locks": sst.create_locks_table(T),
        "read_state": sst.read_state(T, "Case", "RAW", "CASE"),
        "upsert_state": sst.upsert_state(
            T,
            sobject="Case",
            schema="RAW",
            table="CASE",
            watermark_field="SystemModstamp",
            watermark=NOW,
            run_id="run1",
            success_at=NOW,
            deletes_checked_to=NOW,
        ),
        "insert_run": sst.insert_run(
            T, {"RUN_ID": "run1", "STATUS": "RUNNING", "STARTED_AT": NOW, "ESTIMATED_RECORDS": 5}
        ),
        "update_run": sst.update_run(
            T, "run1", {"STATUS": "SUCCESS", "ENDED_AT": NOW, "ROWS_INSERTED": 3}
        ),
        **_lock_statements(),
    }


def _lock_statements() -> dict[str, Statement]:
    return {
        "ensure_lock_slot": lst.ensure_lock_slot(T, "RAW.CASE"),
        "claim_lock": lst.claim_lock(
            T, "RAW.CASE", "run1", now=NOW, expires_at=NOW, stale_before=NOW, dead_holder="run0"
        ),
        "read_lock": lst.read_lock(T, "RAW.CASE"),
        "release_lock": lst.release_lock(T, "RAW.CASE", "run1"),
        "read_run_status": lst.read_run_status(T.runs, "run0"),
        "mark_run_abandoned": lst.mark_run_abandoned(T.runs, "run0", NOW, "abandoned"),
    }


def statements() -> dict[str, Statement]:
    return {**_load_statements(), **_state_statements()}


@pytest.mark.parametrize("name", sorted(statements()))
def test_warehouse_statement_parses_as_snowflake_and_matches_snapshot(name: str) -> None:
    stmt = statements()[name]
    parsed = sqlglot.parse(stmt.text, read="snowflake")
    assert len(parsed) == 1 and parsed[0] is not None
    if not stmt.text.startswith("REMOVE"):  # sqlglot keeps REMOVE as a raw command
        assert not isinstance(parsed[0], sqlglot.exp.Command), "fell back to an unparsed command"
    assert stmt.text.count("?") == len(stmt.params)
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("LHT_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(stmt.text + "\n")
    assert path.read_text() == stmt.text + "\n"


def test_statement_ddl_flag_set_for_ddl_only() -> None:
    for name, stmt in statements().items():
        verb = stmt.text.split(" ", 1)[0]
        assert stmt.ddl == (verb in {"CREATE", "ALTER", "DROP"}), name


def test_merge_binds_only_inside_using_source() -> None:
    for name in ("upsert_state",):
        text = statements()[name].text
        using_end = text.index(") AS s")
        assert "?" not in text[using_end:], name


def test_staging_table_names_are_valid_and_short() -> None:
    assert STG.display == "LHT.CASE__LHT_STG_RUN1ABC"
    long_id = st.staging_table("ACCOUNTS", "0123456789abcdef0123")
    assert long_id.table == "ACCOUNTS__LHT_STG_0123456789AB"
    with pytest.raises(ConfigError):
        st.staging_table("ACCOUNTS", "---")


def test_builders_reject_missing_key_and_empty_columns() -> None:
    with pytest.raises(ConfigError, match="key column"):
        st.merge_from_staging(LIVE, STG, COLUMNS[1:])
    with pytest.raises(ConfigError):
        st.create_table(LIVE, (), if_not_exists=True)
    with pytest.raises(ConfigError, match="IsDeleted"):
        st.insert_absent_rows_as_deleted(NEW, LIVE, COLUMNS[:2])


def test_column_types_are_validated_before_reaching_sql() -> None:
    bad = (Column("Id", "VARCHAR(18)"), Column("X", "VARCHAR); DROP TABLE t; --"))
    with pytest.raises(ConfigError):
        st.create_table(LIVE, bad, if_not_exists=True)
    with pytest.raises(ConfigError):
        st.create_schema('raw"; DROP')
    with pytest.raises(ConfigError):
        st.add_column(LIVE, bad[1])


def test_merge_guard_only_when_the_order_column_is_written() -> None:
    guarded = st.merge_from_staging(LIVE, STG, COLUMNS, order=ORDER)
    assert 's."SYSTEMMODSTAMP" >= t."SYSTEMMODSTAMP"' in guarded.text
    unwritten = st.merge_from_staging(LIVE, STG, COLUMNS[:3], order=ORDER)
    assert ">=" not in unwritten.text
    assert ">=" not in st.merge_from_staging(LIVE, STG, COLUMNS, order=ORDER, guard=False).text


def test_hard_policy_without_is_deleted_column_behaves_like_soft() -> None:
    soft = st.merge_from_staging(LIVE, STG, COLUMNS[:2])
    hard = st.merge_from_staging(LIVE, STG, COLUMNS[:2], delete_policy="hard")
    assert soft.text == hard.text


def test_timestamp_param_converts_aware_to_utc_and_keeps_naive() -> None:
    from datetime import timedelta, timezone  # noqa: PLC0415

    aware = datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert sst.timestamp_param(aware) == "2024-01-01 00:00:00.000000"
    assert sst.timestamp_param(datetime(2024, 1, 1)) == "2024-01-01 00:00:00.000000"
    assert sst.timestamp_param(None) is None


@pytest.mark.parametrize(
    "values",
    [{"STATUS": "X"}, {"RUN_ID": "r", "BOGUS": 1}],
)
def test_insert_run_rejects_bad_columns(values: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        sst.insert_run(T, values)


def test_update_run_rejects_run_id_and_unknown_columns() -> None:
    with pytest.raises(ConfigError):
        sst.update_run(T, "r", {"RUN_ID": "x"})
    with pytest.raises(ConfigError):
        sst.update_run(T, "r", {})
