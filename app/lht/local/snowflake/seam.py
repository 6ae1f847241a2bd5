"""The one seam: an ASGI app in front of fakesnow's server that answers what fakesnow cannot.

``LocalSnowflake(fakesnow_app)`` sees every request first:

- ``/session/v1/login-request``: a login without ``FAKESNOW_DB_PATH`` (the Snowflake CLI, any
  driver) gets the server's data directory; the session's user, role and warehouse (query
  parameters ``roleName``/``warehouse``, as drivers send them) are recorded; a procedure's child
  process logs in with ``LHT_CALL_TOKEN`` and its session is bound to that call. The first login
  on a data directory restores what fakesnow keeps only in memory (databases attached, stages
  re-created from the catalog).
- ``/queries/v1/query-request``: the statement's first word picks a route in the
  :class:`~lht.local.snowflake.registry.Registry`; an owned statement is answered here in
  Snowflake's JSON shapes, everything else goes to fakesnow unchanged (``CURRENT_ROLE()`` and the
  other context functions are substituted first).
- ``/telemetry/send``: accepted and dropped (clients report usage there).

Everything else (PUT uploads to ``/fs_bucket``, heartbeats, ...) reaches fakesnow as sent.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from lht.local.snowflake import context, restore
from lht.local.snowflake.catalog import Catalog, catalog_file
from lht.local.snowflake.registry import Registry, Route, SessionState, Statement
from lht.local.snowflake.responses import Result, SqlError, error_body, result_body, status
from lht.local.snowflake.sqltext import head

__all__ = ["LocalSnowflake"]

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_HEAD_WORDS = 8


class LocalSnowflake:
    """ASGI application: the local Snowflake's object layer over fakesnow's server app."""

    def __init__(self, inner: Any, fakesnow_server: Any, registry: Registry,
                 db_path: str | Path | None = None) -> None:  # fmt: skip
        self.inner = inner
        self.fakesnow = fakesnow_server  # the fakesnow.server module (its ``sessions``)
        self.registry = registry
        self.db_path = None if db_path is None else str(Path(db_path).resolve())
        self.host, self.port = "127.0.0.1", 0
        self.sessions: dict[str, SessionState] = {}
        self.calls: dict[str, Any] = {}  # LHT_CALL_TOKEN -> the running call's frame
        self._catalogs: dict[str | None, list[Any]] = {}  # db_path -> [Catalog, logins]
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == "/queries/v1/query-request":
            await self._query(scope, receive, send)
        elif path == "/session/v1/login-request":
            await self._login(scope, receive, send)
        elif path == "/telemetry/send":
            await _drain(receive)
            await _json(send, {"success": True, "data": None, "code": None, "message": None})
        elif path == "/session" and b"delete=true" in scope.get("query_string", b""):
            token = _token(scope)
            connection = self.fakesnow.sessions.get(token) if token else None
            await self.inner(scope, receive, send)  # fakesnow forgets the session
            if token:
                await _thread(self.end_session, token, connection)
        else:
            await self.inner(scope, receive, send)

    # -- sessions ----------------------------------------------------------------------------
    def catalog(self, db_path: str | None) -> Catalog:
        """The catalog of a data directory (opened on its first login)."""
        with self._lock:
            return self._catalogs[db_path][0]  # type: ignore[no-any-return]

    def end_session(self, token: str, connection: Any = None) -> None:
        """Forget a session (logout or LocalWarehouse close): close fakesnow's connection (and
        the shared DuckDB database after its last one), release the catalog."""
        from lht.local import fakesnow_patch  # noqa: PLC0415

        state = self.sessions.pop(token, None)
        conn = self.fakesnow.sessions.pop(token, None) or connection
        if conn is not None:
            conn.close()
            fakesnow_patch.release(conn.db_path)
        if state is not None:
            self._release_catalog(state.db_path)

    def close(self) -> None:
        for token in list(self.sessions):
            self.end_session(token)
        with self._lock:
            for catalog, _ in self._catalogs.values():
                catalog.close()
            self._catalogs.clear()

    def _acquire_catalog(self, db_path: str | None, connection: Any) -> Catalog:
        with self._lock:
            entry = self._catalogs.get(db_path)
            fresh = entry is None
            if entry is None:
                path = catalog_file(db_path) if db_path else None
                entry = self._catalogs[db_path] = [Catalog(path), 0]
            entry[1] += 1
            catalog: Catalog = entry[0]
        if fresh and db_path:
            restore.restore(Path(db_path), catalog, connection)
        return catalog

    def _release_catalog(self, db_path: str | None) -> None:
        with self._lock:
            entry = self._catalogs.get(db_path)
            if entry is None or db_path is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del self._catalogs[db_path]
        entry[0].close()

    # -- login -------------------------------------------------------------------------------
    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = _decoded(scope, await _drain(receive))
        body = json.loads(raw)
        params = body.setdefault("data", {}).setdefault("SESSION_PARAMETERS", {})
        if not params.get("FAKESNOW_DB_PATH") and self.db_path:
            params["FAKESNOW_DB_PATH"] = self.db_path
        call_token = params.pop("LHT_CALL_TOKEN", None)
        status_code, answer = await self._inner_json(scope, json.dumps(body).encode())
        if answer.get("success"):
            query = parse_qs(scope.get("query_string", b"").decode())
            try:
                await _thread(self._start_session, answer, body, query, call_token)
            except SqlError as exc:
                await _thread(self.end_session, answer["data"]["token"])
                answer = error_body(exc)
        await _json(send, answer, status_code)

    def _start_session(self, answer: dict[str, Any], body: dict[str, Any],
                       query: dict[str, list[str]], call_token: str | None) -> None:  # fmt: skip
        token = answer["data"]["token"]
        connection = self.fakesnow.sessions[token]
        params = body["data"]["SESSION_PARAMETERS"]
        db_path = params.get("FAKESNOW_DB_PATH")
        db_path = None if db_path in (None, ":isolated:") else str(Path(db_path).resolve())
        catalog = self._acquire_catalog(db_path, connection)
        role = next(iter(query.get("roleName", [])), None)
        warehouse = next(iter(query.get("warehouse", [])), None)
        state = SessionState(
            token=token,
            user=str(body["data"].get("LOGIN_NAME") or "").upper(),
            role=context.normalise(role) or context.DEFAULT_ROLE,
            warehouse=context.existing_warehouse(catalog, warehouse),
            db_path=db_path,
            connection=connection,
            call=self.calls.get(call_token) if call_token else None,
            attributes={
                "login_parameters": dict(params),
                "requested_role": context.normalise(role),
            },
            catalog=catalog,
        )
        self.sessions[token] = state
        for hook in self.registry.login_hooks:
            hook(state)
        info = answer["data"].setdefault("sessionInfo", {})
        info.update(roleName=state.role, warehouseName=state.warehouse)

    # -- queries -----------------------------------------------------------------------------
    async def _query(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_body = await _drain(receive)
        body = json.loads(_decoded(scope, raw_body))
        sql = body.get("sqlText") or ""
        state = self.sessions.get(_token(scope) or "")
        if state is None:  # fakesnow answers "login again"
            await self.inner(scope, _replay(raw_body), send)
            return
        verb = self.registry.first_word(sql)
        route = None
        if verb is not None and self.registry.has_verb(verb):
            route = self.registry.match(sql, head(sql, _HEAD_WORDS))
        statement = Statement(sql, tuple(head(sql, _HEAD_WORDS)) if route else (), state,
                              self.catalog(state.db_path), self.registry, self,
                              body.get("bindings"), bool(body.get("describeOnly")))  # fmt: skip
        try:
            if self.registry.statement_hooks:
                await _thread(_run_hooks, self.registry, statement)
            if route is not None and route.handler is not None:
                await _json(send, await _thread(self._answer, route, statement))
                return
        except SqlError as exc:
            await _json(send, error_body(exc))
            return
        await self._forward(scope, send, (body, raw_body), statement, route)

    def _answer(self, route: Route, statement: Statement) -> dict[str, Any]:
        session = statement.session
        try:
            if statement.describe_only:
                columns = route.describe(statement) if route.describe else status("").columns
                result = Result(columns, ())
            else:
                assert route.handler is not None
                result = route.handler(statement)
                _succeeded(statement)
        except SqlError as exc:
            logger.info("local Snowflake: %s failed: %s", " ".join(statement.words[:3]), exc)
            return error_body(exc)
        return result_body(result, session.database, session.schema, statement.describe_only)

    async def _forward(self, scope: Scope, send: Send, request: tuple[dict[str, Any], bytes],
                       statement: Statement, route: Route | None) -> None:  # fmt: skip
        """Let fakesnow run it (context functions substituted, then the registry's rewriters);
        when it succeeded run an ``after`` route's hook and the statement's ``on_success``
        callables. ``request`` is the parsed body and the bytes as received."""
        body, raw_body = request
        sql = statement.sql
        try:
            rewritten = context.substitute(sql, self.registry, statement.session)
            for rewrite in self.registry.rewriters:
                rewritten = rewrite(rewritten, statement)
        except SqlError as exc:
            await _json(send, error_body(exc))
            return
        if rewritten != sql:
            body = {**body, "sqlText": rewritten}
            raw_body = json.dumps(body).encode()
            scope = _plain(scope, len(raw_body))
        after = route.after if route is not None else None
        if after is None and not statement.on_success:
            await self.inner(scope, _replay(raw_body), send)
            return
        status_code, answer = await self._inner_json(scope, json.dumps(body).encode())
        if answer.get("success") and not statement.describe_only:
            try:
                if after is not None:
                    await _thread(after, statement)
                await _thread(_succeeded, statement)
            except SqlError as exc:
                answer = error_body(exc)
        await _json(send, answer, status_code)

    async def _inner_json(self, scope: Scope, body: bytes) -> tuple[int, dict[str, Any]]:
        """Call fakesnow with ``body`` (uncompressed) and return its JSON answer."""
        captured: dict[str, Any] = {"status": 200, "body": b""}

        async def capture(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.inner(_plain(scope, len(body)), _replay(body), capture)
        return captured["status"], json.loads(captured["body"] or b"{}")


def _succeeded(statement: Statement) -> None:
    for done in statement.on_success:
        done()
    statement.on_success.clear()


def _run_hooks(registry: Registry, statement: Statement) -> None:
    for hook in registry.statement_hooks:
        hook(statement)


async def _thread(func: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool  # noqa: PLC0415 - local mode only

    return await run_in_threadpool(func, *args)


async def _drain(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _decoded(scope: Scope, body: bytes) -> bytes:
    if _headers(scope).get(b"content-encoding") == b"gzip":
        return gzip.decompress(body)
    return body


def _plain(scope: Scope, length: int | None = None) -> Scope:
    """``scope`` for an uncompressed body (of ``length`` bytes when given)."""
    headers = [(k, v) for k, v in scope.get("headers", [])
               if k.lower() not in (b"content-encoding", b"content-length")]  # fmt: skip
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {**scope, "headers": headers}


def _token(scope: Scope) -> str | None:
    auth = _headers(scope).get(b"authorization", b"").decode()
    # ``Snowflake Token="<token>"`` (the form fakesnow.server.to_token reads)
    return auth[17:-1] if auth.startswith('Snowflake Token="') else None


async def _json(send: Send, payload: dict[str, Any], status_code: int = 200) -> None:
    data = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status_code,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": data})
