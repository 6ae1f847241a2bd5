"""The orchestration procedure handlers, called as Snowflake calls them (session first, the
Salesforce secret from the environment), against the emulator and the embedded warehouse.

The stand-in cannot build Snowpark DataFrames from local rows (fakesnow answers
``create_dataframe`` with HTTP 500), so the TABLE handlers run on a session proxy that records
the rows and schema handed to ``create_dataframe``; everything else is the real session."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from procedures import orchestrate as handlers

ROOT = Path(__file__).resolve().parents[2]


class TableSession:
    """The real session, except ``create_dataframe`` returns what it was given."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def create_dataframe(self, data: list[list[Any]], schema: Any) -> dict[str, Any]:
        names = [f.name for f in schema.fields]
        return {"columns": names, "rows": [dict(zip(names, row, strict=True)) for row in data]}


@pytest.fixture
def secret_env(emu, monkeypatch):
    creds = {"login_url": emu.base_url, "client_id": emu.client_id,
             "client_secret": emu.client_secret}  # fmt: skip
    monkeypatch.setenv("LHT_SECRET_SALESFORCE_OAUTH", json.dumps(creds))


def _returns(entity: str) -> list[str]:
    text = yaml.safe_load((ROOT / "snowflake.yml").read_text())["entities"][entity]["returns"]
    return [c.split()[0].strip('"') for c in re.findall(r"[\w\"]+ \w+", text.split("(", 1)[1])]


def test_sync_all_procedure_returns_one_table_row_per_object(h, secret_env):
    group = f"G{uuid.uuid4().hex[:8].upper()}"
    for name, table in (("Account", "A"), ("Contact", "C")):
        assert handlers.set_sync_config(h.session, name, h.schema, table)["success"]
        handlers.set_sync_config_full(h.session, name, h.schema, table, '{"delete_policy": "hard"}',
                                      group, True)  # fmt: skip
    bad = handlers.set_sync_config_full(h.session, "Lead", h.schema, "L", {"nope": 1}, group, True)
    assert bad["success"] is False and "nope" in bad["error"]
    frame = handlers.sync_all_group(TableSession(h.session), group)
    assert frame["columns"] == _returns("sync_all_group") == _returns("sync_all")
    assert [(r["SOBJECT"], r["STATUS"]) for r in frame["rows"]] == [
        ("Account", "SUCCESS"), ("Contact", "SUCCESS")]  # fmt: skip
    assert h.differences("Account", "A", policy="hard") == []
    assert handlers.remove_sync_config(h.session, h.schema, "A") == {"success": True,
                                                                      "removed": True}  # fmt: skip


def test_sync_all_procedure_without_secret_returns_failed_row(h, monkeypatch, tmp_path):
    monkeypatch.delenv("LHT_SECRET_SALESFORCE_OAUTH", raising=False)
    monkeypatch.setenv("LHT_SECRETS_FILE", str(tmp_path / "missing.json"))
    frame = handlers.sync_all(TableSession(h.session))
    assert len(frame["rows"]) == 1 and frame["rows"][0]["STATUS"] == "FAILED"
    assert "salesforce_oauth" in frame["rows"][0]["ERROR"].lower()


def test_task_procedures_sync_target_and_finalize(h, secret_env):
    group = f"G{uuid.uuid4().hex[:8].upper()}"
    handlers.set_sync_config_full(h.session, "Opportunity", h.schema, "O", None, group, True)
    result = handlers.sync_target(h.session, h.schema, "o")
    assert result["status"] == "SUCCESS", result["error"]
    missing = handlers.sync_target(h.session, h.schema, "nothing_here")
    assert missing["status"] == "FAILED" and "no SYNC_CONFIG entry" in missing["error"]
    summary = handlers.finalize_sync(h.session, group)  # outside a task: the last 24 hours
    assert summary["graph_run_id"].startswith("manual-") and summary["succeeded"] == 1


def test_job_procedures_list_abort_cleanup(client, secret_env):
    job = client.ingest_job("Account", "insert")
    session = TableSession(None)
    listed = handlers.list_bulk_jobs(session)
    assert listed["columns"] == _returns("list_bulk_jobs")
    assert [r["STATE"] for r in listed["rows"] if r["ID"] == job.id] == ["Open"]
    aborted = handlers.abort_bulk_job(session, job.id)["rows"]
    assert [(r["ID"], r["STATE"], r["ERROR"]) for r in aborted] == [(job.id, "Aborted", None)]
    again = handlers.abort_bulk_job(session, job.id)["rows"]
    assert again[0]["ERROR"]  # Salesforce refuses to abort an aborted job: an error row
    assert handlers.cleanup_bulk_jobs(session, 24.0)["rows"] == []  # nothing that old
