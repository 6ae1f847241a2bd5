"""What the statement runner and the COPY builder send (#16.6): the recommended transaction
form, and a CSV file format under which a backslash is data."""

from __future__ import annotations

from typing import Any

import pytest

from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import Statement, copy_into_staging


class _Recording:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def sql(self, text: str, params: Any = None) -> Any:
        self.sent.append(text)
        return self

    def collect(self) -> list[Any]:
        return []


def test_transaction_opens_with_begin_transaction_and_commits() -> None:
    session = _Recording()
    runner = StatementRunner(session)
    with runner.transaction() as tx:
        tx.run(Statement("work", "UPDATE T SET A = 1"))
    assert session.sent == ["BEGIN TRANSACTION", "UPDATE T SET A = 1", "COMMIT"]


def test_transaction_rolls_back_when_the_block_raises() -> None:
    session = _Recording()
    with pytest.raises(RuntimeError), StatementRunner(session).transaction():
        raise RuntimeError("boom")
    assert session.sent == ["BEGIN TRANSACTION", "ROLLBACK"]


def test_copy_file_format_reads_backslashes_as_data() -> None:
    text = copy_into_staging(TableName.of("LHT", "STG"), "LHT.LHT_STAGE", "Account", "r1").text
    assert "ESCAPE_UNENCLOSED_FIELD = NONE" in text
    assert "FIELD_OPTIONALLY_ENCLOSED_BY = '\"'" in text and "NULL_IF = ('')" in text
