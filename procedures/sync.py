"""Snowpark handlers for ``LHT.SYNC_SOBJECT``: parse args → wire → sync → result VARIANT.

``SYNC_SOBJECT(sobject, schema_name, table_name)`` and the overload with an ``options``
OBJECT (see README "Sync options"). The Salesforce client credentials come from the secret
bound to the procedure (alias ``salesforce_oauth``). The handlers never raise: every failure
is returned as ``success: false`` with an ``error`` text, and runs that started also leave a
FAILED row in ``LHT.SYNC_RUNS``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lht.errors import ConfigError
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import client_from_secret, failure_result, run_sync

__all__ = ["sync_sobject", "sync_sobject_with_options"]

log = logging.getLogger(__name__)


def sync_sobject(session: Any, sobject: str, schema_name: str, table_name: str) -> dict[str, Any]:
    return sync_sobject_with_options(session, sobject, schema_name, table_name, None)


def sync_sobject_with_options(
    session: Any, sobject: str, schema_name: str, table_name: str, options: Any
) -> dict[str, Any]:
    entry = {"sobject": sobject, "schema": schema_name, "table": table_name}
    try:
        request = SyncRequest(sobject, schema_name, table_name, _options(options))
        return run_sync(session, client_from_secret(), request)
    except Exception as exc:  # handler boundary: the caller always gets a result VARIANT
        log.exception("SYNC_SOBJECT(%s, %s, %s) failed before running", sobject, schema_name,
                      table_name)  # fmt: skip
        return failure_result(entry, f"{type(exc).__name__}: {exc}")


def _options(raw: Any) -> SyncOptions:
    """The options argument arrives as a dict (VARIANT/OBJECT) or a JSON string."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise ConfigError("options must be a JSON object") from None
    return SyncOptions.from_mapping(raw)
