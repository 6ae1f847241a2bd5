"""Shared helpers for the push end-to-end tests (warehouse session, source tables, readers)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest


@contextlib.contextmanager
def own_warehouse() -> Iterator[Any]:
    """A fakesnow server + Snowpark session, for when tests/conftest.py has none to share."""
    import fakesnow  # noqa: PLC0415
    import snowflake.connector  # noqa: PLC0415
    from snowflake.snowpark import Session  # noqa: PLC0415

    from lht.local import fakesnow_patch, fakesnow_timestamp_fix  # noqa: PLC0415

    fakesnow_patch.apply()
    fakesnow_timestamp_fix.apply()
    with fakesnow.server() as kwargs:
        conn = snowflake.connector.connect(**kwargs)
        for sql in (
            "CREATE DATABASE IF NOT EXISTS LHT_PUSH",
            "CREATE SCHEMA IF NOT EXISTS LHT_PUSH.LHT",
            "CREATE STAGE IF NOT EXISTS LHT_PUSH.LHT.LHT_STAGE",
        ):
            conn.cursor().execute(sql)
        conn.close()
        yield Session.builder.configs({**kwargs, "database": "LHT_PUSH", "schema": "LHT"}).create()


def shared_session(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared session when tests/conftest.py offers one, else an own warehouse.

    Either way fakesnow must return NULL timestamps as NULL (lht.local.fakesnow_timestamp_fix):
    push reads source rows back, and a NULL datetime must not become 1970-01-01."""
    from lht.local import fakesnow_timestamp_fix  # noqa: PLC0415

    fakesnow_timestamp_fix.apply()
    try:
        yield request.getfixturevalue("snowpark_session")
        return
    except pytest.FixtureLookupError:
        pass
    with own_warehouse() as session:
        yield session


def new_schema(session: Any) -> str:
    name = f"P_{uuid.uuid4().hex[:10].upper()}"
    session.sql(f'CREATE SCHEMA "{name}"').collect()
    return name


def rows(session: Any, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [r.as_dict() for r in session.sql(sql, params=list(params)).collect()]
