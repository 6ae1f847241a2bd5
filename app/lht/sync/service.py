"""Wiring for one or many syncs on a Snowpark session: session + client → result dicts.

The procedure handlers, the legacy façade and the local demo all come through here, so the
three surfaces run exactly the same code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from lht.errors import LhtError
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.secrets import read_secret
from lht.sync.executor import sync_sobject, utc_now
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.ports import SalesforcePort
from lht.sync.store import WarehouseSyncStore
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter

__all__ = ["SECRET_NAME", "client_from_secret", "failure_result", "run_sync", "sync_many"]

#: Alias of the Salesforce OAuth secret bound to the procedures (JSON: login_url, client_id,
#: client_secret); locally read from env ``LHT_SECRET_SALESFORCE_OAUTH`` or .lht/secrets.json.
SECRET_NAME = "salesforce_oauth"

log = logging.getLogger(__name__)


def client_from_secret(secret_name: str = SECRET_NAME) -> SalesforceClient:
    """A Salesforce client from the OAuth secret (read at call time, never logged)."""
    return SalesforceClient(Credentials.from_json(read_secret(secret_name)))


def run_sync(
    session: Any,
    client: SalesforcePort,
    request: SyncRequest,
    *,
    runner: StatementRunner | None = None,
    stage_name: str = "LHT.LHT_STAGE",
    clock: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    """Sync ``request`` using ``session`` for the warehouse and ``client`` for Salesforce.
    ``runner`` may wrap the session's runner (tests inject failures through it)."""
    runner = runner or StatementRunner(session)
    store = WarehouseSyncStore(runner, StageWriter(session, stage_name), clock)
    return sync_sobject(request, client, store, clock=clock)


def sync_many(
    session: Any,
    client: SalesforcePort,
    targets: Iterable[Mapping[str, Any]],
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """Sync several objects one after another; each entry is ``{"sobject", "schema",
    "table", "options"?}``. A failing object (even a bad entry) yields its own
    ``success: False`` result and does not stop the others."""
    results = []
    for entry in targets:
        try:
            request = SyncRequest(
                str(entry["sobject"]),
                str(entry["schema"]),
                str(entry["table"]),
                SyncOptions.from_mapping(entry.get("options")),
            )
        except (LhtError, KeyError, TypeError) as exc:
            results.append(failure_result(entry, f"bad sync entry: {type(exc).__name__}: {exc}"))
            continue
        results.append(run_sync(session, client, request, **kwargs))
    return results


def failure_result(entry: Mapping[str, Any], error: str) -> dict[str, Any]:
    """The seed's result dict for a run that could not even start."""
    return {
        "sobject": entry.get("sobject"),
        "target_table": f"{entry.get('schema')}.{entry.get('table')}",
        "sync_method": "failed",
        "estimated_records": 0,
        "actual_records": 0,
        "sync_duration_seconds": 0.0,
        "last_modified_date": None,
        "sync_timestamp": None,
        "success": False,
        "error": error,
    }
