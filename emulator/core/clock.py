"""The org clock: wall time shifted by an offset, or frozen; tests move it with advance/set."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """UTC clock. Ticking by default (real seconds elapse); `frozen=True` stops it between
    changes."""

    def __init__(self, start: datetime | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        self._base = start or datetime.now(UTC).replace(microsecond=0)
        self._mono = time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._mono)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._base += timedelta(seconds=seconds)
        return self.now()

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._lock:
            self._base = moment.astimezone(UTC)
            self._mono = time.monotonic()
        return self.now()

    def freeze(self, frozen: bool = True) -> None:
        current = self.now()
        with self._lock:
            self._frozen = frozen
        self.set(current)

    @property
    def frozen(self) -> bool:
        return self._frozen
