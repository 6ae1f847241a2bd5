"""Where the CLI runs a command: the embedded warehouse (default) or a real Snowflake account.

* :class:`LocalBackend` runs the library in this process on a Snowpark session (normally the
  embedded stand-in, ``LocalWarehouse`` over ``<data_dir>/warehouse``), with the Salesforce
  client built from the ``salesforce_oauth`` secret (env ``LHT_SECRET_SALESFORCE_OAUTH`` or
  ``.lht/secrets.json``) — the same functions the procedures call.
* :class:`RemoteBackend` (``--connection NAME``) opens a Snowpark session from the Snowflake
  CLI's ``connections.toml`` (Snowpark's own ``connection_name`` loader) and calls the deployed
  procedures (``CALL LHT.SYNC_SOBJECT(...)``); Salesforce is reached from inside Snowflake.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from lht.deploy.probes import check_setup
from lht.errors import ConfigError, WarehouseError
from lht.orchestrate import config as orchestrate_config
from lht.orchestrate import jobs as orchestrate_jobs
from lht.orchestrate import sync_all as orchestrate_sync
from lht.orchestrate.config import validate_group
from lht.push.options import PushRequest
from lht.push.service import push_sobject
from lht.sync.options import SyncRequest
from lht.sync.service import client_from_secret, run_sync
from lht.warehouse.orchestrate_statements import OrchestrateTables, select_config, select_status
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import create_schema

__all__ = ["Backend", "LocalBackend", "RemoteBackend", "open_backend"]

log = logging.getLogger(__name__)
#: Schema of the deployed procedures (sql/setup.sql).
PROCEDURE_SCHEMA = "LHT"


class Backend(Protocol):
    """What a CLI command needs; both backends return the procedures' result dicts."""

    where: str

    def sync(self, request: SyncRequest, options: Mapping[str, Any] | None) -> dict[str, Any]: ...

    def push(self, request: PushRequest, options: Mapping[str, Any] | None) -> dict[str, Any]: ...

    def sync_all(self, group: str | None, budget_share: float) -> list[dict[str, Any]]: ...

    def status(self) -> list[dict[str, Any]]: ...

    def list_jobs(self) -> list[dict[str, Any]]: ...

    def abort_job(self, job_id: str) -> dict[str, Any]: ...

    def cleanup_jobs(self, max_age_hours: float) -> list[dict[str, Any]]: ...

    def set_config(
        self, sobject: str, schema: str, table: str, **kwargs: Any
    ) -> dict[str, Any]: ...

    def remove_config(self, schema: str, table: str) -> bool: ...

    def list_config(self, group: str | None) -> list[dict[str, Any]]: ...

    def check(self) -> list[dict[str, Any]]: ...


