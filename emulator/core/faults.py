"""Fault injection rules, matched centrally for every endpoint (REST, Bulk, OAuth).

A rule matches by method, path regex and (optional) query-string regex (searched in the raw
query, e.g. `locator=MTAwMDA` picks one Bulk results page); it fires on the `nth` matching call and
the `count - 1` matching calls after it (count 0 = every call from nth on). Kinds:
  status   – reply `status` with an empty body (or `body`), e.g. 500/502/503/420/429
  error    – reply `status` with a Salesforce error array (`error_code`, `message`)
  session  – 401 INVALID_SESSION_ID (and revoke the presented token when `revoke` is true)
  limit    – 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded."
  truncate – send the real response but cut the body after `after_bytes` bytes, then close
  slow     – wait `delay` seconds before answering (and throttle the body to `rate` bytes/s if > 0)
  reset    – drop the TCP connection without any response
Any rule may add response `headers` (e.g. {"Retry-After": "7"} on a 429).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any

KINDS = ("status", "error", "session", "limit", "truncate", "slow", "reset")
TRANSPORT_KINDS = frozenset({"truncate", "slow", "reset"})


@dataclass(frozen=True)
class FaultRule:
    kind: str
    path: str = ".*"
    query: str = ""
    method: str | None = None
    nth: int = 1
    count: int = 1
    status: int = 503
    body: str = ""
    error_code: str = "SERVER_UNAVAILABLE"
    message: str = "Server temporarily unavailable"
    after_bytes: int = 0
    delay: float = 0.0
    rate: int = 0
    revoke: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {list(KINDS)}")
        if self.nth < 1 or self.count < 0:
            raise ValueError("fault nth must be >= 1 and count >= 0")
        re.compile(self.path)
        re.compile(self.query)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        allowed = set(cls.__dataclass_fields__) - {"id"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["headers"] = dict(self.headers)
        return data


@dataclass
class _State:
    rule: FaultRule
    seen: int = 0
    fired: int = 0
    pattern: re.Pattern[str] = field(init=False)
    query: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.rule.path)
        self.query = re.compile(self.rule.query)


class Faults:
    """The active fault rules of an org; `match` is called once per incoming request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_State] = []
        self._next_id = 1

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule = replace(rule, id=self._next_id)
            self._next_id += 1
            self._rules.append(_State(rule))
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [s for s in self._rules if s.rule.id != rule_id]
            return len(self._rules) != before

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(s.rule.to_json(), seen=s.seen, fired=s.fired) for s in self._rules]

    def match(self, method: str, path: str, query: str = "") -> FaultRule | None:
        """The first rule that fires for this call (every matching rule counts the call)."""
        chosen: FaultRule | None = None
        with self._lock:
            for state in self._rules:
                rule = state.rule
                if rule.method and rule.method.upper() != method.upper():
                    continue
                if not state.pattern.search(path) or not state.query.search(query):
                    continue
                state.seen += 1
                in_window = state.seen >= rule.nth and (
                    rule.count == 0 or state.seen < rule.nth + rule.count
                )
                if in_window and chosen is None:
                    state.fired += 1
                    chosen = rule
        return chosen
