"""HTTP value types shared by every emulator handler: request, response, Salesforce-shaped
errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator import errors
from emulator.errors import SalesforceHttpError

__all__ = ["SalesforceHttpError", "error_response"]

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
_VERSION_RE = re.compile(r"^/services/data/(v\d+\.\d+)(?:/|$)")


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only header mapping (last value wins for repeated names)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._data: dict[str, tuple[str, str]] = {}
        for name, value in items:
            self._data[name.lower()] = (name, value)

    def __getitem__(self, key: str) -> str:
        return self._data[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


def parse_api_version(path: str) -> str | None:
    """Return "v62.0" for "/services/data/v62.0/...", else None."""
    match = _VERSION_RE.match(path)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request. `path` has no query string; `query` keeps the last value per key."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes = b""
    api_version: str | None = None
    query_list: tuple[tuple[str, str], ...] = ()

    def json(self) -> Any:
        """Decode the body as JSON or raise a 400 JSON_PARSER_ERROR."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise errors.JSON_UNEXPECTED.error(detail=exc) from None

    @property
    def version_number(self) -> float | None:
        return float(self.api_version[1:]) if self.api_version else None


@dataclass
class Response:
    """A response: exactly one of `body`, `file` (streamed from disk) or `chunks` carries
    content."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    file: Path | None = None
    chunks: Iterable[bytes] | None = None
    fault: Any = None  # a transport-level FaultRule (truncate/slow/reset) applied by the server
    pace: Any = None  # a bulk_model.Pace (slot, first-byte delay, byte rate) applied by the server

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def json_bytes(obj: Any) -> bytes:
    """Compact JSON the way Salesforce serializes it (no spaces, UTF-8)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    obj: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    all_headers = {"Content-Type": JSON_CONTENT_TYPE}
    all_headers.update(headers or {})
    return Response(status=status, headers=all_headers, body=json_bytes(obj))


def error_body(
    error_code: str, message: str, fields: list[str] | None = None
) -> list[dict[str, Any]]:
    item: dict[str, Any] = {"message": message, "errorCode": error_code}
    if fields is not None:
        item["fields"] = list(fields)
    return [item]


def sf_error(
    status: int, error_code: str, message: str, fields: list[str] | None = None
) -> Response:
    """Salesforce REST/Bulk error: a JSON array with one {message, errorCode[, fields]} object."""
    return json_response(error_body(error_code, message, fields), status=status)


def empty_response(status: int = 204) -> Response:
    return Response(status=status)


def error_response(exc: SalesforceHttpError) -> Response:
    """A raised `SalesforceHttpError` as Salesforce's JSON error array."""
    return sf_error(exc.status, exc.error_code, exc.message, exc.fields)
