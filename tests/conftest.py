"""Shared top-level fixtures.

fakesnow's server may run only once per process, so every test that needs a warehouse uses the
session-scoped ``local_warehouse`` / ``snowpark_session`` below (one embedded stand-in per pytest
process, over a DuckDB file in a temporary directory). Give each test its own schema instead of
opening another warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lht.local.runtime import LocalWarehouse


@pytest.fixture(scope="session")
def local_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWarehouse]:
    """The process-wide embedded warehouse (database LHT_LOCAL, schema LHT, stage LHT.LHT_STAGE)."""
    with LocalWarehouse(data_dir=tmp_path_factory.mktemp("lht-local")) as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def snowpark_session(local_warehouse: LocalWarehouse) -> Any:
    """A real ``snowflake.snowpark.Session`` connected to the embedded stand-in."""
    return local_warehouse.session
