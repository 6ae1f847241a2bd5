"""Snowpark handlers for ``LHT.PUSH_SOBJECT``: parse args → wire → push → result VARIANT.

``PUSH_SOBJECT(sobject, operation, source)`` and the overload with an ``options`` OBJECT
(see README "Reverse ETL (PUSH_SOBJECT)"). The Salesforce client credentials come from the
secret bound to the procedure (alias ``salesforce_oauth``). The handlers never raise: every
failure is returned as ``success: false`` with an ``error`` text; runs that started sending
also leave a FAILED row in ``LHT.PUSH_RUNS``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lht.errors import ConfigError
from lht.push.service import failure_result
from lht.push.service import push_sobject as run_push
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient

__all__ = ["push_sobject", "push_sobject_with_options"]

log = logging.getLogger(__name__)
SECRET_NAME = "salesforce_oauth"


def push_sobject(session: Any, sobject: str, operation: str, source: str) -> dict[str, Any]:
    return push_sobject_with_options(session, sobject, operation, source, None)


def push_sobject_with_options(
    session: Any, sobject: str, operation: str, source: str, options: Any
) -> dict[str, Any]:
    try:
        return run_push(session, _client(), sobject, operation, source, options=_options(options))
    except Exception as exc:  # handler boundary: the caller always gets a result VARIANT
        log.exception("PUSH_SOBJECT(%s, %s) failed before running", sobject, operation)
        return failure_result(sobject, operation, f"{type(exc).__name__}: {exc}")


def _options(raw: Any) -> dict[str, Any] | None:
    """The options argument arrives as a dict (VARIANT/OBJECT) or a JSON string."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise ConfigError("options must be a JSON object") from None
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"options must be an object, got {type(raw).__name__}")
    return raw


def _client() -> SalesforceClient:
    from lht.secrets import read_secret  # noqa: PLC0415 - FOUNDATION's module, read at call time

    return SalesforceClient(Credentials.from_json(read_secret(SECRET_NAME)))
