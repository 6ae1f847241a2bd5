"""SCHEDULE_SYNC / UNSCHEDULE_SYNC on the embedded warehouse. Tasks cannot exist there, so a
session proxy keeps a small task catalog: it records task statements (CREATE OR REPLACE adds,
DROP removes, SHOW TASKS lists, ALTER/SYSTEM$ are recorded) and sends everything else (config,
views) to the real session. This proves what a re-schedule does after the config changed."""

from __future__ import annotations

import re
import uuid
from typing import Any

from lht.orchestrate.config import remove_config, set_config
from lht.orchestrate.schedule import schedule
from procedures import orchestrate as handlers

_TASK = re.compile(r'(?:CREATE OR REPLACE TASK|DROP TASK IF EXISTS) "\w+"\."LHT"\."(\w+)"')


class Result:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def collect(self) -> list[dict[str, Any]]:
        return self.rows


class TaskCatalogSession:
    def __init__(self, session: Any) -> None:
        self._session = session
        self.tasks: set[str] = set()
        self.log: list[str] = []

    def sql(self, text: str, params: Any = None) -> Any:
        head = text.split(" ", 3)
        if text.startswith("SHOW TASKS"):
            return Result([{"name": n} for n in sorted(self.tasks)])
        if text.startswith(("CREATE OR REPLACE TASK", "DROP TASK", "ALTER TASK", "SELECT SYSTEM$")):
            self.log.append(text.splitlines()[0])
            match = _TASK.match(text)
            if match:
                (self.tasks.add if head[0] == "CREATE" else self.tasks.discard)(match.group(1))
            return Result([])
        return self._session.sql(text, params=params)


def test_schedule_replaces_graph_after_config_change_and_unschedule_drops_it(snowpark_session):
    group = f"G{uuid.uuid4().hex[:8].upper()}"
    schema = f"S{uuid.uuid4().hex[:6].upper()}"
    session = TaskCatalogSession(snowpark_session)
    for name in ("Account", "Contact", "Case"):
        set_config(snowpark_session, name, schema, name, group=group)
    first = schedule(session, "0 2 * * * UTC", "SERVERLESS", group)
    prefix = f"LHT_SYNC_{group}"
    assert sorted(session.tasks) == sorted([f"{prefix}_ROOT", f"{prefix}_FINALIZE",
        f"{prefix}__{schema}__ACCOUNT", f"{prefix}__{schema}__CONTACT",
        f"{prefix}__{schema}__CASE"])  # fmt: skip
    database = snowpark_session.sql("SELECT CURRENT_DATABASE() AS D").collect()[0]["D"]
    assert first["dropped"] == [] and first["root_task"] == f"{database}.LHT.{prefix}_ROOT"

    remove_config(snowpark_session, schema, "Contact")
    set_config(snowpark_session, "Lead", schema, "Lead", group=group)
    session.log.clear()
    second = schedule(session, "0 3 * * * UTC", "COMPUTE_WH", group)
    assert second["dropped"] == [f"{prefix}__{schema}__CONTACT"]
    assert f"{prefix}__{schema}__LEAD" in session.tasks
    assert f"{prefix}__{schema}__CONTACT" not in session.tasks
    assert session.log[0] == f'ALTER TASK IF EXISTS "{database}"."LHT"."{prefix}_ROOT" SUSPEND'
    assert session.log[-1].startswith("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE")

    result = handlers.unschedule_sync_group(session, group)
    assert result["success"] and len(result["dropped"]) == 5 and session.tasks == set()


def test_schedule_procedure_reports_bad_input_as_failure(snowpark_session):
    session = TaskCatalogSession(snowpark_session)
    bad_cron = handlers.schedule_sync_group(session, "every day", "COMPUTE_WH", "NOPE")
    assert bad_cron["success"] is False and "invalid schedule" in bad_cron["error"]
    empty = handlers.schedule_sync_group(session, "0 2 * * * UTC", "COMPUTE_WH", "EMPTYGROUP")
    assert empty["success"] is False and "no enabled" in empty["error"]
    assert session.tasks == set()
