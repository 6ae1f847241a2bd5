"""Warehouse tests run on the real local stand-in (fakesnow server + Snowpark Session).

The session is the shared session-scoped ``snowpark_session`` from tests/conftest.py (fakesnow
can be entered only once per process); each test gets its own schema.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lht.warehouse.runner import StatementRunner


@pytest.fixture(scope="session")
def wh_session(snowpark_session: Any) -> Any:
    """The shared embedded warehouse session (tests/conftest.py); its LocalWarehouse applies
    lht.local.fakesnow_patch (quoted PUT targets, MERGE in transactions, NULL timestamps)."""
    return snowpark_session


@pytest.fixture
def runner(wh_session: Any) -> StatementRunner:
    return StatementRunner(wh_session)


@pytest.fixture
def schema(runner: StatementRunner) -> str:
    """A fresh target schema per test."""
    from lht.warehouse.statements import Statement  # noqa: PLC0415

    name = f"T_{uuid.uuid4().hex[:10].upper()}"
    current = runner.run(Statement("current", "SELECT CURRENT_SCHEMA() AS S"))[0]["S"]
    runner.run(Statement("create_schema", f'CREATE SCHEMA "{name}"', ddl=True))
    # CREATE SCHEMA makes the new schema current (Snowflake semantics): restore it, the
    # session is shared with other tests.
    runner.run(Statement("use_schema", f'USE SCHEMA "{current}"', ddl=True))
    return name
