"""lht argument parsing and exit codes (no warehouse, no Salesforce: failing before any I/O)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lht.cli.commands import parse_options, sync_options
from lht.cli.main import build_parser, main
from lht.cli.output import Output
from lht.errors import ConfigError


class RecordingBackend:
    """Records what a command asked for and answers with a canned procedure result."""

    where = "test backend"

    def __init__(self, result: dict[str, Any]) -> None:
        self.result, self.calls, self.opened = result, [], []

    def __call__(self, connection: str | None, data_dir: str) -> Any:
        self.opened.append((connection, data_dir))
        return self._open()

    @contextmanager
    def _open(self) -> Iterator[Any]:
        yield self

    def sync(self, request: Any, options: Any) -> dict[str, Any]:
        self.calls.append(("sync", request, options))
        return self.result

    def push(self, request: Any, options: Any) -> dict[str, Any]:
        self.calls.append(("push", request, options))
        return self.result


def run(argv: list[str], backend: Any = None) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(argv, backend=backend or RecordingBackend({"success": True}),
                out=Output(stdout, stderr))  # fmt: skip
    return code, stdout.getvalue(), stderr.getvalue()


def test_parse_options_json_values_typed_else_text() -> None:
    options = parse_options(["max_records=5", "force_full_sync=true", "where_clause=Name = 'x'",
                             'include_fields=["Id","Name"]'])  # fmt: skip
    assert options == {"max_records": 5, "force_full_sync": True,
                       "where_clause": "Name = 'x'", "include_fields": ["Id", "Name"]}  # fmt: skip


@pytest.mark.parametrize("pair", ["novalue", "=5", ""])
def test_parse_options_without_key_value_raises_config_error(pair: str) -> None:
    with pytest.raises(ConfigError):
        parse_options([pair])


def test_sync_options_full_and_where_override_option_pairs() -> None:
    argv = ["sync", "Account", "RAW", "ACCOUNTS", "--full", "--where", "Name != null"]
    args = build_parser().parse_args([*argv, "--option", "max_records=7"])
    assert sync_options(args) == {"max_records": 7, "force_full_sync": True,
                                  "where_clause": "Name != null"}  # fmt: skip


def test_main_help_exits_zero() -> None:
    assert run(["--help"])[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["sync", "Account", "RAW"],
        ["sync", "Account", "RAW", "ACCOUNTS", "--no-such-flag"],
        ["jobs-typo"],
        ["emulator", "--port", "notanumber"],
        ["sync", "Account", "LHT", "SYNC_RUNS"],  # LHT's own schema is never a target
    ],
)
def test_main_bad_usage_exits_two(argv: list[str]) -> None:
    backend = RecordingBackend({"success": True})
    assert run(argv, backend)[0] == 2
    assert backend.calls == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sync", "Account", "RAW", "ACCOUNTS", "--option", "nope=1"], "unknown sync option"),
        (["sync", "Account", "RAW", "ACCOUNTS", "--option", "oops"], "KEY=VALUE"),
        (["sync", "Account", "RAW;DROP", "ACCOUNTS"], "schema"),
        (["sync", "Account", "RAW", "ACCOUNTS", "--where", "Name = 'x'; DELETE"], ";"),
        (["push", "Account", "merge", "RAW.T"], "unknown push operation"),
        (["push", "Account", "upsert", "RAW.T"], "external_id_field"),
        (["push", "Account", "insert", "RAW.T", "--option", "max_failed_rows=-1"], ">= 0"),
        (["emulator", "--rows", "Account=many"], "OBJECT=N"),
    ],
)
def test_main_invalid_values_exit_two_before_running(argv: list[str], message: str) -> None:
    backend = RecordingBackend({"success": True})
    code, _out, err = run(argv, backend)
    assert code == 2
    assert message in err
    assert backend.calls == [] and backend.opened == []


def test_main_sync_success_prints_table_and_exits_zero() -> None:
    backend = RecordingBackend({"sobject": "Account", "success": True, "actual_records": 12})
    code, out, _err = run(["sync", "Account", "raw", "accounts", "--full"], backend)
    assert code == 0
    ((kind, request, options),) = backend.calls
    assert (kind, request.target, options) == ("sync", "RAW.ACCOUNTS", {"force_full_sync": True})
    assert request.options.force_full_sync is True
    assert "actual_records" in out and "12" in out


def test_main_sync_reported_failure_exits_one() -> None:
    backend = RecordingBackend({"sobject": "Account", "success": False, "error": "boom"})
    code, out, _err = run(["sync", "Account", "RAW", "ACCOUNTS"], backend)
    assert code == 1
    assert "boom" in out


def test_main_push_external_id_becomes_option() -> None:
    backend = RecordingBackend({"success": True, "status": "SUCCEEDED"})
    code, out, _err = run(["push", "Contact", "UPSERT", "RAW.OUT", "--external-id", "Ext__c"],
                          backend)  # fmt: skip
    assert code == 0
    ((_kind, request, options),) = backend.calls
    assert request.operation == "upsert"
    assert options == {"external_id_field": "Ext__c"}
    assert "SUCCEEDED" in out


def test_main_push_reported_failure_exits_one() -> None:
    backend = RecordingBackend({"success": False, "status": "PARTIAL", "failed": 2})
    assert run(["push", "Contact", "insert", "RAW.OUT"], backend)[0] == 1


def test_main_global_options_accepted_before_and_after_command() -> None:
    backend = RecordingBackend({"success": True})
    run(["--connection", "prod", "sync", "Account", "RAW", "A"], backend)
    run(["sync", "Account", "RAW", "A", "--connection", "dev", "--data-dir", "/tmp/x"], backend)
    run(["sync", "Account", "RAW", "A"], backend)
    assert backend.opened == [("prod", ".lht"), ("dev", "/tmp/x"), (None, ".lht")]


def test_logging_filter_drops_only_errors_repeated_in_results() -> None:
    from lht.cli.main import _ReportedInResults  # noqa: PLC0415

    def record(name: str, msg: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, ("A", "boom"), None)

    keep = _ReportedInResults().filter
    assert keep(record("lht.sync.executor", "sync of %s failed: %s")) is False
    assert keep(record("lht.sync.executor", "could not write the failed run row: %s")) is True
    assert keep(record("lht.push.executor", "sync of %s failed: %s")) is True


def test_main_demo_arguments_go_to_the_demo() -> None:
    assert run(["demo", "--help"])[0] == 0
    assert run(["demo", "--no-such-demo-flag"])[0] == 2


def test_main_emulator_port_in_use_is_bad_usage() -> None:
    import socket  # noqa: PLC0415

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, _out, err = run(["emulator", "--port", str(taken.getsockname()[1])])
    assert code == 2
    assert "cannot listen on port" in err
