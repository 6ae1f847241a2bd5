"""Fixtures for the local Snowflake layer: a fresh schema per test on the shared stand-in."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def schema(snowpark_session: Any) -> Iterator[str]:
    """``LHT_LOCAL.<fresh schema>``, made current for the test, then dropped."""
    name = f"T_{uuid.uuid4().hex[:8].upper()}"
    previous = snowpark_session.sql("SELECT CURRENT_SCHEMA()").collect()[0][0]
    snowpark_session.sql(f"CREATE SCHEMA LHT_LOCAL.{name}").collect()
    yield name
    snowpark_session.sql(f"DROP SCHEMA IF EXISTS LHT_LOCAL.{name} CASCADE").collect()
    snowpark_session.sql(f"USE SCHEMA LHT_LOCAL.{previous}").collect()


@pytest.fixture
def sql(snowpark_session: Any, schema: str) -> Callable[[str], list[dict[str, Any]]]:
    """Run one statement in the test's schema; rows as dicts."""

    def run(text: str) -> list[dict[str, Any]]:
        return [row.as_dict() for row in snowpark_session.sql(text).collect()]

    return run
