"""Run-log, watermark and lock statement builders (pure; no warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lht.errors import ConfigError
from lht.state.locks import lock_key
from lht.state.runlog import (
    MAX_ERROR_CHARS,
    RunCounts,
    RunStart,
    failed_run,
    start_run,
    successful_run,
)
from lht.state.watermarks import advance_watermark
from lht.warehouse.state_statements import StateTables

T = StateTables()
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def test_start_run_inserts_running_row_with_bound_values() -> None:
    stmt = start_run(T, RunStart("r1", "Account", "RAW", "A", "bulk_api_full", NOW, 10))
    assert stmt.text.startswith('INSERT INTO "LHT"."SYNC_RUNS"')
    assert "RUNNING" in stmt.params and "r1" in stmt.params and 10 in stmt.params
    assert "RUNNING" not in stmt.text


def test_successful_run_sets_counts_and_clears_error() -> None:
    stmt = successful_run(T, "r1", NOW, RunCounts(rows_inserted=3, api_calls=2))
    assert stmt.params[-1] == "r1"
    assert "SUCCESS" in stmt.params and 3 in stmt.params and 2 in stmt.params
    assert "ERROR = ?" in stmt.text


def test_failed_run_truncates_long_errors() -> None:
    stmt = failed_run(T, "r1", NOW, "e" * (MAX_ERROR_CHARS + 10))
    error = next(p for p in stmt.params if isinstance(p, str) and p.startswith("eee"))
    assert len(error) == MAX_ERROR_CHARS and error.endswith("…")
    assert "ROWS_INSERTED" not in stmt.text


def test_failed_run_with_counts_records_them() -> None:
    stmt = failed_run(T, "r1", NOW, "boom", RunCounts(rows_extracted=7))
    assert "ROWS_EXTRACTED = ?" in stmt.text and 7 in stmt.params


def test_advance_watermark_is_one_upsert_at_the_upper_bound() -> None:
    stmts = advance_watermark(T, sobject="Account", schema="RAW", table="A",
                              watermark_field="SystemModstamp", upper_bound=NOW, run_id="r",
                              success_at=NOW)  # fmt: skip
    assert [s.name for s in stmts] == ["upsert_state"]
    assert "2024-01-01 00:00:00.000000" in stmts[0].params


def test_lock_key_validates_and_upper_cases() -> None:
    assert lock_key("raw", "accounts") == "RAW.ACCOUNTS"
    with pytest.raises(ConfigError):
        lock_key("raw", "acc;ounts")


def test_state_tables_custom_schema_validated() -> None:
    assert StateTables("ops").runs.sql == '"OPS"."SYNC_RUNS"'
    with pytest.raises(ConfigError):
        StateTables("o ps")
