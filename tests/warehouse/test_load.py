"""Stage upload, COPY into staging and dedupe MERGE on the local stand-in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lht.errors import WarehouseError
from lht.warehouse import statements as st
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner, merge_counts
from lht.warehouse.stage import StageWriter
from tests.warehouse.builders import ACCOUNT_COLUMNS, MODSTAMP, csv_page, row, run_id

STAGE = "LHT.LHT_STAGE"


def _load(
    runner: StatementRunner,
    session: Any,
    target: TableName,
    pages: list[bytes],
    *,
    path: str = "merge",
    delete_policy: str = "soft",
) -> tuple[Any, TableName]:
    rid = run_id()
    writer = StageWriter(session, STAGE)
    for number, page in enumerate(pages):
        assert writer.put(f"Account/{rid}/part-{number:05d}.csv.gz", page) == len(page)
    staging = st.staging_table(target.table, rid)
    runner.run(st.create_staging_table(staging, ACCOUNT_COLUMNS))
    runner.run(st.copy_into_staging(staging, STAGE, "Account", rid))
    runner.run(st.create_table(target, ACCOUNT_COLUMNS, if_not_exists=True))
    stmt = st.merge_from_staging(
        target,
        staging,
        ACCOUNT_COLUMNS,
        order=MODSTAMP,
        delete_policy=delete_policy,  # type: ignore[arg-type]
    )
    if path == "transaction":  # as the sync applies it: inside BEGIN ... COMMIT
        with runner.transaction() as tx:
            return merge_counts(tx.run(stmt)), staging
    return merge_counts(runner.run(stmt)), staging


def _rows(runner: StatementRunner, table: TableName) -> dict[str, Any]:
    rows = runner.run(st.Statement("read", f'SELECT * FROM {table.sql} ORDER BY "ID"'))
    return {r["ID"]: r for r in rows}


def test_merge_bulk_values_converted_with_types(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    page = csv_page(
        [
            row("001A"),
            row(
                "001B",
                name="",
                revenue="",
                rating="",
                founded="",
                opens="",
                meta="",
                modstamp="2023-10-22T06:25:12.123Z",
            ),
        ]
    )
    counts, _ = _load(runner, wh_session, target, [page])
    assert (counts.inserted, counts.updated, counts.deleted) == (2, 0, 0)
    got = _rows(runner, target)
    a, b = got["001A"], got["001B"]
    assert a["NAME"] == "Acme"
    assert a["ANNUALREVENUE"] == Decimal("950000000.00")
    assert a["NUMBEROFEMPLOYEES"] == 12
    assert a["RATING__C"] == 1.0
    assert a["ISDELETED"] is False
    assert a["FOUNDED__C"] == dt.date(2023, 10, 22)
    assert a["OPENS__C"] == dt.time(6, 25, 12)
    assert a["SYSTEMMODSTAMP"] == dt.datetime(2023, 10, 22, 6, 25, 12)
    assert b["SYSTEMMODSTAMP"] == dt.datetime(2023, 10, 22, 6, 25, 12, 123000)
    for column in ("NAME", "ANNUALREVENUE", "RATING__C", "FOUNDED__C", "OPENS__C", "META__C"):
        assert b[column] is None, column


@pytest.mark.parametrize("path", ["merge", "transaction"])
def test_merge_duplicate_ids_keeps_greatest_modstamp(
    runner: StatementRunner, wh_session: Any, schema: str, path: str
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    older = row("001A", name="old", modstamp="2023-10-22T06:25:12.000Z")
    newer = row("001A", name="new", modstamp="2023-10-22T06:25:12.001Z")
    counts, _ = _load(
        runner, wh_session, target, path=path, pages=[csv_page([newer]), csv_page([older])]
    )
    assert counts.inserted == 1
    assert _rows(runner, target)["001A"]["NAME"] == "new"


@pytest.mark.parametrize("path", ["merge", "transaction"])
def test_merge_second_load_updates_and_inserts(
    runner: StatementRunner, wh_session: Any, schema: str, path: str
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    _load(runner, wh_session, target, path=path, pages=[csv_page([row("001A"), row("001B")])])
    changed = row("001A", name="Acme 2", modstamp="2024-01-01T00:00:00.000Z")
    counts, _ = _load(
        runner, wh_session, target, path=path, pages=[csv_page([changed, row("001C")])]
    )
    assert (counts.inserted, counts.updated) == (1, 1)
    got = _rows(runner, target)
    assert sorted(got) == ["001A", "001B", "001C"]
    assert got["001A"]["NAME"] == "Acme 2"


@pytest.mark.parametrize("path", ["merge", "transaction"])
def test_merge_soft_policy_keeps_deleted_rows_flagged(
    runner: StatementRunner, wh_session: Any, schema: str, path: str
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    _load(runner, wh_session, target, path=path, pages=[csv_page([row("001A"), row("001B")])])
    gone = row("001A", deleted="true", modstamp="2024-01-01T00:00:00.000Z")
    fresh_deleted = row("001Z", deleted="true")
    counts, _ = _load(
        runner, wh_session, target, path=path, pages=[csv_page([gone, fresh_deleted])]
    )
    assert (counts.inserted, counts.updated, counts.deleted) == (1, 1, 0)
    got = _rows(runner, target)
    assert got["001A"]["ISDELETED"] is True
    assert got["001Z"]["ISDELETED"] is True
    assert got["001B"]["ISDELETED"] is False


@pytest.mark.parametrize("path", ["merge", "transaction"])
def test_merge_hard_policy_deletes_and_skips_deleted_rows(
    runner: StatementRunner, wh_session: Any, schema: str, path: str
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    _load(runner, wh_session, target, path=path, pages=[csv_page([row("001A"), row("001B")])])
    gone = row("001A", deleted="true", modstamp="2024-01-01T00:00:00.000Z")
    fresh_deleted = row("001Z", deleted="true")
    counts, _ = _load(
        runner,
        wh_session,
        target,
        [csv_page([gone, fresh_deleted])],
        path=path,
        delete_policy="hard",
    )
    assert (counts.inserted, counts.updated, counts.deleted) == (0, 0, 1)
    assert sorted(_rows(runner, target)) == ["001B"]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("revenue", "12abc"),
        ("deleted", "maybe"),
        ("founded", "2023-13-45"),
        ("modstamp", "yesterday"),
        ("employees", "1.5E99"),
    ],
)
@pytest.mark.parametrize(
    ("path", "failing"),
    [("merge", "merge_from_staging"), ("transaction", "merge_from_staging")],
)
def test_load_bad_value_fails_loudly_and_leaves_target(  # noqa: PLR0917 - fixtures
    runner: StatementRunner,
    wh_session: Any,
    schema: str,
    field: str,
    bad: str,
    path: str,
    failing: str,
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    _load(runner, wh_session, target, [csv_page([row("001A")])])
    with pytest.raises(WarehouseError, match=failing) as info:
        _load(runner, wh_session, target, [csv_page([row("001B", **{field: bad})])], path=path)
    assert bad not in str(info.value)
    assert sorted(_rows(runner, target)) == ["001A"]


def test_copy_empty_prefix_loads_nothing(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    """Zero-row objects: no page is uploaded (the stand-in cannot COPY a header-only file;
    callers skip pages with 0 records), COPY of the empty prefix loads nothing."""
    target = TableName.of(schema, "ACCOUNTS")
    counts, staging = _load(runner, wh_session, target, [])
    assert (counts.inserted, counts.updated) == (0, 0)
    assert _rows(runner, target) == {}
    runner.run(st.drop_table(staging))


def test_copy_quoted_values_with_commas_quotes_newlines_survive(
    runner: StatementRunner, wh_session: Any, schema: str
) -> None:
    target = TableName.of(schema, "ACCOUNTS")
    name = 'Acme, "Global"\nLine 2 – ünïcode'
    _load(runner, wh_session, target, [csv_page([row("001A", name=name)])])
    assert _rows(runner, target)["001A"]["NAME"] == name
