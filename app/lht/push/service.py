"""The push Python API: session + Salesforce client → result dict (same path as the procedure).

``push_sobject(session, client, "Contact", "upsert", "ANALYTICS.CONTACTS_OUT",
options={"external_id_field": "Ext_Id__c"})`` returns the run summary as a dict: counts per outcome
(``succeeded``, ``created``, ``updated``, ``failed``, ``unprocessed``, ``retried``,
``rows_unchanged``), ``jobs``, ``status`` (SUCCEEDED / PARTIAL / FAILED) and ``success``,
which is true only when no row failed or went unprocessed (or at most ``max_failed_rows``).
Errors (bad input, API failures) come back as ``success: False`` with ``error``; use
:func:`lht.push.executor.push` to get exceptions instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lht.errors import LhtError
from lht.push.executor import push
from lht.push.options import PushOptions, PushRequest
from lht.push.ports import PushSalesforce
from lht.push.store import WarehousePushStore

__all__ = ["failure_result", "push_sobject"]

log = logging.getLogger(__name__)


def push_sobject(
    session: Any,
    client: PushSalesforce,
    sobject: str,
    operation: str,
    source: str,
    *,
    options: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    poll: Any = None,
) -> dict[str, Any]:
    """Push ``source`` rows to ``sobject`` with ``operation``; never raises LhtError."""
    try:
        request = PushRequest(sobject, operation, source, PushOptions.from_mapping(options))
        summary = push(request, client, WarehousePushStore(session), run_id=run_id, poll=poll)
    except LhtError as exc:
        log.error("push %s %s from %s failed: %s", operation, sobject, source[:80], exc)
        return failure_result(sobject, operation, f"{type(exc).__name__}: {exc}", run_id)
    return summary.to_dict()


def failure_result(
    sobject: str, operation: str, error: str, run_id: str | None = None
) -> dict[str, Any]:
    """The result dict of a push that raised (counts of a run that never sent are 0)."""
    return {
        "run_id": run_id,
        "sobject": sobject,
        "operation": operation,
        "method": "none",
        "status": "FAILED",
        "success": False,
        "rows_read": 0,
        "rows_unchanged": 0,
        "rows_sent": 0,
        "succeeded": 0,
        "created": 0,
        "updated": 0,
        "failed": 0,
        "unprocessed": 0,
        "retried": 0,
        "jobs": [],
        "error": error,
    }
