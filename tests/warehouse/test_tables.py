"""Full-sync rebuild + replace, drift ADD COLUMN, INFORMATION_SCHEMA columns, runner errors,
stage cleanup — on the local stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from lht.errors import WarehouseError
from lht.model import Column
from lht.warehouse import statements as st
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner, merge_counts
from lht.warehouse.stage import StageWriter
from lht.warehouse.types import declared_type
from tests.warehouse.builders import ACCOUNT_COLUMNS, MODSTAMP, csv_page, row, run_id

STAGE = "LHT.LHT_STAGE"


def _staged(runner: StatementRunner, session: Any, table: str, rows: list[Any]) -> TableName:
    rid = run_id()
    StageWriter(session, STAGE).put(f"Account/{rid}/part-00000.csv.gz", csv_page(rows))
    staging = st.staging_table(table, rid)
    runner.run(st.create_staging_table(staging, ACCOUNT_COLUMNS))
    runner.run(st.copy_into_staging(staging, STAGE, "Account", rid))
    return staging


def _ids(runner: StatementRunner, table: TableName) -> dict[str, bool]:
    rows = runner.run(st.Statement("read", f'SELECT "ID", "ISDELETED" FROM {table.sql}'))
    return {r["ID"]: r["ISDELETED"] for r in rows}


def _full_sync(
    runner: StatementRunner, session: Any, live: TableName, rows: list[Any], policy: str
) -> int:
    staging = _staged(runner, session, live.table, rows)
    new = TableName.of(live.schema, f"{live.table}__LHT_NEW_X")
    runner.run(st.create_table(new, ACCOUNT_COLUMNS, if_not_exists=False))
    insert = st.insert_from_staging(new, staging, ACCOUNT_COLUMNS, order=MODSTAMP,
                                    delete_policy=policy)  # type: ignore[arg-type]  # fmt: skip
    runner.run(insert)
    absent = runner.run(st.count_absent_rows(live, new))[0]["ABSENT"]
    if policy == "soft":
        runner.run(st.insert_absent_rows_as_deleted(new, live, ACCOUNT_COLUMNS))
    runner.run(st.replace_table(live, new))
    runner.run(st.drop_table(new))
    return int(absent)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("soft", {"001A": False, "001B": True, "001C": False, "001D": True}),
        ("hard", {"001A": False, "001C": False}),
    ],
)
def test_full_sync_replace_applies_delete_policy_to_absent_rows(
    runner: StatementRunner, wh_session: Any, schema: str, policy: str, expected: dict[str, bool]
) -> None:
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    first = _staged(runner, wh_session, live.table, [row("001A"), row("001B")])
    runner.run(st.merge_from_staging(live, first, ACCOUNT_COLUMNS, order=MODSTAMP))
    rows = [row("001A"), row("001C"), row("001D", deleted="true")]
    absent = _full_sync(runner, wh_session, live, rows, policy)
    assert absent == 1
    assert _ids(runner, live) == expected


@pytest.mark.parametrize(
    ("policy", "expected", "absent"),
    [
        ("soft", {"001A": False, "001B": True, "001C": False, "001D": True}, 1),
        ("hard", {"001A": False, "001C": False}, 1),
    ],
)
def test_full_sync_in_place_one_transaction_applies_delete_policy(  # noqa: PLR0917 - fixtures
    runner: StatementRunner,
    wh_session: Any,
    schema: str,
    policy: str,
    expected: dict[str, bool],
    absent: int,
) -> None:
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    first = _staged(runner, wh_session, live.table, [row("001A"), row("001B")])
    runner.run(st.merge_from_staging(live, first, ACCOUNT_COLUMNS, order=MODSTAMP))
    rows = [row("001A", name="x"), row("001C"), row("001D", deleted="true")]
    staging = _staged(runner, wh_session, live.table, rows)
    merge = st.merge_from_staging(live, staging, ACCOUNT_COLUMNS, order=MODSTAMP,
                                  delete_policy=policy, guard=False)  # type: ignore[arg-type]  # fmt: skip
    gone = (
        st.flag_absent_rows(live, staging, ACCOUNT_COLUMNS)
        if policy == "soft"
        else st.delete_absent_rows(live, staging, ACCOUNT_COLUMNS)
    )
    with runner.transaction() as tx:
        tx.run(merge)
        counts = merge_counts(tx.run(gone))
    assert counts.updated + counts.deleted == absent
    assert _ids(runner, live) == expected


def test_merge_guard_never_rolls_a_row_back_full_merge_does(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    """Incremental MERGE updates a row only when the staged stamp is not older; the full
    sync's unguarded MERGE takes Salesforce's row as it is."""
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    newer = row("001A", name="newer", modstamp="2024-02-01T00:00:00.000Z")
    runner.run(st.merge_from_staging(live, _staged(runner, wh_session, live.table, [newer]),
                                     ACCOUNT_COLUMNS, order=MODSTAMP))  # fmt: skip
    older = row("001A", name="older", modstamp="2024-01-01T00:00:00.000Z")
    same = row("001B", name="same")
    staging = _staged(runner, wh_session, live.table, [older, same])
    with runner.transaction() as tx:
        counts = merge_counts(tx.run(st.merge_from_staging(live, staging, ACCOUNT_COLUMNS,
                                                           order=MODSTAMP)))  # fmt: skip
    assert (counts.inserted, counts.updated) == (1, 0)
    names = runner.run(st.Statement("r", f'SELECT "NAME" FROM {live.sql} WHERE "ID" = \'001A\''))
    assert names[0]["NAME"] == "newer"
    full = st.merge_from_staging(live, staging, ACCOUNT_COLUMNS, order=MODSTAMP, guard=False)
    assert merge_counts(runner.run(full)).updated == 1  # 001B is unchanged: not rewritten
    names = runner.run(st.Statement("r", f'SELECT "NAME" FROM {live.sql} WHERE "ID" = \'001A\''))
    assert names[0]["NAME"] == "older"


_ONE_CHANGE = {
    "name": "other",
    "revenue": "9.6E8",
    "employees": "13",
    "rating": "",
    "founded": "2023-10-23",
    "opens": "06:25:13.000Z",
    "meta": '{"a":2}',
}


def test_full_merge_updates_only_rows_whose_values_differ(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    """Same stamp everywhere (like a formula that changed without SystemModstamp moving): a
    row counts as updated exactly when one column of any type (text, number, float → NULL,
    date, time, VARIANT) differs; identical rows are not rewritten."""
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    ids = [f"001{i:02d}" for i in range(len(_ONE_CHANGE) + 3)]
    first = _staged(runner, wh_session, live.table, [row(i, rating="") for i in ids[:3]]
                    + [row(i) for i in ids[3:]])  # fmt: skip
    runner.run(st.merge_from_staging(live, first, ACCOUNT_COLUMNS, order=MODSTAMP))
    changed = [row(i, rating="") for i in ids[:3]] + [
        row(i, **{key: value}) for i, (key, value) in zip(ids[3:], _ONE_CHANGE.items(), strict=True)
    ]
    again = _staged(runner, wh_session, live.table, changed)
    for guard in (False, True):
        merge = st.merge_from_staging(live, again, ACCOUNT_COLUMNS, order=MODSTAMP, guard=guard)
        with runner.transaction() as tx:
            counts = merge_counts(tx.run(merge))
        assert (counts.inserted, counts.updated) == (0, len(_ONE_CHANGE) if not guard else 0)


def test_replace_table_keeps_declared_types(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    _full_sync(runner, wh_session, live, [row("001A")], "soft")
    rows = runner.run(st.table_columns(live))
    got = [declared_type(r["DATA_TYPE"], r["NUMERIC_PRECISION"], r["NUMERIC_SCALE"],
                         r["CHARACTER_MAXIMUM_LENGTH"]) for r in rows]  # fmt: skip
    assert got == [
        "VARCHAR(18)", "VARCHAR", "NUMBER(18,2)", "NUMBER(9,0)", "FLOAT", "BOOLEAN", "DATE",
        "TIME", "VARIANT", "TIMESTAMP_NTZ",
    ]  # fmt: skip


def test_rename_table_first_full_sync_moves_rows_and_refuses_overwrite(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    live = TableName.of(schema, "ACCOUNTS")
    new = TableName.of(schema, "ACCOUNTS__LHT_NEW_1")
    staging = _staged(runner, wh_session, live.table, [row("001A")])
    runner.run(st.create_table(new, ACCOUNT_COLUMNS, if_not_exists=False))
    runner.run(st.insert_from_staging(new, staging, ACCOUNT_COLUMNS, order=MODSTAMP))
    runner.run(st.rename_table(new, live))
    assert _ids(runner, live) == {"001A": False}
    assert runner.run(st.table_columns(new)) == []
    runner.run(st.create_table(new, ACCOUNT_COLUMNS, if_not_exists=False))
    with pytest.raises(WarehouseError, match="rename_table"):
        runner.run(st.rename_table(new, live))
    assert _ids(runner, live) == {"001A": False}


def test_table_columns_missing_table_returns_no_rows(runner: StatementRunner, schema: str) -> None:
    assert runner.run(st.table_columns(TableName.of(schema, "NOPE"))) == []


def test_add_column_drift_existing_rows_null_later_merges_fill(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    live = TableName.of(schema, "ACCOUNTS")
    base = tuple(c for c in ACCOUNT_COLUMNS if c.name != "Rating__c")
    runner.run(st.create_table(live, base, if_not_exists=True))
    first = _staged(runner, wh_session, live.table, [row("001A"), row("001B")])
    runner.run(st.merge_from_staging(live, first, base, order=MODSTAMP))
    runner.run(st.add_column(live, Column("Rating__c", "FLOAT", "double")))
    names = [r["COLUMN_NAME"] for r in runner.run(st.table_columns(live))]
    assert names[-1] == "RATING__C"
    changed = row("001A", rating="9.5E8", modstamp="2024-01-01T00:00:00.000Z")
    staging = _staged(runner, wh_session, live.table, [changed])
    merge = st.merge_from_staging(live, staging, ACCOUNT_COLUMNS, order=MODSTAMP)
    assert merge_counts(runner.run(merge)).updated == 1
    got = runner.run(st.Statement("r", f'SELECT "ID", "RATING__C" FROM {live.sql} ORDER BY 1'))
    assert [(r["ID"], r["RATING__C"]) for r in got] == [("001A", 9.5e8), ("001B", None)]


def test_failure_before_commit_leaves_target_and_watermark_unchanged(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    """MERGE + watermark + run row in one transaction; a failure after the MERGE rolls all
    of it back (the sync design's crash-safety guarantee)."""
    import datetime as dt  # noqa: PLC0415

    from lht.state.bootstrap import ensure_state_tables  # noqa: PLC0415
    from lht.state.runlog import RunCounts, RunStart, start_run, successful_run  # noqa: PLC0415
    from lht.state.watermarks import advance_watermark, read_sync_state  # noqa: PLC0415
    from lht.warehouse.state_statements import StateTables  # noqa: PLC0415

    tables = StateTables(schema)
    ensure_state_tables(runner, tables)
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    t0, t1 = dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)
    runner.run_all(list(advance_watermark(tables, sobject="Account", schema=schema,
                                          table="ACCOUNTS", watermark_field="SystemModstamp",
                                          upper_bound=t0, run_id="r0", success_at=t0)))  # fmt: skip
    runner.run(start_run(tables, RunStart("r1", "Account", schema, "ACCOUNTS", "bulk", t1)))
    staging = _staged(runner, wh_session, live.table, [row("001A")])
    with pytest.raises(RuntimeError), runner.transaction() as tx:
        tx.run(st.merge_from_staging(live, staging, ACCOUNT_COLUMNS, order=MODSTAMP))
        tx.run_all(list(advance_watermark(tables, sobject="Account", schema=schema,
                                          table="ACCOUNTS", watermark_field="SystemModstamp",
                                          upper_bound=t1, run_id="r1", success_at=t1)))  # fmt: skip
        tx.run(successful_run(tables, "r1", t1, RunCounts(rows_inserted=1)))
        raise RuntimeError("injected before COMMIT")
    assert _ids(runner, live) == {}
    state = read_sync_state(runner, tables, "Account", schema, "ACCOUNTS")
    assert state is not None and (state.watermark, state.last_run_id) == (t0, "r0")
    runs = runner.run(st.Statement("r", f"SELECT STATUS FROM {tables.runs.sql}"))
    assert [r["STATUS"] for r in runs] == ["RUNNING"]


