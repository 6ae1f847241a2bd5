"""``lht sync`` / ``lht push`` for real: emulator over loopback + the shared embedded warehouse.

In-process runs inject the shared session (fakesnow serves one server per process); the
subprocess runs exercise the real entry point with its own embedded warehouse.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from lht.cli.backends import LocalBackend
from lht.cli.main import main
from lht.cli.output import Output
from lht.cli.progress import PROGRESS_LOGGERS, SyncProgressHandler
from lht.local.snow_connection import SnowConnection, snow_env, write_connection
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import run_sync
from tests.e2e.conftest import DATASETS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend(e2e_session: Any, client: Any) -> Any:
    @contextmanager
    def open_backend(connection: str | None, data_dir: str) -> Iterator[LocalBackend]:
        assert connection is None
        yield LocalBackend(lambda: e2e_session, client_factory=lambda: client)

    return open_backend


def lht(backend: Any, *argv: str, terminal: bool = False) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    out = Output(stdout, stderr, terminal=terminal)
    out.console.width = out.errors.width = 200  # nothing folded or cut in what tests look for
    code = main(list(argv), backend=backend, out=out)
    return code, stdout.getvalue(), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stderr.getvalue())


def count(session: Any, table: str) -> int:
    return int(session.sql(f"SELECT COUNT(*) AS N FROM {table}").collect()[0]["N"])


def test_cli_sync_rows_land_and_exit_zero(backend, e2e_session, schema) -> None:
    code, out, _err = lht(backend, "sync", "Account", schema, "ACCOUNTS", "--no-progress")
    assert code == 0
    assert re.search(r"success\s+│\s+True", out)
    assert count(e2e_session, f'"{schema}".ACCOUNTS') == DATASETS["Account"]


def test_cli_sync_creates_a_missing_target_schema(backend, e2e_session, schema) -> None:
    fresh = f"{schema}_NEW"
    assert lht(backend, "sync", "X__c", fresh, "XS", "--full")[0] == 0
    assert count(e2e_session, f'"{fresh}".XS') == DATASETS["X__c"]


def test_cli_sync_draws_progress_on_a_terminal(backend, schema) -> None:
    code, _out, err = lht(backend, "sync", "Account", schema, "A", "--option",
                          "bulk_api_threshold=0", "--option", "max_records=50",
                          terminal=True)  # fmt: skip
    assert code == 0
    total = DATASETS["Account"]
    assert f"{total}/{total}" in err
    assert "3 pages" in err  # 120 rows, 50 per Bulk page


def test_cli_sync_salesforce_error_exits_one(backend, schema) -> None:
    code, out, _err = lht(backend, "sync", "Account", schema, "A", "--where", "NoSuch__c = 1")
    assert code == 1
    assert "NoSuch__c" in out
    assert re.search(r"success\s+│\s+False", out)


def test_sync_progress_records_match_the_real_run(e2e_session, client, schema) -> None:
    """The log records the bars depend on are still emitted, with the numbers of the run."""
    events: list[Any] = []
    handler = SyncProgressHandler(type("Sink", (), {"update": lambda _s, e: events.append(e)})())
    loggers = [__import__("logging").getLogger(name) for name in PROGRESS_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel("INFO")
    try:
        opts = SyncOptions(bulk_api_threshold=0, max_records=40)
        result = run_sync(e2e_session, client, SyncRequest("Contact", schema, "C", opts))
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
            logger.setLevel("NOTSET")
    kinds = [e.kind for e in events]
    assert kinds == ["start", "page", "done"]
    assert events[0].total == result["estimated_records"] == DATASETS["Contact"]
    assert sum(e.rows for e in events if e.kind == "page") == result["actual_records"]
    assert (events[-1].rows, events[-1].size) == (result["actual_records"], result["bytes_staged"])


def test_cli_push_insert_creates_records(backend, e2e_session, client, schema) -> None:
    e2e_session.sql(f'CREATE TABLE "{schema}".NEW_ACCOUNTS (NAME VARCHAR)').collect()
    e2e_session.sql(
        f"INSERT INTO \"{schema}\".NEW_ACCOUNTS VALUES ('cli one'), ('cli two'), ('cli three')"
    ).collect()
    before = client.count("Account", "Name LIKE 'cli %'")
    code, out, _err = lht(backend, "push", "Account", "insert", f"{schema}.NEW_ACCOUNTS")
    assert code == 0
    assert re.search(r"created\s+│\s+3\b", out)
    assert client.count("Account", "Name LIKE 'cli %'") == before + 3


def test_cli_push_unknown_source_column_exits_one(backend, e2e_session, schema) -> None:
    e2e_session.sql(f'CREATE TABLE "{schema}".BAD_OUT (NOT_A_FIELD__C VARCHAR)').collect()
    e2e_session.sql(f"INSERT INTO \"{schema}\".BAD_OUT VALUES ('x')").collect()
    code, out, _err = lht(backend, "push", "Account", "insert", f"{schema}.BAD_OUT")
    assert code == 1
    assert "FAILED" in out


def _env(emu: Any, tmp_path: Path) -> dict[str, str]:
    secret = {"login_url": emu.base_url, "client_id": emu.client_id,
              "client_secret": emu.client_secret}  # fmt: skip
    env = {**os.environ, "LHT_SECRET_SALESFORCE_OAUTH": json.dumps(secret), "COLUMNS": "120"}
    env["LHT_SECRETS_FILE"] = str(tmp_path / "secrets.json")
    return env


@pytest.mark.slow
def test_cli_subprocess_sync_twice_second_run_incremental(emu, tmp_path) -> None:
    argv = [sys.executable, "-m", "lht.cli", "--data-dir", str(tmp_path / "wh"), "sync",
            "Opportunity", "RAW", "OPPS"]  # fmt: skip
    first = subprocess.run(argv, env=_env(emu, tmp_path), cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=False)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert re.search(r"sync_mode\s+│\s+full", first.stdout)
    second = subprocess.run(argv, env=_env(emu, tmp_path), cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert re.search(r"sync_mode\s+│\s+incremental", second.stdout)


@pytest.mark.slow
def test_cli_subprocess_emulator_writes_secret_and_stops_on_sigterm(tmp_path) -> None:
    secrets = tmp_path / "secrets.json"
    env = {**os.environ, "LHT_SECRETS_FILE": str(secrets)}
    argv = [sys.executable, "-m", "lht.cli", "emulator", "--port", "0", "--write-secret",
            "--rows", "Account=5"]  # fmt: skip
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert url, first
        proc.stdout.readline()  # "secret ... written to ..."
        stored = json.loads(secrets.read_text())["salesforce_oauth"]
        assert stored["login_url"] == url.group(1)
        from lht.salesforce.auth import Credentials  # noqa: PLC0415
        from lht.salesforce.client import SalesforceClient  # noqa: PLC0415

        client = SalesforceClient(Credentials.from_json(json.dumps(stored)), timeout=10.0)
        assert client.count("Account") == 5
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "emulator stopped" in rest


def _snowflake_home(tmp_path: Path, local_warehouse: Any) -> dict[str, str]:
    """A SNOWFLAKE_HOME whose connections.toml names the test process's stand-in server."""
    port = local_warehouse.connection_parameters["port"]
    home = tmp_path / "snowflake-home"
    connection = SnowConnection("standin", port, user="CLI", warehouse=None,
                                database="CLI_REMOTE", schema="LHT")  # fmt: skip
    write_connection(home, connection)
    return {**os.environ, **snow_env(home), "COLUMNS": "120"}


