"""The CHECK_SETUP ports over a Snowpark session and a Salesforce client, and the wiring.

:func:`check_setup` is what ``CALL LHT.CHECK_SETUP()`` and ``lht check`` run: the secret from
:func:`lht.secrets.read_secret`, a fresh :class:`SalesforceClient` per call, and the session's
current database (schema ``LHT``, as sql/setup.sql creates it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from lht.deploy.check_ports import CheckResult, SalesforceCheckPort
from lht.deploy.checks import run_checks
from lht.orchestrate.config import ConfigEntry, list_config
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.salesforce.describe import SObjectDescribe, SObjectSummary
from lht.secrets import SALESFORCE_OAUTH, read_secret
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse import setup_statements as setup
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter

__all__ = ["ClientProbe", "SessionProbe", "check_setup", "read_credentials"]

SCHEMA = "LHT"
STAGE = "LHT.LHT_STAGE"


def _row(row: Any) -> dict[str, Any]:
    data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return {str(k).lower(): v for k, v in data.items()}


class SessionProbe:
    """:class:`~lht.deploy.check_ports.WarehouseCheckPort` on a Snowpark session."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.runner = StatementRunner(session)

    def network_rule_values(self) -> list[str]:
        rows = self.runner.run(setup.describe_network_rule(SCHEMA))
        text = str(_row(rows[0]).get("value_list") or "") if rows else ""
        return [v.strip().strip("'") for v in text.split(",") if v.strip().strip("'")]

    def table_columns(self, tables: Sequence[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for row in self.runner.run(setup.table_columns(SCHEMA, tables)):
            values = _row(row)
            found.setdefault(str(values["table_name"]), set()).add(str(values["column_name"]))
        return found

    def config_entries(self) -> list[ConfigEntry]:
        return list_config(self.session, None, ensure=False)

    def tasks(self) -> dict[str, str]:
        rows = self.runner.run(ost.show_tasks(SCHEMA))
        return {str(_row(r)["name"]): str(_row(r).get("state") or "") for r in rows}

    def stage_roundtrip(self) -> bool:
        """Put a small file under ``_lht_check/<random>/`` and REMOVE that prefix."""
        writer = StageWriter(self.session, STAGE)
        folder = f"check_{uuid.uuid4().hex[:12]}"
        writer.put(f"_lht_check/{folder}/probe.txt", b"LHT CHECK_SETUP probe\n")
        return writer.remove_prefix(self.runner, "_lht_check", folder)


class ClientProbe:
    """:class:`~lht.deploy.check_ports.SalesforceCheckPort` on a :class:`SalesforceClient`."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client

    def login(self) -> str:
        return self.client.transport.login().instance_url

    def describe(self, sobject: str) -> SObjectDescribe:
        return self.client.describe(sobject)

    def describe_global(self) -> tuple[SObjectSummary, ...]:
        return self.client.describe_global()

    def query_records(self, soql: str, include_deleted: bool = True) -> Iterator[dict[str, Any]]:
        return self.client.query_records(soql, include_deleted)

    def limits(self) -> dict[str, Any]:
        return self.client.limits()


def read_credentials() -> Credentials:
    """The bound ``salesforce_oauth`` secret as Credentials (ConfigError when unusable)."""
    return Credentials.from_json(read_secret(SALESFORCE_OAUTH))


def check_setup(
    session: Any,
    *,
    credentials: Callable[[], Credentials] = read_credentials,
    connect: Callable[[Credentials], SalesforceCheckPort] | None = None,
) -> list[CheckResult]:
    """Every check of this deployment (see :mod:`lht.deploy.checks`)."""
    return run_checks(credentials, connect or (lambda c: ClientProbe(SalesforceClient(c))),
                      SessionProbe(session))  # fmt: skip