class LocalBackend:
    """Runs the library in-process on ``session`` (Salesforce client from the local secret)."""

    def __init__(
        self,
        session: Callable[[], Any],
        client_factory: Callable[[], Any] = client_from_secret,
        where: str = "embedded warehouse",
    ) -> None:
        self._session_factory = session
        self.where = where
        self._client_factory = client_factory
        self._session: Any = None
        self._client: Any = None

    @property
    def session(self) -> Any:
        """The Snowpark session, opened on first use (``lht jobs`` never needs one)."""
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    @property
    def client(self) -> Any:
        """The Salesforce client, built on first use (the secret is read once, never shown)."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def sync(self, request: SyncRequest, options: Mapping[str, Any] | None) -> dict[str, Any]:
        self._ensure_schema(request.schema)
        return run_sync(self.session, self.client, request)

    def push(self, request: PushRequest, options: Mapping[str, Any] | None) -> dict[str, Any]:
        return push_sobject(self.session, self.client, request.sobject, request.operation,
                            request.source, options=options)  # fmt: skip

    def sync_all(self, group: str | None, budget_share: float) -> list[dict[str, Any]]:
        for entry in orchestrate_config.list_config(self.session, group, enabled_only=True):
            self._ensure_schema(entry.schema)
        return orchestrate_sync.sync_all(self.session, self.client, group,
                                         budget_share=budget_share)  # fmt: skip

    def status(self) -> list[dict[str, Any]]:
        return orchestrate_sync.status(self.session)

    def list_jobs(self) -> list[dict[str, Any]]:
        return orchestrate_jobs.list_jobs(self.client)

    def abort_job(self, job_id: str) -> dict[str, Any]:
        return orchestrate_jobs.abort_job(self.client, job_id)

    def cleanup_jobs(self, max_age_hours: float) -> list[dict[str, Any]]:
        return orchestrate_jobs.cleanup_jobs(self.client, max_age_hours)

    def set_config(self, sobject: str, schema: str, table: str, **kwargs: Any) -> dict[str, Any]:
        return orchestrate_config.set_config(self.session, sobject, schema, table, **kwargs)

    def remove_config(self, schema: str, table: str) -> bool:
        return orchestrate_config.remove_config(self.session, schema, table)

    def list_config(self, group: str | None) -> list[dict[str, Any]]:
        return [e.as_dict() for e in orchestrate_config.list_config(self.session, group)]

    def check(self) -> list[dict[str, Any]]:
        """CHECK_SETUP's checks in this process (secret from the environment or file)."""
        return [result.as_row() for result in check_setup(self.session)]

    def _ensure_schema(self, schema: str) -> None:
        """Create the target schema up front (a sync creates it too, on its first full load;
        SYNC_ALL and push do not)."""
        StatementRunner(self.session).run(create_schema(schema))


class RemoteBackend:
    """Calls the procedures deployed in Snowflake through ``session``."""

    def __init__(self, session: Any, connection: str) -> None:
        self.session = session
        self.where = f"Snowflake connection {connection!r}"

    def sync(self, request: SyncRequest, options: Mapping[str, Any] | None) -> dict[str, Any]:
        args: list[Any] = [request.sobject, request.schema, request.table]
        return self._call("SYNC_SOBJECT", [*args, dict(options)] if options else args)

    def push(self, request: PushRequest, options: Mapping[str, Any] | None) -> dict[str, Any]:
        args: list[Any] = [request.sobject, request.operation, request.source]
        return self._call("PUSH_SOBJECT", [*args, dict(options)] if options else args)

    def sync_all(self, group: str | None, budget_share: float) -> list[dict[str, Any]]:
        """``CALL LHT.SYNC_ALL(group, budget_share)`` (NULL group = DEFAULT)."""
        return self._call_table("SYNC_ALL", [group, budget_share])

    def status(self) -> list[dict[str, Any]]:
        """Read-only: the deployed LHT.SYNC_STATUS view."""
        rows = StatementRunner(self.session).run(select_status(OrchestrateTables()))
        return [_plain(row) for row in rows]

    def list_jobs(self) -> list[dict[str, Any]]:
        return self._call_table("LIST_BULK_JOBS", [])

    def abort_job(self, job_id: str) -> dict[str, Any]:
        rows = self._call_table("ABORT_BULK_JOB", [job_id])
        if len(rows) != 1:
            raise WarehouseError(f"ABORT_BULK_JOB returned {len(rows)} rows, expected 1")
        return rows[0]

    def cleanup_jobs(self, max_age_hours: float) -> list[dict[str, Any]]:
        return self._call_table("CLEANUP_BULK_JOBS", [max_age_hours])

    def set_config(self, sobject: str, schema: str, table: str, **kwargs: Any) -> dict[str, Any]:
        args = [sobject, schema, table, kwargs.get("options"), kwargs.get("group"),
                kwargs.get("enabled", True)]  # fmt: skip
        return _succeeded("SET_SYNC_CONFIG", self._call("SET_SYNC_CONFIG", args))

    def remove_config(self, schema: str, table: str) -> bool:
        result = _succeeded("REMOVE_SYNC_CONFIG", self._call("REMOVE_SYNC_CONFIG", [schema, table]))
        return bool(result.get("removed"))

    def list_config(self, group: str | None) -> list[dict[str, Any]]:
        """Read-only: LHT.SYNC_CONFIG rows (no DDL on the account)."""
        wanted = None if group is None else validate_group(group)
        statement = select_config(OrchestrateTables(), wanted, enabled_only=False)
        return [_config_row(_plain(row)) for row in StatementRunner(self.session).run(statement)]

    def check(self) -> list[dict[str, Any]]:
        """``CALL LHT.CHECK_SETUP()``: the checks run inside Snowflake, as the tasks would."""
        return self._call_table("CHECK_SETUP", [])

    def _call_table(self, procedure: str, args: list[Any]) -> list[dict[str, Any]]:
        """A table-returning procedure's rows, keys lower-cased like the local functions'."""
        frame = self.session.call(f"{PROCEDURE_SCHEMA}.{procedure}", *args, return_dataframe=True)
        return [{k.lower(): v for k, v in _plain(row).items()} for row in frame.collect()]

    def _call(self, procedure: str, args: list[Any]) -> dict[str, Any]:
        """``CALL LHT.<procedure>(...)`` (Snowpark renders dicts as PARSE_JSON literals)."""
        value = self.session.call(f"{PROCEDURE_SCHEMA}.{procedure}", *args)
        result = json.loads(value) if isinstance(value, str) else value
        if not isinstance(result, dict):
            raise WarehouseError(f"{procedure} returned {type(result).__name__}, not an object")
        return result


