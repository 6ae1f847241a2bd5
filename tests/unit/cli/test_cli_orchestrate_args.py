"""lht sync-all / status / jobs / config: argument handling and exit codes (recording backend)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lht.cli.backends import RemoteBackend
from lht.cli.main import main
from lht.cli.output import Output, cell, short
from lht.errors import WarehouseError


class Backend:
    where = "test backend"

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows, self.calls = rows or [], []

    def __call__(self, connection: str | None, data_dir: str) -> Any:
        return self._open()

    @contextmanager
    def _open(self) -> Iterator[Any]:
        yield self

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            if name == "abort_job":
                return self.rows[0]
            if name == "remove_config":
                return bool(self.rows)
            return self.rows[0] if name == "set_config" else self.rows

        return record


def run(argv: list[str], backend: Backend) -> tuple[int, str]:
    stdout = io.StringIO()
    out = Output(stdout, io.StringIO())
    out.console.width = 200  # no folding of the cells the assertions look for
    code = main(argv, backend=backend, out=out)
    return code, stdout.getvalue()


def test_sync_all_any_failed_object_exits_one_others_shown() -> None:
    backend = Backend([{"sobject": "Account", "target": "RAW.A", "status": "SUCCESS"},
                       {"sobject": "Lead", "target": "RAW.L", "status": "FAILED",
                        "error": "SalesforceRequestError: boom\nsecond line"}])  # fmt: skip
    code, out = run(["sync-all", "--group", "nightly"], backend)
    assert code == 1
    assert backend.calls == [("sync_all", ("nightly", 0.8), {})]
    assert "RAW.A" in out and "SUCCESS" in out
    assert "RAW.L: SalesforceRequestError: boom\nsecond line" in out  # full text below the table


def test_sync_all_deferred_objects_are_not_failures() -> None:
    backend = Backend([{"sobject": "Account", "target": "RAW.A", "status": "DEFERRED"}])
    assert run(["sync-all", "--budget-share", "0.5"], backend)[0] == 0
    assert backend.calls == [("sync_all", (None, 0.5), {})]


def test_status_prints_rows_and_exits_zero_even_with_failures() -> None:
    backend = Backend([{"STATUS": "FAILED", "SOBJECT": "Lead", "TARGET": "RAW.L"}])
    code, out = run(["status"], backend)
    assert code == 0
    assert "FAILED" in out and "RAW.L" in out


@pytest.mark.parametrize(
    ("argv", "call"),
    [
        (["jobs"], ("list_jobs", (), {})),
        (["jobs", "list"], ("list_jobs", (), {})),
        (["jobs", "abort", "750x"], ("abort_job", ("750x",), {})),
        (["jobs", "cleanup", "--max-age-hours", "24"], ("cleanup_jobs", (24.0,), {})),
    ],
)
def test_jobs_actions_call_the_backend(argv: list[str], call: tuple[Any, ...]) -> None:
    backend = Backend([{"id": "750x", "state": "Aborted", "error": None}])
    assert run(argv, backend)[0] == 0
    assert backend.calls == [call]


def test_jobs_cleanup_with_a_failed_job_exits_one() -> None:
    backend = Backend([{"id": "750x", "action": "failed", "error": "SalesforceError: no"}])
    assert run(["jobs", "cleanup", "--max-age-hours", "1"], backend)[0] == 1


@pytest.mark.parametrize("argv", [["jobs", "cleanup"], ["jobs", "abort"], ["jobs", "purge"]])
def test_jobs_bad_usage_exits_two(argv: list[str]) -> None:
    backend = Backend()
    assert run(argv, backend)[0] == 2
    assert backend.calls == []


def test_config_set_passes_options_group_and_enabled() -> None:
    backend = Backend([{"sobject": "Lead", "schema": "RAW", "table": "L", "group": "G"}])
    argv = ["config", "set", "Lead", "RAW", "L", "--group", "G", "--disabled",
            "--option", "where_clause=IsConverted = false"]  # fmt: skip
    assert run(argv, backend)[0] == 0
    assert backend.calls == [("set_config", ("Lead", "RAW", "L"),
                              {"options": {"where_clause": "IsConverted = false"},
                               "group": "G", "enabled": False})]  # fmt: skip


def test_config_remove_missing_entry_exits_one() -> None:
    code, out = run(["config", "remove", "RAW", "NOPE"], Backend([]))
    assert code == 1
    assert "RAW.NOPE: no such entry" in out


def test_remote_config_set_calls_procedure_and_raises_its_error() -> None:
    session = CallingSession({"success": True, "sobject": "Lead", "group": "G"})
    remote = RemoteBackend(session, "prod")
    stored = remote.set_config("Lead", "RAW", "L", options={"a": 1}, group="G", enabled=False)
    assert stored == {"sobject": "Lead", "group": "G"}
    assert session.calls == [("LHT.SET_SYNC_CONFIG", ("Lead", "RAW", "L", {"a": 1}, "G", False))]
    failing = RemoteBackend(CallingSession({"success": False, "error": "ConfigError: bad"}), "p")
    with pytest.raises(WarehouseError, match="REMOVE_SYNC_CONFIG: ConfigError: bad"):
        failing.remove_config("RAW", "L")


class CallingSession:
    def __init__(self, value: Any) -> None:
        self.value, self.calls = value, []

    def call(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        return self.value


class TableSession:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.calls = rows, []

    def call(self, name: str, *args: Any, return_dataframe: bool = False) -> Any:
        self.calls.append((name, args, return_dataframe))
        return type("Frame", (), {"collect": lambda _s: self.rows})()


def test_remote_table_procedures_rows_lower_cased() -> None:
    session = TableSession([{"SOBJECT": "Account", "STATUS": "SUCCESS"}])
    remote = RemoteBackend(session, "prod")
    assert remote.sync_all("NIGHTLY", 0.8) == [{"sobject": "Account", "status": "SUCCESS"}]
    remote.sync_all(None, 0.5)
    remote.cleanup_jobs(12.0)
    assert session.calls == [("LHT.SYNC_ALL", ("NIGHTLY", 0.8), True),
                             ("LHT.SYNC_ALL", (None, 0.5), True),
                             ("LHT.CLEANUP_BULK_JOBS", (12.0,), True)]  # fmt: skip


def test_cell_and_short_render_values_for_tables() -> None:
    assert cell("2026-11-26 06:22:44.445720") == "2026-11-26 06:22:44"
    assert cell(None) == "" and cell(1.234) == "1.23" and cell([]) == ""
    assert short("a" * 100).endswith("…") and len(short("a" * 100)) == 48
    assert short("first\nsecond") == "first"
