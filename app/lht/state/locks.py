"""Per-target run locks in LHT.SYNC_LOCKS: the second concurrent sync fails fast.

Acquire = one MERGE that claims the row when it is missing, free or stale, then a read-back
of who holds it. MERGE statements on one table are serialised by Snowflake, so of two racing
runs exactly one sees its own run id. A lock older than ``stale_after`` (a crashed run that
never released) may be taken over. Release deletes the row only if this run holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from lht.errors import ConcurrentRunError, WarehouseError
from lht.warehouse import state_statements as sst
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner

__all__ = ["DEFAULT_STALE_AFTER", "TargetLock", "lock_key"]

_log = logging.getLogger(__name__)
DEFAULT_STALE_AFTER = timedelta(hours=6)


def lock_key(schema: str, table: str) -> str:
    """The lock row key of a target: ``SCHEMA.TABLE`` (validated, upper case)."""
    return TableName.of(schema, table).display


class TargetLock:
    """Context manager holding the lock of one target for one run."""

    def __init__(
        self,
        runner: StatementRunner,
        tables: sst.StateTables,
        target: str,
        run_id: str,
        *,
        clock: Callable[[], datetime],
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> None:
        self.runner = runner
        self.tables = tables
        self.target = target
        self.run_id = run_id
        self.clock = clock
        self.stale_after = stale_after
        self.held = False

    def acquire(self) -> None:
        """Claim the lock or raise ConcurrentRunError naming the holder."""
        now = self.clock()
        self.runner.run(
            sst.acquire_lock(self.tables, self.target, self.run_id, now, now - self.stale_after)
        )
        rows = self.runner.run(sst.read_lock(self.tables, self.target))
        holder = rows[0]["RUN_ID"] if rows else None
        if holder != self.run_id:
            since = rows[0]["ACQUIRED_AT"] if rows else None
            raise ConcurrentRunError(
                f"{self.target} is being synced by run {holder} (lock taken {since} UTC); "
                "this run stopped before changing anything"
            )
        self.held = True

    def release(self) -> None:
        """Drop the lock if this run holds it (safe to call twice)."""
        if self.held:
            self.runner.run(sst.release_lock(self.tables, self.target, self.run_id))
            self.held = False

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.release()
        except WarehouseError:
            if exc is None:
                raise
            _log.exception("releasing the lock of %s failed after an error", self.target)
