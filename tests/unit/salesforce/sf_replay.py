"""A tiny ``requests`` transport adapter that replays canned responses (fixture bytes).

Used only by unit tests of the Salesforce client's pure-ish parts (error mapping, retry
schedule, page validation). Contract tests talk to the real emulator over loopback.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.response import HTTPResponse

from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.salesforce.retry import RetryPolicy

FIXTURES = Path("/work/shared/fixtures/salesforce")
LOGIN = "https://acme.my.salesforce.com"
INSTANCE = "https://acme.my.salesforce.com"
TOKEN = "00DFAKE!SECRET-ACCESS-TOKEN-1234567890"
CLIENT_SECRET = "SUPER-SECRET-CLIENT-SECRET-XYZ"


@dataclass
class Canned:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None  # Content-Length larger than body → truncated read
    gzip_body: bool = False


def json_response(payload: Any, status: int = 200, **headers: str) -> Canned:
    hdrs = {"Content-Type": "application/json;charset=UTF-8", **headers}
    return Canned(status, json.dumps(payload).encode(), hdrs)


def token_response(token: str = TOKEN, instance: str = INSTANCE) -> Canned:
    return json_response(
        {
            "access_token": token,
            "instance_url": instance,
            "token_type": "Bearer",
            "issued_at": "1558553873237",
            "id": f"{instance}/id/00D/005",
        }
    )


def wiremock(path: str) -> Canned:
    """A WireMock stub's response from the shared fixtures."""
    stub = json.loads((FIXTURES / path).read_text())["response"]
    body = stub.get("body")
    if body is None and "jsonBody" in stub:
        body = json.dumps(stub["jsonBody"])
    headers = {k: v for k, v in (stub.get("headers") or {}).items() if isinstance(v, str)}
    return Canned(stub["status"], (body or "").encode(), headers)


Responder = Canned | BaseException | Callable[[requests.PreparedRequest], Canned]


class ReplayAdapter(BaseAdapter):
    """Answers each request with the next queued item; records what was sent."""

    def __init__(self, *items: Responder) -> None:
        super().__init__()
        self.queue: list[Responder] = list(items)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        if not self.queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        item = self.queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        canned = item(request) if callable(item) else item
        return _build(request, canned)

    def close(self) -> None:
        pass

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.path_url.split('?')[0]}" for r in self.requests]


def _build(request: requests.PreparedRequest, canned: Canned) -> requests.Response:
    body = gzip.compress(canned.body) if canned.gzip_body else canned.body
    headers = dict(canned.headers)
    if canned.gzip_body:
        headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(canned.declared_length or len(body))
    raw = HTTPResponse(
        body=io.BytesIO(body),
        headers=headers,
        status=canned.status,
        preload_content=False,
        decode_content=True,
        enforce_content_length=True,
    )
    return HTTPAdapter().build_response(request, raw)


class FakeTime:
    """Injected clock + sleeper: sleeping advances the clock; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(
    adapter: ReplayAdapter,
    fake_time: FakeTime | None = None,
    retry: RetryPolicy | None = None,
) -> SalesforceClient:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    t = fake_time or FakeTime()
    return SalesforceClient(
        Credentials(LOGIN, "client-id", CLIENT_SECRET),
        session=session,
        sleeper=t.sleep,
        clock=t.clock,
        retry=retry or RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=8.0, jitter=0.0),
        rand=lambda: 0.5,
    )
