"""API budget guard: before each object, is the org's daily API usage below the share LHT may
use (default 80 %)?

Usage is read from ``GET /limits`` (``DailyApiRequests``: ``Max`` and ``Remaining``) for the
first check of a run, then from the ``Sforce-Limit-Info`` header of the client's latest call
(``api-usage=used/max``, updated by every call LHT makes), falling back to ``/limits`` when no
header was seen. Above the share the object is *deferred*: the caller records that and the next
run picks it up (nothing about the object changes meanwhile).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from lht.errors import ConfigError

__all__ = ["DEFAULT_SHARE", "BudgetCheck", "BudgetGuard", "usage_from_limits"]

DEFAULT_SHARE = 0.8
log = logging.getLogger(__name__)


class LimitsPort(Protocol):
    def limits(self) -> dict[str, Any]: ...
    @property
    def usage(self) -> Any: ...  # ApiUsage(calls, api_used, api_max)


@dataclass(frozen=True)
class BudgetCheck:
    """The outcome of one check: ``allowed`` with the numbers it was based on."""

    allowed: bool
    used: int | None
    maximum: int | None
    share: float
    source: str  # "limits" | "header" | "unknown"

    @property
    def reason(self) -> str:
        if self.used is None or not self.maximum:
            return "API usage unknown (no DailyApiRequests in /limits); not deferred"
        percent = 100.0 * self.used / self.maximum
        verdict = "above" if not self.allowed else "within"
        return (
            f"org API usage {self.used}/{self.maximum} ({percent:.1f}%) is {verdict} the "
            f"{self.share:.0%} budget share (from {self.source})"
        )


def usage_from_limits(limits: dict[str, Any]) -> tuple[int, int] | None:
    """``(used, max)`` of ``DailyApiRequests`` from a ``/limits`` body, or None."""
    entry = limits.get("DailyApiRequests")
    if not isinstance(entry, dict):
        return None
    try:
        maximum, remaining = int(entry["Max"]), int(entry["Remaining"])
    except (KeyError, TypeError, ValueError):
        return None
    return max(maximum - remaining, 0), maximum


class BudgetGuard:
    """Decides per object whether the run may spend more API calls."""

    def __init__(self, client: LimitsPort, share: float = DEFAULT_SHARE) -> None:
        if not 0.0 < float(share) <= 1.0:
            raise ConfigError(f"budget share must be in (0, 1], got {share!r}")
        self.client = client
        self.share = float(share)
        self._checked = False

    def check(self) -> BudgetCheck:
        """One check (may cost one ``/limits`` call); never raises for missing numbers."""
        usage = self.client.usage
        if self._checked and usage.api_max:
            return self._decide(usage.api_used, usage.api_max, "header")
        self._checked = True
        numbers = usage_from_limits(self.client.limits())
        if numbers is None:
            log.warning("budget guard: /limits has no DailyApiRequests; not deferring")
            return BudgetCheck(True, None, None, self.share, "unknown")
        return self._decide(numbers[0], numbers[1], "limits")

    def _decide(self, used: int | None, maximum: int, source: str) -> BudgetCheck:
        if used is None:
            return BudgetCheck(True, None, maximum, self.share, source)
        allowed = used < self.share * maximum
        return BudgetCheck(allowed, used, maximum, self.share, source)
