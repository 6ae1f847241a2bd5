"""``lht config`` / ``sync-all`` / ``status`` / ``jobs`` against the emulator + the shared
embedded warehouse (in-process: the backend is built over the shared session)."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lht.cli.backends import LocalBackend
from lht.cli.main import main
from lht.cli.output import Output
from tests.e2e.conftest import DATASETS


@pytest.fixture
def backend(e2e_session: Any, client: Any) -> Any:
    @contextmanager
    def open_backend(connection: str | None, data_dir: str) -> Iterator[LocalBackend]:
        yield LocalBackend(lambda: e2e_session, client_factory=lambda: client)

    return open_backend


def lht(backend: Any, *argv: str) -> tuple[int, str]:
    stdout = io.StringIO()
    out = Output(stdout, io.StringIO())
    out.console.width = 250
    return main(list(argv), backend=backend, out=out), stdout.getvalue()


def table_rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()
            if line.startswith("│")]  # fmt: skip


def test_cli_sync_all_isolates_a_failing_object_and_status_lists_it_first(
    backend, e2e_session, schema
) -> None:
    group = f"G{uuid.uuid4().hex[:8].upper()}"
    for sobject, table in [("Account", "ACCOUNTS"), ("Contact", "CONTACTS"),
                           ("Opportunity", "OPPS"), ("X__c", "XS")]:  # fmt: skip
        assert lht(backend, "config", "set", sobject, schema, table, "--group", group)[0] == 0
    bad = ["config", "set", "Account", schema, "BROKEN", "--group", group,
           "--option", "where_clause=NoSuch__c = 1"]  # fmt: skip
    assert lht(backend, *bad)[0] == 0
    code, listing = lht(backend, "config", "list", "--group", group)
    assert code == 0 and len(table_rows(listing)) == 5

    code, out = lht(backend, "sync-all", "--group", group)
    assert code == 1
    by_target = {row[1]: row for row in table_rows(out)}
    assert by_target[f"{schema}.BROKEN"][3] == "FAILED"
    assert f"{schema}.BROKEN: " in out and "NoSuch__c" in out
    for table, sobject in [("ACCOUNTS", "Account"), ("CONTACTS", "Contact"),
                           ("OPPS", "Opportunity"), ("XS", "X__c")]:  # fmt: skip
        assert by_target[f"{schema}.{table}"][3] == "SUCCESS"
        assert by_target[f"{schema}.{table}"][5] == str(DATASETS[sobject])

    code, status = lht(backend, "status")
    assert code == 0
    mine = [row for row in table_rows(status) if row[2].startswith(f"{schema}.")]
    assert [row[0] for row in mine] == ["FAILED"] + ["SUCCESS"] * 4
    assert mine[0][2] == f"{schema}.BROKEN"


def test_cli_config_remove_then_missing(backend, schema) -> None:
    assert lht(backend, "config", "set", "Account", schema, "GONE")[0] == 0
    assert lht(backend, "config", "remove", schema, "GONE")[0] == 0
    code, out = lht(backend, "config", "remove", schema, "GONE")
    assert code == 1 and "no such entry" in out


def test_cli_jobs_list_abort_and_cleanup(backend, client) -> None:
    job = client.ingest_job("Account", "insert")
    code, listing = lht(backend, "jobs")
    assert code == 0
    states = {row[0]: row[4] for row in table_rows(listing)}
    assert states[job.id] == "Open"

    code, aborted = lht(backend, "jobs", "abort", job.id)
    assert code == 0 and re.search(rf"{job.id}.*Aborted", aborted)
    assert {r["id"]: r["state"] for r in client.list_jobs("ingest")}[job.id] == "Aborted"

    code, cleaned = lht(backend, "jobs", "cleanup", "--max-age-hours", "0")
    assert code == 0 and re.search(rf"{job.id}.*deleted", cleaned)
    assert job.id not in {r["id"] for r in client.list_jobs("ingest")}


def test_cli_jobs_abort_unknown_job_is_bad_usage(backend) -> None:
    assert lht(backend, "jobs", "abort", "750000000000000AAA")[0] == 2
