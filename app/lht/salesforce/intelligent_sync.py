"""Legacy-compatible Python API: ``sync_sobject_intelligent`` and ``IntelligentSync``.

Keeps the old lht call shape so existing notebooks and tasks keep working, and runs the same
planner/executor as the ``LHT.SYNC_SOBJECT`` procedure (this is the one module under
``lht.salesforce`` allowed to import ``lht.sync``; see the import-linter contract).

Compatibility notes:

* ``access_info`` carries client credentials: ``client_id`` + ``client_secret`` and
  ``login_url`` (the My Domain URL; ``instance_url`` is accepted as an alias) — preferred,
  the client refreshes its token when it expires mid-run. The old shape, ``access_token`` +
  ``instance_url``, is accepted too, without refresh: if Salesforce rejects the token (401)
  the run fails with a clear ``SalesforceAuthError`` and a failed run row.
* ``use_stage`` is accepted and ignored: every method streams through the LHT stage (the
  method is picked by the decision matrix). ``stage_name`` names that stage
  (default ``LHT.LHT_STAGE``).
* ``match_field`` defaults to ``'ID'`` (case-insensitive); any other value must be an
  external-id / unique field.
* Extra keyword arguments are the sync options (``where_clause``, ``delete_policy``, ...).
* Failures are returned (``success: False`` + ``error``), never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lht.errors import ConfigError, LhtError
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import failure_result, run_sync

__all__ = [
    "IntelligentSync",
    "client_from_access_info",
    "credentials_from_access_info",
    "sync_sobject_intelligent",
]

DEFAULT_STAGE = "LHT.LHT_STAGE"


def credentials_from_access_info(access_info: Mapping[str, Any]) -> Credentials:
    """Client credentials from an old-style ``access_info`` dict."""
    if not isinstance(access_info, Mapping):
        raise ConfigError("access_info must be a dict")
    login_url = access_info.get("login_url") or access_info.get("instance_url")
    if not (access_info.get("client_id") and access_info.get("client_secret")):
        raise ConfigError(
            "access_info needs client_id and client_secret (plus login_url, the My Domain "
            "URL), or access_token plus instance_url"
        )
    return Credentials.from_mapping({**access_info, "login_url": login_url})


def client_from_access_info(access_info: Mapping[str, Any]) -> SalesforceClient:
    """A client from ``access_info``: client credentials (refreshing), else an existing
    ``access_token`` + ``instance_url`` (no refresh: a rejected token fails the run)."""
    if not isinstance(access_info, Mapping):
        raise ConfigError("access_info must be a dict")
    has_credentials = access_info.get("client_id") or access_info.get("client_secret")
    token, instance_url = access_info.get("access_token"), access_info.get("instance_url")
    if not has_credentials and token:
        if not instance_url:
            raise ConfigError("access_info with an access_token also needs instance_url")
        return SalesforceClient.from_access_token(str(instance_url), str(token))
    return SalesforceClient(credentials_from_access_info(access_info))


class IntelligentSync:
    """Sync Salesforce objects into Snowflake with the size-based method matrix.

    ``BULK_API_THRESHOLD`` (default 1,000) and ``STAGE_THRESHOLD`` (default 50,000) may be
    changed on the instance before calling :meth:`sync_sobject`."""

    BULK_API_THRESHOLD = 1000
    STAGE_THRESHOLD = 50000

    def __init__(
        self,
        session: Any,
        access_info: Mapping[str, Any],
        *,
        client: SalesforceClient | None = None,
    ) -> None:
        self.session = session
        self.access_info = access_info
        self._client = client

    def sync_sobject(  # noqa: PLR0917 - the legacy public signature is positional
        self,
        sobject: str,
        schema: str,
        table: str,
        match_field: str = "ID",
        use_stage: bool = False,
        stage_name: str | None = None,
        force_full_sync: bool = False,
        **options: Any,
    ) -> dict[str, Any]:
        del use_stage  # every method stages; kept for call compatibility
        entry = {"sobject": sobject, "schema": schema, "table": table}
        try:
            opts = SyncOptions.from_mapping(
                {
                    "bulk_api_threshold": self.BULK_API_THRESHOLD,
                    "stage_threshold": self.STAGE_THRESHOLD,
                    **options,
                    "match_field": match_field,
                    "force_full_sync": force_full_sync,
                }
            )
            client = self._client or client_from_access_info(self.access_info)
        except LhtError as exc:
            return failure_result(entry, f"{type(exc).__name__}: {exc}")
        request = SyncRequest(sobject, schema, table, opts)
        return run_sync(self.session, client, request, stage_name=stage_name or DEFAULT_STAGE)


def sync_sobject_intelligent(  # noqa: PLR0917 - legacy public signature
    session: Any,
    access_info: Mapping[str, Any],
    sobject: str,
    schema: str,
    table: str,
    match_field: str = "ID",
    use_stage: bool = False,
    stage_name: str | None = None,
    force_full_sync: bool = False,
    **options: Any,
) -> dict[str, Any]:
    """Sync one object; see :class:`IntelligentSync` (old lht signature)."""
    return IntelligentSync(session, access_info).sync_sobject(
        sobject, schema, table, match_field, use_stage, stage_name, force_full_sync, **options
    )
