"""Which leftovers may go (lht.sync.leftovers.removable)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lht.sync.leftovers import RunInfo, removable

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LATER = NOW.replace(tzinfo=None) + timedelta(hours=1)  # naive UTC, as SYNC_LOCKS stores it
EARLIER = NOW.replace(tzinfo=None) - timedelta(seconds=1)


def run(status: str, *holders: tuple[str | None, datetime | None]) -> RunInfo:
    return RunInfo("r1", "Account", "RAW.ACCOUNTS", status, holders)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        (None, False),  # no run row explains it
        (run("FAILED"), True),
        (run("SUCCESS", ("r2", LATER)), True),
        (run("RUNNING", ("r1", LATER)), False),  # live: holds an unexpired lock
        (run("RUNNING", ("r1", EARLIER)), True),  # its lock expired
        (run("RUNNING", ("r2", LATER)), True),  # another run holds the target now
        (run("RUNNING", (None, None)), True),  # lock free: the run is gone
        (run("RUNNING", ("r2", LATER), ("r1", LATER)), False),  # any live slot row counts
    ],
)
def test_removable_only_ended_runs_or_stale_locks(info: RunInfo | None, expected: bool) -> None:
    assert removable(info, NOW) is expected