def _succeeded(procedure: str, result: dict[str, Any]) -> dict[str, Any]:
    """A procedure's ``{"success": ...}`` result; its reported error raised as such."""
    if not result.get("success"):
        raise WarehouseError(f"{procedure}: {result.get('error') or 'failed'}")
    return {k: v for k, v in result.items() if k != "success"}


def _config_row(row: Mapping[str, Any]) -> dict[str, Any]:
    raw = row.get("OPTIONS")
    options = json.loads(raw) if isinstance(raw, str) and raw.strip() else None
    return {"sobject": row.get("SOBJECT"), "schema": row.get("TARGET_SCHEMA"),
            "table": row.get("TARGET_TABLE"), "group": row.get("SYNC_GROUP"),
            "enabled": row.get("ENABLED"), "options": options}  # fmt: skip


def _plain(row: Any) -> dict[str, Any]:
    return dict(row.as_dict() if hasattr(row, "as_dict") else row)


@contextmanager
def open_backend(connection: str | None, data_dir: str | Path) -> Iterator[Backend]:
    """The remote backend for ``connection``, else the local one over ``data_dir``."""
    if connection:
        session = _remote_session(connection)
        try:
            yield RemoteBackend(session, connection)
        finally:
            _close(session)
        return
    from lht.local.runtime import LocalWarehouse  # noqa: PLC0415 - local mode only

    warehouse = LocalWarehouse(data_dir=data_dir)
    try:
        yield LocalBackend(lambda: warehouse.start().session,
                           where=f"embedded warehouse in {Path(data_dir)}")  # fmt: skip
    finally:
        warehouse.close()


def _close(session: Any) -> None:
    """Close the remote session; a failing close never masks the command's own outcome."""
    try:
        session.close()
    except Exception as exc:  # driver boundary
        log.warning("closing the Snowflake session failed: %s", type(exc).__name__)


def _remote_session(connection: str) -> Any:
    """A Snowpark session from the named ``connections.toml`` entry (Snowpark's own loader:
    ``$SNOWFLAKE_HOME/connections.toml`` or ``~/.snowflake/connections.toml``)."""
    from snowflake.snowpark import Session  # noqa: PLC0415 - heavy, only when needed

    try:
        return Session.builder.config("connection_name", connection).create()
    except Exception as exc:  # driver boundary: report once, without connection details
        if "invalid connection_name" in str(exc).lower():  # names the known connections only
            raise ConfigError(str(exc)) from exc
        raise WarehouseError(
            f"could not connect with Snowflake connection {connection!r}: {type(exc).__name__}"
        ) from exc
