"""The embedded Snowflake stand-in: fakesnow's server on loopback + a real Snowpark Session.

``LocalWarehouse`` lets the procedure code run with no Snowflake account::

    with LocalWarehouse(data_dir=".lht") as wh:
        sync_sobject(wh.session, "Account", "RAW", "ACCOUNTS")

One fakesnow HTTP server (uvicorn in a daemon thread, 127.0.0.1, a free port chosen by the OS)
is shared by every open ``LocalWarehouse`` in the process and stopped when the last one closes.
It is served behind the local Snowflake layer (``lht.local.snowflake``: network rules, secrets,
integrations, warehouses, persisted stages, ``CURRENT_*()``, ...; see its COVERAGE.md); the
first warehouse's directory is the one offered to clients that name none (``snow``, drivers),
and stage files live in its ``warehouse/stages/``.
Each warehouse logs in with its own persistent DuckDB file ``<data_dir>/warehouse/<DATABASE>.db``,
gets a Snowpark ``Session`` (current database/schema set, created if missing) and the internal
stage ``<schema>.LHT_STAGE``. One warehouse at a time may open a given database file in a process,
so two open warehouses must use different ``data_dir`` values (sequential reuse is fine).
``new_session()`` opens further sessions on the same database (one per thread, e.g. the local
task-graph runner's parallel children); close each with ``close_session()``.

Differences from real Snowflake that callers must not rely on (details:
shared/specs/local-snowflake.md):

- Tables, stages (definitions and files) and the local Snowflake's catalog persist in
  ``<data_dir>/warehouse/``. Stage files of every warehouse opened in one process live under
  the first one's directory (fakesnow keeps one stage root per process).
- MERGE with duplicate source keys silently lets the last row win (Snowflake errors); COPY with
  more file columns than table columns is accepted (Snowflake errors).
- TIMESTAMP_TZ values are normalised to UTC.
- Not supported: CREATE TASK/PROCEDURE, GRANT, CALL, roles,
  ``Table.merge``, ``create_dataframe``, ``write_pandas``, ``session.call``, query tags,
  ``SYSTEM$`` functions, COPY ``PATTERN``/``FILES``/``ON_ERROR=CONTINUE``,
  ``REMOVE``/``GET`` on stages.
- Five fakesnow limits are patched for local mode only (``lht.local.fakesnow_patch``).
- No authentication, no warehouses/credits, no concurrency between sessions beyond DuckDB's.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from lht.errors import ConfigError, WarehouseError

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SCHEMA",
    "LocalWarehouse",
    "standin_server",
]

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = ".lht"
DEFAULT_DATABASE = "LHT_LOCAL"
DEFAULT_SCHEMA = "LHT"
STAGE_NAME = "LHT_STAGE"
_IDENT = re.compile(r"^[A-Z_][A-Z0-9_$]{0,254}$")
_START_TIMEOUT_SECONDS = 30.0


class _Server:
    """The process-wide fakesnow HTTP server, reference counted by open warehouses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._uvicorn: Any = None
        self._thread: threading.Thread | None = None
        self.app: Any = None  # the LocalSnowflake seam while running
        self.port = 0

    def acquire(self, db_dir: Path | None = None, port: int = 0) -> int:
        """Start the server if needed and return its port. The first user's ``db_dir`` is
        served to clients that name no data directory, with stage files under
        ``db_dir/stages`` (None: fakesnow's in-memory databases and temp-dir stages); ``port``
        0 = a free one."""
        with self._lock:
            if self._users == 0:
                self._start(db_dir, port)
            self._users += 1
            return self.port

    def release(self) -> None:
        """Stop the server when the last user releases it."""
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._stop()

    def _start(self, db_dir: Path | None, port: int) -> None:
        import uvicorn  # noqa: PLC0415 - local mode only

        from lht.local import fakesnow_patch  # noqa: PLC0415
        from lht.local.snowflake.modules import build_registry  # noqa: PLC0415
        from lht.local.snowflake.seam import LocalSnowflake  # noqa: PLC0415

        fakesnow_patch.apply()
        fakesnow_patch.use_stage_root(None if db_dir is None else db_dir / "stages")
        fakesnow = _fakesnow_server_module()
        app = LocalSnowflake(fakesnow.app, fakesnow, build_registry(), db_path=db_dir)
        # fakesnow.server sets its logger to INFO on import and logs every login and failed query;
        # its cursor warns about an internal Arrow copy on every result set.
        logging.getLogger("fakesnow.server").setLevel(logging.WARNING)
        warnings.filterwarnings(
            "ignore", message="Arrow output on a DB-API result", category=UserWarning
        )
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="lht-fakesnow", daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise WarehouseError("the local Snowflake stand-in (fakesnow server) did not start")
            time.sleep(0.02)
        self.port = int(server.servers[0].sockets[0].getsockname()[1])
        app.port = self.port
        self._uvicorn, self._thread, self.app = server, thread, app
        logger.info("local Snowflake stand-in listening on 127.0.0.1:%d", self.port)

    def _stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT_SECONDS)
        if self.app is not None:
            self.app.close()
        self._uvicorn, self._thread, self.app, self.port = None, None, None, 0
        logger.info("local Snowflake stand-in stopped")


