"""#11 item 4: numbers at the edge of their declared precision load; a value that cannot load
fails the run naming the column, the record Id and the text, with table + watermark unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from lht.warehouse.statements import Statement

BULK = {"bulk_api_threshold": 1}
METHODS = pytest.mark.parametrize("options", [{}, BULK], ids=["rest", "bulk"])
EIGHTEEN_NINES = 999_999_999_999_999_999  # currency(18,0): stored as the double 1.0E18


def _column_type(h: Any, table: str, column: str) -> tuple[Any, Any]:
    row = h.session.sql(
        "SELECT NUMERIC_PRECISION, NUMERIC_SCALE FROM INFORMATION_SCHEMA.COLUMNS WHERE "
        "TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        params=[h.schema, table.upper(), column],
    ).collect()[0]
    return row["NUMERIC_PRECISION"], row["NUMERIC_SCALE"]


def _snapshot(h: Any, table: str) -> tuple[Any, Any]:
    return h.rows(table), [(r["WATERMARK"], r["LAST_RUN_ID"]) for r in h.state(table)]


@METHODS
def test_e2e_value_rounded_past_its_declared_precision_loads(emu, h, options):
    """Bulk renders 999999999999999999 as 1.0E18 (19 digits), which NUMBER(18,0) refused on
    every rerun; the column is NUMBER(38,0) now."""
    assert h.sync("Account", "accounts", **options)["success"]
    record = sorted(h.rows("accounts"))[0]
    emu.org.update("Account", record, {"AnnualRevenue": EIGHTEEN_NINES})

    result = h.sync("Account", "accounts", **options)

    assert result["success"], result["error"]
    assert h.rows("accounts")[record]["ANNUALREVENUE"] == 10**18
    assert _column_type(h, "accounts", "ANNUALREVENUE") == (38, 0)
    assert h.differences("Account", "accounts") == []


def test_e2e_narrow_number_column_of_an_older_install_is_widened(emu, h, runner):
    """A table made with the describe's precision (NUMBER(18,0)) is widened in place, keeping
    its values, and the edge value loads into it."""
    assert h.sync("Account", "accounts")["success"]
    table = f'"{h.schema}"."ACCOUNTS"'
    for text in (f'ALTER TABLE {table} DROP COLUMN "ANNUALREVENUE"',
                 f'ALTER TABLE {table} ADD COLUMN "ANNUALREVENUE" NUMBER(18,0)',
                 f'UPDATE {table} SET "ANNUALREVENUE" = 7'):  # fmt: skip
        runner.run(Statement("older_install", text, ddl=text.startswith("ALTER")))
    records = sorted(h.rows("accounts"))
    emu.org.update("Account", records[0], {"AnnualRevenue": EIGHTEEN_NINES})

    result = h.sync("Account", "accounts", **BULK)

    assert result["success"], result["error"]
    assert _column_type(h, "accounts", "ANNUALREVENUE") == (38, 0)
    rows = h.rows("accounts")
    assert rows[records[0]]["ANNUALREVENUE"] == 10**18
    assert rows[records[1]]["ANNUALREVENUE"] == 7  # untouched by the incremental run
    assert any("ANNUALREVENUE widened from NUMBER(18,0) to NUMBER(38,0)" in w
               for w in result["warnings"])  # fmt: skip


@pytest.mark.parametrize(
    ("value", "text", "options"),
    [(float("inf"), "Infinity", BULK), (1e300, "1.0E300", BULK), (1e300, "1e+300", {})],
    ids=["bulk-infinity", "bulk-1e300", "rest-1e300"],
)
def test_e2e_value_that_cannot_load_names_column_record_and_text(emu, h, value, text, options):
    assert h.sync("Account", "accounts", **options)["success"]
    record = sorted(h.rows("accounts"))[3]
    emu.org.update("Account", record, {"AnnualRevenue": value})
    before = _snapshot(h, "accounts")

    result = h.sync("Account", "accounts", **options)

    assert result["success"] is False
    expected = f"column ANNUALREVENUE of record {record}: value '{text}' does not convert to "
    assert expected + "NUMBER(38,0)" in result["error"], result["error"]
    assert "__LHT_STG_" in result["error"]  # what the failed run left is named
    assert _snapshot(h, "accounts") == before
    assert h.runs("accounts")[-1]["STATUS"] == "FAILED"
    assert expected in h.runs("accounts")[-1]["ERROR"]


class CorruptingRunner:
    """The real runner, plus one staged value replaced right after the COPY."""

    def __init__(self, inner: Any, column: str, value: str) -> None:
        self.inner, self.column, self.value = inner, column, value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def run(self, stmt: Statement) -> list[Any]:
        rows = self.inner.run(stmt)
        if stmt.name == "copy_into_staging":
            staging = stmt.text.split(" ", 3)[2]
            first = f'(SELECT MIN("ID") FROM {staging})'
            update = f'UPDATE {staging} SET "{self.column}" = ? WHERE "ID" = {first}'
            self.inner.run(Statement("corrupt", update, (self.value,)))
        return rows


def test_e2e_offending_text_is_truncated(emu, h, runner):
    assert h.sync("Account", "accounts")["success"]
    emu.org.update("Account", sorted(h.rows("accounts"))[0], {"Name": "changed"})
    long_text = "12" + "x" * 200

    result = h.sync("Account", "accounts", runner=CorruptingRunner(runner, "NUMBEROFEMPLOYEES",
                                                                  long_text))  # fmt: skip

    assert result["success"] is False
    shown = long_text[:60] + "…"
    assert "column NUMBEROFEMPLOYEES of record 001" in result["error"]
    assert f"value '{shown}' does not convert to NUMBER(38,0)" in result["error"]
    assert long_text[:61] not in result["error"]
