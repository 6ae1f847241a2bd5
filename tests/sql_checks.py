"""Checks every runtime SQL builder test applies: parses as one Snowflake statement, binds as many
values as it has ``?`` placeholders, and equals its snapshot under tests/snapshots/.

Regenerate snapshots with ``LHT_UPDATE_SNAPSHOTS=1`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlglot

from lht.warehouse.statements import Statement

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def assert_parses_as_snowflake(stmt: Statement) -> None:
    """One statement, really parsed (not sqlglot's raw-Command fallback), placeholders bound."""
    parsed = sqlglot.parse(stmt.text, read="snowflake")
    assert len(parsed) == 1 and parsed[0] is not None
    assert not isinstance(parsed[0], sqlglot.exp.Command), "fell back to an unparsed command"
    assert stmt.text.count("?") == len(stmt.params)


def assert_snapshot(path: Path, text: str) -> None:
    """``text`` equals the snapshot file (written when missing or with LHT_UPDATE_SNAPSHOTS)."""
    if os.environ.get("LHT_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text + "\n")
    assert path.read_text() == text + "\n"
