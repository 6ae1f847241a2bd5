"""RemoteBackend calls the deployed procedures; write_secret merges into the secrets file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lht.cli.backends import RemoteBackend
from lht.cli.emulator_cmd import write_secret
from lht.errors import ConfigError, WarehouseError
from lht.push.options import PushOptions, PushRequest
from lht.sync.options import SyncOptions, SyncRequest


class CallingSession:
    """Stands in for Snowpark's Session.call: records the call, returns the VARIANT text."""

    def __init__(self, value: Any) -> None:
        self.value, self.calls = value, []

    def call(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        return self.value


def test_remote_sync_without_options_calls_three_argument_procedure() -> None:
    session = CallingSession(json.dumps({"success": True, "actual_records": 3}))
    result = RemoteBackend(session, "prod").sync(SyncRequest("Account", "RAW", "A"), None)
    assert result == {"success": True, "actual_records": 3}
    assert session.calls == [("LHT.SYNC_SOBJECT", ("Account", "RAW", "A"))]


def test_remote_sync_with_options_passes_them_as_object() -> None:
    session = CallingSession({"success": False})
    options = {"force_full_sync": True}
    request = SyncRequest("Account", "RAW", "A", SyncOptions.from_mapping(options))
    RemoteBackend(session, "prod").sync(request, options)
    assert session.calls == [("LHT.SYNC_SOBJECT", ("Account", "RAW", "A", options))]


def test_remote_push_calls_push_procedure() -> None:
    session = CallingSession('{"success": true}')
    options = {"external_id_field": "Ext__c"}
    request = PushRequest("Contact", "upsert", "RAW.OUT", PushOptions.from_mapping(options))
    assert RemoteBackend(session, "prod").push(request, options) == {"success": True}
    assert session.calls == [("LHT.PUSH_SOBJECT", ("Contact", "upsert", "RAW.OUT", options))]


def test_remote_non_object_result_raises_warehouse_error() -> None:
    with pytest.raises(WarehouseError, match="SYNC_SOBJECT"):
        RemoteBackend(CallingSession("[1]"), "prod").sync(SyncRequest("A", "RAW", "A"), None)


def test_write_secret_keeps_other_entries(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "secrets.json"
    path.parent.mkdir()
    path.write_text('{"other": "keep"}')
    write_secret('{"login_url": "http://127.0.0.1:1", "client_id": "a", "client_secret": "b"}',
                 path)  # fmt: skip
    data = json.loads(path.read_text())
    assert data["other"] == "keep"
    assert data["salesforce_oauth"]["login_url"] == "http://127.0.0.1:1"
    assert path.stat().st_mode & 0o077 == 0


def test_write_secret_refuses_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text("not json")
    with pytest.raises(ConfigError, match="not JSON"):
        write_secret("{}", path)
    assert path.read_text() == "not json"


class TableCallingSession:
    """Session.call(..., return_dataframe=True): a frame whose collect() gives Row-likes."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.calls = rows, []

    def call(self, name: str, *args: Any, return_dataframe: bool = False) -> Any:
        self.calls.append((name, args, return_dataframe))
        rows = self.rows

        class Frame:
            def collect(self) -> list[dict[str, Any]]:
                return rows

        return Frame()


def test_remote_check_calls_check_setup_and_lowercases_columns() -> None:
    row = {"CHECK_NAME": "token", "STATUS": "OK", "DETAIL": "token granted", "HOW_TO_FIX": ""}
    session = TableCallingSession([row])

    assert RemoteBackend(session, "prod").check() == [{k.lower(): v for k, v in row.items()}]
    assert session.calls == [("LHT.CHECK_SETUP", (), True)]