def test_runner_maps_driver_error_to_warehouse_error_without_values(
    runner: StatementRunner,
) -> None:
    stmt = st.Statement("probe", "SELECT TO_NUMBER(?, 5, 0) AS X", ("secret-looking-value",))
    with pytest.raises(WarehouseError, match="statement probe failed") as info:
        runner.run(stmt)
    assert "secret-looking-value" not in str(info.value)


def test_merge_inside_transaction_rolled_back_leaves_target(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    live = TableName.of(schema, "ACCOUNTS")
    runner.run(st.create_table(live, ACCOUNT_COLUMNS, if_not_exists=True))
    first = _staged(runner, wh_session, live.table, [row("001A")])
    with runner.transaction() as tx:
        tx.run(st.merge_from_staging(live, first, ACCOUNT_COLUMNS, order=MODSTAMP))
    second = _staged(runner, wh_session, live.table, [row("001A", deleted="true"), row("001B")])
    with pytest.raises(RuntimeError, match="injected"), runner.transaction() as tx:
        counts = merge_counts(tx.run(st.merge_from_staging(live, second, ACCOUNT_COLUMNS,
                                                           order=MODSTAMP)))  # fmt: skip
        assert (counts.inserted, counts.updated) == (1, 1)
        raise RuntimeError("injected failure between MERGE and COMMIT")
    assert _ids(runner, live) == {"001A": False}
    assert not runner.in_transaction


def test_stage_remove_prefix_removes_the_run_files_only(
    runner: StatementRunner, wh_session: Any
) -> None:
    writer = StageWriter(wh_session, STAGE)
    rid, other = run_id(), run_id()
    writer.put(f"Account/{rid}/part-00000.csv.gz", csv_page([row("001A")]))
    writer.put(f"Account/{other}/part-00000.csv.gz", csv_page([row("001B")]))

    assert writer.remove_prefix(runner, "Account", rid) is True
    listed = [r["name"] for r in wh_session.sql(f"LIST @{STAGE}/Account/").collect()]
    assert not [n for n in listed if f"/{rid}/" in n]
    assert [n for n in listed if f"/{other}/" in n]


def test_stage_remove_prefix_failure_returns_false(
    runner: StatementRunner, wh_session: Any
) -> None:
    missing = StageWriter(wh_session, "LHT.NO_SUCH_STAGE")
    assert missing.remove_prefix(runner, "Account", run_id()) is False


def test_stage_put_stream_returns_bytes(wh_session: Any) -> None:
    import io  # noqa: PLC0415

    data = csv_page([row("001A")])
    assert StageWriter(wh_session, STAGE).put(
        f"Account/{run_id()}/p.csv.gz", io.BytesIO(data)
    ) == len(data)


def test_reserved_word_names_work_and_unquoted_queries_still_resolve(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    case = TableName.of(schema, "case")
    columns = (Column("Id", "VARCHAR(18)", "id"), Column("Order__c", "NUMBER(18,2)", "double"),
               Column("Select", "VARCHAR", "string"))  # fmt: skip
    runner.run(st.create_table(case, columns, if_not_exists=True))
    runner.run(st.Statement("i", f"INSERT INTO {case.sql} VALUES ('500A', 1.5, 'x')"))
    accounts = TableName.of(schema, "accounts")
    runner.run(st.create_table(accounts, columns[:2], if_not_exists=True))
    runner.run(st.Statement("i", f"INSERT INTO {accounts.sql} VALUES ('001A', 2)"))
    got = runner.run(st.Statement("q", f"SELECT id, order__c FROM {schema.lower()}.accounts"))
    assert [(r["ID"], r["ORDER__C"]) for r in got] == [("001A", 2)]
    got = runner.run(st.Statement("q", f'SELECT "ORDER__C", "SELECT" FROM {case.sql}'))
    assert [(r["ORDER__C"], r["SELECT"]) for r in got] == [(1.5, "x")]
