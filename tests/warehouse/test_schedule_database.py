"""SCHEDULE_SYNC qualifies its tasks with the database it runs in (CURRENT_DATABASE())."""

from __future__ import annotations

from typing import Any

from lht.orchestrate.schedule import _database
from lht.warehouse.runner import StatementRunner


def test_schedule_reads_the_current_database_on_the_stand_in(
    local_warehouse: Any, snowpark_session: Any
) -> None:
    assert _database(StatementRunner(snowpark_session)) == local_warehouse.database