@pytest.mark.slow
def test_cli_subprocess_connection_loaded_from_connections_toml(local_warehouse, tmp_path) -> None:
    """--connection NAME goes through the connector's own connections.toml loader: an unknown
    name is bad usage naming the known ones; a known one connects and queries the deployed
    LHT.SYNC_STATUS view (absent on this bare stand-in database, so the query fails)."""
    env = _snowflake_home(tmp_path, local_warehouse)
    base = [sys.executable, "-m", "lht.cli", "status", "--connection"]
    unknown = subprocess.run([*base, "nope"], env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=120, check=False)  # fmt: skip
    assert unknown.returncode == 2, unknown.stderr
    assert "nope" in unknown.stderr and "standin" in unknown.stderr
    known = subprocess.run([*base, "standin"], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=False)  # fmt: skip
    assert known.returncode == 1, known.stderr
    assert "could not connect" not in known.stderr
    assert "select_status" in known.stderr and "SYNC_STATUS" in known.stderr
    assert "Traceback" not in known.stderr + unknown.stderr


@pytest.mark.slow
def test_cli_subprocess_demo_small_scale_verifies_and_exits_zero(tmp_path) -> None:
    argv = [sys.executable, "-m", "lht.cli", "demo", "--scale", "0.002"]
    done = subprocess.run(argv, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT / "app")
                          + os.pathsep + str(ROOT)}, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "warehouse equals the emulator's data" in done.stdout
