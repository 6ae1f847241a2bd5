"""Test helpers: a tiny authenticated HTTP client and recorded-fixture loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

FIXTURES = Path(__file__).parent / "fixtures"
API = "/services/data/v62.0"
TIMEOUT = 10.0


def recorded(relpath: str) -> Any:
    """Body of a recorded response: plain JSON files, or the response body of a WireMock stub."""
    data = json.loads((FIXTURES / relpath).read_text())
    if isinstance(data, dict) and "response" in data and "request" in data:
        body = data["response"].get("body")
        return json.loads(body) if body else None
    return data


def recorded_response(relpath: str) -> dict[str, Any]:
    """The full WireMock response (status, headers, body)."""
    return dict(json.loads((FIXTURES / relpath).read_text())["response"])


def type_shape(value: Any) -> Any:
    """Keys and JSON value types of a document, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {key: type_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [type_shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


class Client:
    """requests.Session bound to the emulator base URL with a Bearer token."""

    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base_url + path
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, url, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def query(self, soql: str, resource: str = "query", **kwargs: Any) -> requests.Response:
        return self.get(f"{API}/{resource}", params={"q": soql}, **kwargs)
