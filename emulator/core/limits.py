"""Org limits: Max/used per counter (as in GET /limits), charging and the hard cap check."""

from __future__ import annotations

import threading
from typing import Any

DEFAULT_LIMITS: dict[str, int] = {
    "ActiveScratchOrgs": 3,
    "DailyApiRequests": 15000,
    "DailyAsyncApexExecutions": 250000,
    "DailyBulkApiBatches": 15000,
    "DailyBulkV2QueryFileStorageMB": 976562,
    "DailyBulkV2QueryJobs": 10000,
    "DataStorageMB": 5,
    "FileStorageMB": 20,
    "HourlyTimeBasedWorkflow": 50,
    "SingleEmail": 15,
}


class Limits:
    """Thread-safe usage counters. `hard_max` (default = Max) is where requests start to be
    refused."""

    def __init__(self, maxima: dict[str, int] | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = dict(DEFAULT_LIMITS)
        self._initial.update(maxima or {})
        self._max: dict[str, int] = {}
        self._used: dict[str, int] = {}
        self._hard: dict[str, int] = {}
        self.reset()

    def reset(self) -> None:
        """Zero every counter and restore the initial maxima (the '24 h window rolled over')."""
        with self._lock:
            self._max = dict(self._initial)
            self._used = {name: 0 for name in self._max}
            self._hard = {}

    def charge(self, name: str, n: int = 1) -> int:
        with self._lock:
            self._max.setdefault(name, 0)
            self._used[name] = self._used.get(name, 0) + n
            return self._used[name]

    def used(self, name: str) -> int:
        with self._lock:
            return self._used.get(name, 0)

    def max(self, name: str) -> int:
        with self._lock:
            return self._max.get(name, 0)

    def remaining(self, name: str) -> int:
        with self._lock:
            return max(self._max.get(name, 0) - self._used.get(name, 0), 0)

    def exhausted(self, name: str, n: int = 1) -> bool:
        """True when charging `n` more would pass the hard cap."""
        with self._lock:
            cap = self._hard.get(name, self._max.get(name, 0))
            return self._used.get(name, 0) + n > cap

    def configure(
        self,
        name: str,
        max: int | None = None,
        used: int | None = None,
        hard_max: int | None = None,
    ) -> None:
        with self._lock:
            if max is not None:
                self._max[name] = int(max)
            if used is not None:
                self._used[name] = int(used)
            if hard_max is not None:
                self._hard[name] = int(hard_max)
            self._used.setdefault(name, 0)
            self._max.setdefault(name, 0)

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {
                name: {
                    "max": self._max[name],
                    "used": self._used.get(name, 0),
                    "hardMax": self._hard.get(name, self._max[name]),
                }
                for name in sorted(self._max)
            }

    def to_json(self) -> dict[str, Any]:
        """The body of GET /limits: {"Name": {"Max": m, "Remaining": r}}."""
        with self._lock:
            return {
                name: {
                    "Max": self._max[name],
                    "Remaining": max(self._max[name] - self._used.get(name, 0), 0),
                }
                for name in sorted(self._max)
            }
