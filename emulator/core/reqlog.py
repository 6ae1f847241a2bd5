"""Bounded request log for test assertions: what was called, what it returned, what it cost."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

_REDACTED = ("authorization", "cookie", "x-sfdc-session")
_BODY_PREVIEW = 2048


@dataclass(frozen=True)
class LogEntry:
    seq: int
    time: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    status: int
    charged: str | None
    fault: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in _REDACTED else v) for k, v in headers.items()}


def redact_query(query: dict[str, str]) -> dict[str, str]:
    secret_keys = {"client_secret", "password", "refresh_token", "access_token"}
    return {k: ("<redacted>" if k in secret_keys else v) for k, v in query.items()}


def body_preview(path: str, body: bytes) -> str:
    if path.startswith(("/services/oauth2", "/services/Soap/")):  # credentials, session ids
        return "<redacted>" if body else ""
    return body[:_BODY_PREVIEW].decode("utf-8", errors="replace")


class RequestLog:
    def __init__(self, max_entries: int = 10000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LogEntry] = deque(maxlen=max_entries)
        self._seq = 0

    def append(self, **fields: Any) -> LogEntry:
        with self._lock:
            self._seq += 1
            entry = LogEntry(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def counts_by_counter(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for entry in self.entries():
            if entry.charged:
                result[entry.charged] = result.get(entry.charged, 0) + 1
        return result
