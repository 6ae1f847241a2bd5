"""End-to-end fixtures: the Salesforce emulator over loopback HTTP + the local warehouse.

The warehouse session is the shared session-scoped ``snowpark_session`` from tests/conftest.py
(fakesnow's server can start only once per process). Every test gets a fresh target schema,
a reset emulator and a fast-retrying Salesforce client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lht.local.verify import RestReader, compare_rows, warehouse_rows
from lht.salesforce.auth import Credentials
from lht.salesforce.client import PollPolicy, RetryPolicy, SalesforceClient
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import run_sync
from lht.warehouse.runner import StatementRunner
from tests.e2e.push_support import new_schema

emulator = pytest.importorskip("emulator")

DATASETS = {"Account": 120, "Contact": 40, "Opportunity": 40, "X__c": 60}


@pytest.fixture(scope="session")
def e2e_session(snowpark_session: Any) -> Any:
    """The shared embedded warehouse session (tests/conftest.py)."""
    return snowpark_session


@pytest.fixture(scope="session")
def emu_server() -> Iterator[Any]:
    emu = emulator.Emulator(seed=7, https=False, port=0, datasets=DATASETS)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emu_server: Any) -> Any:
    emu_server.reset()
    return emu_server


@pytest.fixture
def client(emu: Any) -> SalesforceClient:
    creds = Credentials(emu.base_url, emu.client_id, emu.client_secret)
    retry = RetryPolicy(max_attempts=4, base_delay=0.0, max_delay=0.0)
    return SalesforceClient(creds, sleeper=lambda _s: None, retry=retry,
                            poll=PollPolicy(min_interval=0.0, max_interval=0.0))  # fmt: skip


@pytest.fixture
def reader(emu: Any) -> RestReader:
    return RestReader(emu.base_url, emu.client_id, emu.client_secret)


@pytest.fixture
def runner(e2e_session: Any) -> StatementRunner:
    return StatementRunner(e2e_session)


@pytest.fixture
def schema(e2e_session: Any) -> str:
    """A fresh target schema; the shared session's current schema is kept (CREATE SCHEMA
    would otherwise switch it, and later tests on the same session would see that)."""
    return new_schema(e2e_session)


class Harness:
    """Sync + verify helpers bound to one test's session, client, reader and schema."""

    def __init__(self, session: Any, client: Any, reader: RestReader, schema: str) -> None:
        self.session, self.client, self.reader, self.schema = session, client, reader, schema

    def sync(self, sobject: str, table: str, runner: Any = None, **options: Any) -> dict[str, Any]:
        request = SyncRequest(sobject, self.schema, table, SyncOptions(**options))
        return run_sync(self.session, self.client, request, runner=runner)

    def differences(self, sobject: str, table: str, policy: str = "soft",
                    where: str | None = None) -> list[str]:  # fmt: skip
        specs = self.reader.fields(sobject)
        sf_rows = self.reader.rows(sobject, [s.name for s in specs], where)
        return compare_rows(specs, sf_rows, warehouse_rows(self.session, self.schema, table),
                            policy)  # fmt: skip

    def state(self, table: str) -> list[Any]:
        return self._state_rows("SYNC_STATE", table)

    def runs(self, table: str) -> list[Any]:
        rows = self._state_rows("SYNC_RUNS", table)
        return sorted(rows, key=lambda r: r["STARTED_AT"])

    def _state_rows(self, name: str, table: str) -> list[Any]:
        rows = self.session.table(f'"LHT"."{name}"').collect()
        return [
            r
            for r in rows
            if r["TARGET_SCHEMA"] == self.schema and r["TARGET_TABLE"] == table.upper()
        ]

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        return warehouse_rows(self.session, self.schema, table)

    def table_exists(self, table: str) -> bool:
        found = self.session.sql(
            "SELECT COUNT(*) AS N FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? "
            "AND TABLE_NAME = ?",
            params=[self.schema, table.upper()],
        ).collect()
        return bool(found[0]["N"])


@pytest.fixture
def h(e2e_session: Any, client: Any, reader: RestReader, schema: str) -> Harness:
    return Harness(e2e_session, client, reader, schema)
