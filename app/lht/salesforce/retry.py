"""Retry policy values: capped exponential backoff with jitter, ``Retry-After`` parsing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["REFUSED_STATUSES", "RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

#: Statuses retried with backoff: Edge rejections (406, 420), throttling (429) and 5xx.
RETRYABLE_STATUSES = frozenset({406, 420, 429, 500, 502, 503, 504})
#: Statuses that mean the request was refused before any processing: safe to retry even a
#: non-idempotent call (e.g. an insert). Other 5xx might have been partly applied.
REFUSED_STATUSES = frozenset({420, 429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry transient failures.

    ``max_attempts`` counts every try including the first. The n-th retry waits
    ``min(max_delay, base_delay * multiplier**(n-1))`` scaled by a random factor in
    ``[1 - jitter, 1 + jitter]`` (never above ``max_delay``). ``Retry-After`` from the
    server wins over the computed delay, capped at ``max_retry_after``. No retry starts
    once ``max_elapsed`` seconds have passed since the first try.
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.2
    max_retry_after: float = 300.0
    max_elapsed: float = 900.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be within [0, 1]")
        if self.base_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("delays must be >= 0 and multiplier >= 1")

    def backoff(self, retry_number: int, rand: float) -> float:
        """Delay before retry number ``retry_number`` (1-based); ``rand`` in [0, 1)."""
        exponent = max(retry_number - 1, 0)
        raw = min(self.max_delay, self.base_delay * self.multiplier**exponent)
        factor = 1.0 - self.jitter + 2.0 * self.jitter * rand
        return min(self.max_delay, raw * factor)

    def delay(self, retry_number: int, rand: float, retry_after: float | None) -> float:
        """Delay to sleep: the server's ``Retry-After`` (capped) or the computed backoff."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.backoff(retry_number, rand)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), else None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    return max((when - reference).total_seconds(), 0.0)
