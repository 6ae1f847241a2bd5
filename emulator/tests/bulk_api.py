"""In-process access to the Bulk API 2.0 routes for the bulk contract tests (no HTTP server)."""

from __future__ import annotations

import json
from typing import Any

from emulator.bulk import ingest as bulk_ingest
from emulator.bulk import query as bulk_query
from emulator.core.org import Org
from emulator.http import Headers, Request, Response, parse_api_version
from emulator.routing import Router


class Api:
    """Calls the bulk routes in-process, through the router pipeline the HTTP server uses."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.router = Router()
        bulk_query.register(self.router)
        bulk_ingest.register(self.router)
        self.token, _ = org.auth.issue("005Dn0000000000AAA", "cid", org.clock.now())

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        raw = (
            body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        )
        query = {k: str(v) for k, v in kw.pop("query", {}).items()}
        req = Request(method, path, query, Headers(headers.items()), raw, parse_api_version(path))
        return self.router.dispatch(self.org, req)

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        return json.loads(self.call(method, path, body, **kw).body)