_SERVER = _Server()

#: Database files (``(db_dir, DATABASE)``) of the warehouses open in this process.
_OPEN_FILES: set[tuple[Path, str]] = set()
_OPEN_LOCK = threading.Lock()


#: Client timeouts for sessions on the stand-in. ``network_timeout`` only bounds connect and
#: retries; the stand-in answers each statement synchronously on one HTTP request, so a
#: statement over 1M rows (COPY, MERGE) on a busy machine needs a long socket read timeout
#: (the connector's default would cut it at 60 s).
CLIENT_TIMEOUTS: dict[str, Any] = {
    "network_timeout": 5,
    "login_timeout": 30,
    "socket_timeout": 1800,
}


def _fakesnow_server_module() -> Any:
    """The ``fakesnow.server`` module (``fakesnow.server`` the attribute is a function until the
    module is first imported, then the module: import it by name to get the module either way)."""
    return importlib.import_module("fakesnow.server")


@contextlib.contextmanager
def standin_server() -> Iterator[dict[str, Any]]:
    """The patched stand-in server alone, for clients in other processes (the benchmarks):
    yields Snowpark/connector ``configs`` for it. Logins with these get fakesnow's in-memory
    databases (no ``FAKESNOW_DB_PATH``), one per session. Use this rather than
    ``fakesnow.server()``, which works only while the ``fakesnow.server`` module has not been
    imported (importing it replaces that package attribute, and the patches import it)."""
    port = _SERVER.acquire()
    try:
        yield {
            "user": "lht_local",
            "password": "local",
            "account": "fakesnow",
            "host": "127.0.0.1",
            "port": port,
            "protocol": "http",
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            **CLIENT_TIMEOUTS,
        }
    finally:
        _SERVER.release()


def _identifier(value: str, what: str) -> str:
    name = value.upper()
    if not _IDENT.match(name):
        raise ConfigError(f"invalid local {what} name {value!r}: use letters, digits and _")
    return name


