"""lht.warehouse.reader on the local stand-in: schemas without rows, chunked reads, errors."""

from __future__ import annotations

import pytest

from lht.errors import WarehouseError
from lht.warehouse import reader
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import Statement


def _table(runner: StatementRunner, schema: str) -> str:
    name = f'"{schema}".SRC'
    runner.run(Statement("create", f"CREATE TABLE {name} (ID NUMBER(9,0), AMOUNT NUMBER(16,2), "
                                   "NAME VARCHAR, OK BOOLEAN, SEEN TIMESTAMP_NTZ(3), D DATE)",
                         ddl=True))  # fmt: skip
    runner.run(Statement("insert", f"INSERT INTO {name} VALUES (1, 2.5, 'a', TRUE, NULL, NULL), "
                                   "(2, NULL, 'b', FALSE, NULL, '2024-01-02')"))  # fmt: skip
    return name


def test_source_columns_limit_zero_probe_names_and_kinds_in_order(
    runner: StatementRunner, schema: str
) -> None:
    name = _table(runner, schema)

    found = reader.source_columns(runner, Statement("probe", f"SELECT * FROM {name} LIMIT 0"))

    assert found == [("ID", "integer"), ("AMOUNT", "number"), ("NAME", "string"),
                     ("OK", "boolean"), ("SEEN", "datetime"), ("D", "date")]  # fmt: skip


def test_source_columns_missing_table_raises_warehouse_error_naming_statement(
    runner: StatementRunner, schema: str
) -> None:
    stmt = Statement("probe_push_source", f'SELECT * FROM "{schema}".NOPE LIMIT 0')

    with pytest.raises(WarehouseError, match="statement probe_push_source failed"):
        reader.source_columns(runner, stmt)


def test_stream_rows_yields_tuples_in_order(runner: StatementRunner, schema: str) -> None:
    name = _table(runner, schema)

    got = list(
        reader.stream_rows(runner, Statement("read", f"SELECT ID, NAME FROM {name} ORDER BY ID"))
    )

    assert [(int(i), n) for i, n in got] == [(1, "a"), (2, "b")]


def test_stream_rows_bad_sql_raises_warehouse_error_naming_statement(
    runner: StatementRunner, schema: str
) -> None:
    stmt = Statement("read_push_source", f'SELECT NOPE FROM "{schema}".MISSING')

    with pytest.raises(WarehouseError, match="statement read_push_source failed"):
        list(reader.stream_rows(runner, stmt))


def test_stream_rows_inside_transaction_refused(runner: StatementRunner, schema: str) -> None:
    name = _table(runner, schema)

    with runner.transaction(), pytest.raises(WarehouseError, match="outside transactions"):
        list(reader.stream_rows(runner, Statement("read", f"SELECT * FROM {name}")))
