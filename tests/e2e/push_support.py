"""Shared helpers for the push end-to-end tests (source schemas and rows read back).

The warehouse session is the shared session-scoped ``snowpark_session`` from tests/conftest.py:
its LocalWarehouse applies ``lht.local.fakesnow_patch`` (NULL timestamps stay NULL, so a push of a
NULL datetime never sends 1970-01-01).
"""

from __future__ import annotations

import uuid
from typing import Any


def new_schema(session: Any) -> str:
    """A fresh schema; the session's current schema is kept (the session is shared)."""
    name = f"P_{uuid.uuid4().hex[:10].upper()}"
    current = session.sql("SELECT CURRENT_SCHEMA() AS S").collect()[0]["S"]
    session.sql(f'CREATE SCHEMA "{name}"').collect()
    # CREATE SCHEMA makes the new schema current (Snowflake semantics): restore it.
    session.sql(f'USE SCHEMA "{current}"').collect()
    return name


def rows(session: Any, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [r.as_dict() for r in session.sql(sql, params=list(params)).collect()]