class LocalWarehouse:
    """A Snowpark ``Session`` on the embedded stand-in over a persistent DuckDB file."""

    def __init__(
        self,
        data_dir: str | Path = DEFAULT_DATA_DIR,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        port: int = 0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.requested_port = port  # used when this warehouse starts the server; 0 = free
        self.database = _identifier(database, "database")
        self.schema = _identifier(schema, "schema")
        self.stage = f"{self.schema}.{STAGE_NAME}"
        self._session: Any = None
        self._port = 0
        self._dir_lock: IO[str] | None = None

    @property
    def db_dir(self) -> Path:
        """Directory holding the DuckDB file(s), one per database."""
        return self.data_dir / "warehouse"

    @property
    def session(self) -> Any:
        """The live ``snowflake.snowpark.Session`` (raises if not started)."""
        if self._session is None:
            raise WarehouseError("LocalWarehouse is not started; use it as a context manager")
        return self._session

    @property
    def connection_parameters(self) -> dict[str, Any]:
        """Connector/Snowpark ``configs`` for another client (e.g. ``snow sql``) while open."""
        if self._session is None:
            raise WarehouseError("LocalWarehouse is not started")
        return self._configs(self._port)

    def start(self) -> LocalWarehouse:
        """Start (or join) the server, log in, create database/schema/stage if missing."""
        if self._session is not None:
            return self
        self.db_dir.mkdir(parents=True, exist_ok=True)
        with _OPEN_LOCK:
            if self._file in _OPEN_FILES:
                raise WarehouseError(
                    f"could not open local warehouse {self.database} in {self.db_dir}: "
                    "another LocalWarehouse is using this data_dir"
                )
            _OPEN_FILES.add(self._file)
        try:
            self._dir_lock = _lock_data_dir(self.db_dir)
        except BaseException:
            with _OPEN_LOCK:
                _OPEN_FILES.discard(self._file)
            raise
        port = _SERVER.acquire(self.db_dir.resolve(), self.requested_port)
        try:
            self._session = self._login(port)
            self._port = port
            self._session.sql(f"CREATE STAGE IF NOT EXISTS {self.stage}").collect()
        except BaseException:
            self._close_session()
            _SERVER.release()
            _unlock_data_dir(self._dir_lock)
            self._dir_lock = None
            with _OPEN_LOCK:
                _OPEN_FILES.discard(self._file)
            raise
        logger.info("local warehouse %s.%s open in %s", self.database, self.schema, self.db_dir)
        return self

    def close(self) -> None:
        """Close the session, release the DuckDB file, and stop the server if last user."""
        if self._session is None:
            return
        self._close_session()
        _SERVER.release()
        _unlock_data_dir(self._dir_lock)
        self._dir_lock = None
        with _OPEN_LOCK:
            _OPEN_FILES.discard(self._file)

    def new_session(self) -> Any:
        """Another Snowpark ``Session`` on this warehouse's database, for use from one other
        thread (each has its own transactions; fakesnow_patch item 4 lets it share the file).
        Close it with :meth:`close_session` before the warehouse closes."""
        if self._session is None:
            raise WarehouseError("LocalWarehouse is not started; use it as a context manager")
        return self._login(self._port)

    def close_session(self, session: Any) -> None:
        """Close a session from :meth:`new_session` (the warehouse's own one stays open)."""
        if session is not None and session is not self._session:
            _close(session)

    def __enter__(self) -> LocalWarehouse:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _file(self) -> tuple[Path, str]:
        return (self.db_dir.resolve(), self.database)

    def _configs(self, port: int) -> dict[str, Any]:
        return {
            "user": "lht_local",
            "password": "local",
            "account": "fakesnow",
            "host": "127.0.0.1",
            "port": port,
            "protocol": "http",
            "database": self.database,
            "schema": self.schema,
            "session_parameters": {
                "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False,
                "FAKESNOW_DB_PATH": str(self.db_dir.resolve()),
            },
            **CLIENT_TIMEOUTS,
        }

    def _login(self, port: int) -> Any:
        from snowflake.snowpark import Session  # noqa: PLC0415 - heavy, local mode only

        try:
            return Session.builder.configs(self._configs(port)).create()
        except Exception as exc:  # driver boundary: report once, without connection details
            raise WarehouseError(
                f"could not open local warehouse {self.database} in {self.db_dir}: "
                f"{type(exc).__name__} (is another LocalWarehouse using this data_dir?)"
            ) from exc

    def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            _close(session)


def _lock_data_dir(db_dir: Path) -> IO[str] | None:
    """Claim ``db_dir`` for this process (an exclusive ``flock`` on ``.lht-process.lock``,
    released when the process ends, however it ends). DuckDB lets one process open a database
    file; a second ``lht`` on the same data dir would otherwise wait on that file lock and
    print the stand-in's traceback. Not on platforms without ``fcntl`` (no lock taken)."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows
        return None
    handle = (db_dir / ".lht-process.lock").open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise WarehouseError(
            f"another LHT process (pid {holder}) is using the local warehouse in {db_dir}; "
            "wait for it to finish, or use another --data-dir"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _unlock_data_dir(handle: IO[str] | None) -> None:
    """Release :func:`_lock_data_dir` (closing the file drops the flock)."""
    if handle is not None:
        handle.close()


def _close(session: Any) -> None:
    """Close via the connector (``Session.close`` calls SYSTEM$ functions fakesnow lacks)."""
    from snowflake.snowpark import session as snowpark_session  # noqa: PLC0415

    connector = session._conn._conn  # private: documented workaround, local only
    token = getattr(connector.rest, "token", None)
    try:
        connector.close()
    finally:
        snowpark_session._remove_session(session)
        # Snowpark's atexit hook would call Session.close() against a stopped server and retry
        atexit.unregister(session._close_at_exit)
        # fakesnow keeps the server-side connection (and the attached DuckDB file) after a
        # client logout; the seam closes it, and the shared database after its last session, so
        # the same data_dir can be opened again in this process.
        if token and _SERVER.app is not None:
            _SERVER.app.end_session(token)
