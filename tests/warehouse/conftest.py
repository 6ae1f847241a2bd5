"""Warehouse tests run on the real local stand-in (fakesnow server + Snowpark Session).

Uses the shared session-scoped ``snowpark_session`` fixture from tests/conftest.py when it
exists; until then starts one fakesnow server for this process itself (fakesnow can be
entered only once per process).
"""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from lht.warehouse.runner import StatementRunner


@contextlib.contextmanager
def _own_server() -> Iterator[Any]:
    import fakesnow  # noqa: PLC0415
    import snowflake.connector  # noqa: PLC0415
    from snowflake.snowpark import Session  # noqa: PLC0415

    from lht.local import fakesnow_patch  # noqa: PLC0415

    fakesnow_patch.apply()
    with fakesnow.server() as kwargs:
        conn = snowflake.connector.connect(**kwargs)
        conn.cursor().execute("CREATE DATABASE IF NOT EXISTS LHT_TEST")
        conn.cursor().execute("CREATE SCHEMA IF NOT EXISTS LHT_TEST.LHT")
        conn.cursor().execute("CREATE STAGE IF NOT EXISTS LHT_TEST.LHT.LHT_STAGE")
        conn.close()
        session = Session.builder.configs(
            {**kwargs, "database": "LHT_TEST", "schema": "LHT"}
        ).create()
        yield session


@pytest.fixture(scope="session")
def wh_session(request: pytest.FixtureRequest) -> Iterator[Any]:
    # Quoted PUT targets, MERGE inside transactions and NULL timestamps read back as NULL
    # (process-wide, idempotent) — also applied by the shared LocalWarehouse.
    from lht.local import fakesnow_patch  # noqa: PLC0415

    fakesnow_patch.apply()
    try:
        shared = request.getfixturevalue("snowpark_session")
    except pytest.FixtureLookupError:
        shared = None
    except Exception as exc:  # the shared fixture is still being built by FOUNDATION
        warnings.warn(f"shared snowpark_session unavailable ({exc!r}); starting fakesnow here",
                      stacklevel=1)  # fmt: skip
        shared = None
    if shared is not None:
        yield shared
        return
    with _own_server() as session:
        yield session


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
