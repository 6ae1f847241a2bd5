"""A Salesforce-shaped performance model for benchmarks (every knob off by default).

Over loopback the emulator finishes a job as soon as it has rendered it and serves result pages
at disk speed, so a local benchmark cannot show what waiting for a job or downloading over a WAN
costs. These knobs slow it down the way a real org does:

* `bulk.model_seconds_per_million_rows`: a Bulk query job stays `InProgress` until this many
  seconds per million result rows have passed since it was created (an ingest job: per million
  uploaded rows since it started processing), on the org clock.
* `bulk.model_first_byte_seconds`: a results download (`GET .../results`) waits this long before
  its status line, like the time Salesforce takes to start streaming a page.
* `bulk.model_stream_bytes_per_second`: each results download is sent at most this fast.
* `bulk.model_max_streams`: at most this many results downloads are served at once; more wait
  for a free slot before their first byte (the wait counts toward their time to first byte).

Where the numbers come from: Salesforce documents none of them (COVERAGE.md "Performance model"
lists what is a guess and what a hint); they are for relative comparisons (1 vs 5 streams, poll
overshoot), not for predicting an org.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from emulator.core.options import register_option

SECONDS_PER_MILLION = register_option(
    "bulk.model_seconds_per_million_rows",
    0.0,
    "Performance model: a Bulk job takes at least this many seconds per million rows (0 = off).",
)
FIRST_BYTE = register_option(
    "bulk.model_first_byte_seconds",
    0.0,
    "Performance model: delay before a Bulk results download starts answering (0 = off).",
)
STREAM_RATE = register_option(
    "bulk.model_stream_bytes_per_second",
    0,
    "Performance model: bandwidth of each Bulk results download, bytes/s (0 = unlimited).",
)
MAX_STREAMS = register_option(
    "bulk.model_max_streams",
    0,
    "Performance model: results downloads served at once; more wait for a slot (0 = no cap).",
)


@dataclass(frozen=True)
class Pace:
    """How the server sends one response: a slot to hold, a first-byte delay, a byte rate."""

    slot: threading.Semaphore | None = None
    first_byte_seconds: float = 0.0
    bytes_per_second: int = 0


class StreamSlots:
    """The org's download slots, rebuilt when `bulk.model_max_streams` changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._slots: threading.Semaphore | None = None

    def get(self, size: int) -> threading.Semaphore | None:
        with self._lock:
            if size <= 0:
                return None
            if self._slots is None or size != self._size:
                self._size, self._slots = size, threading.Semaphore(size)
            return self._slots


_SLOTS_LOCK = threading.Lock()


def _slots_of(org: Any) -> StreamSlots:
    with _SLOTS_LOCK:  # kept on the org itself: one set of slots per emulated org
        slots: StreamSlots = org.__dict__.setdefault("_stream_slots", StreamSlots())
        return slots


def download_pace(org: Any) -> Pace | None:
    """The pace of a results download under the model, or None when every knob is off."""
    options = org.options
    first = float(options.get(FIRST_BYTE.name))
    rate = int(options.get(STREAM_RATE.name))
    slot = _slots_of(org).get(int(options.get(MAX_STREAMS.name)))
    if not first and not rate and slot is None:
        return None
    return Pace(slot, first, rate)


def job_ready(options: Any, started: datetime, rows: int, now: datetime) -> bool:
    """Whether a job that started at `started` over `rows` rows may finish at `now`."""
    per_million = float(options.get(SECONDS_PER_MILLION.name))
    if per_million <= 0:
        return True
    return now >= started + timedelta(seconds=per_million * rows / 1_000_000)
