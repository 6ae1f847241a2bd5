"""Per-target run locks in LHT.SYNC_LOCKS: the second concurrent run fails fast.

Exclusive by construction, without relying on INSERT or MERGE serialising and without
uniqueness on the table (see :mod:`lht.warehouse.lock_statements`):

1. read the target's slot; held by another live run → ConcurrentRunError, nothing written;
2. no slot yet → insert a free one (racing duplicates are harmless);
3. claim: one UPDATE writes this run into every slot row of the target, only if no row is
   held by another live run; UPDATEs on one table do not run in parallel (Snowflake) or the
   second of two writes to a row fails (the stand-in's DuckDB), so at most one claim lands;
4. read back: held iff a row carries this run and no row carries another.

A loser never leaves a row of its own: it either wrote nothing (1) or its claim changed
nothing or was refused. A holder is *live* until the ``EXPIRES_AT`` it wrote (now + its own
``lifetime``: ``stale_lock_seconds``, or a task child's timeout), and only while its run has
not ended: a holder whose run row in ``runs`` (SYNC_RUNS, or PUSH_RUNS for push locks) is no
longer RUNNING is taken over at once — its process died after finishing, or its release
failed. When a run takes over a dead holder whose row still says RUNNING (a killed process or
a timed-out task), it marks that row FAILED, so no run stays RUNNING for ever. Release frees
the slot only if this run holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from lht.errors import ConcurrentRunError, WarehouseError
from lht.warehouse import lock_statements as lst
from lht.warehouse import state_statements as sst
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner

__all__ = ["DEFAULT_STALE_AFTER", "TargetLock", "lock_key"]

_log = logging.getLogger(__name__)
DEFAULT_STALE_AFTER = timedelta(hours=6)
_ATTEMPTS = 4  # claims refused by a concurrent write (stand-in) are retried this often


def lock_key(schema: str, table: str) -> str:
    """The lock row key of a target: ``SCHEMA.TABLE`` (validated, upper case)."""
    return TableName.of(schema, table).display


@dataclass(frozen=True)
class _Holder:
    run_id: str
    acquired_at: Any
    expires_at: Any


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
        runs: TableName | None = None,
    ) -> None:
        self.runner = runner
        self.tables = tables
        self.target = target
        self.run_id = run_id
        self.clock = clock
        self.stale_after = stale_after  # this run's lock lifetime, and legacy rows' threshold
        self.runs = runs or tables.runs
        self.held = False

    def acquire(self) -> None:
        """Claim the lock or raise ConcurrentRunError naming the holder."""
        error: WarehouseError | None = None
        for _ in range(_ATTEMPTS):
            rows = self.runner.run(lst.read_lock(self.tables, self.target))
            dead = self._dead_holder(rows)  # raises if another live run holds it
            if not rows:
                self.runner.run(lst.ensure_lock_slot(self.tables, self.target))
            try:
                self.runner.run(self._claim(dead.run_id if dead else None))
            except WarehouseError as exc:  # a concurrent claim wrote the row first (stand-in)
                error = exc
            if self._holds(self.runner.run(lst.read_lock(self.tables, self.target))):
                self.held = True
                if dead is not None:
                    self._end_abandoned(dead)
                return
        if error is not None:
            raise error
        raise ConcurrentRunError(f"{self.target}: the lock is contended; try again")

    def release(self) -> None:
        """Free the lock if this run holds it (safe to call twice)."""
        if self.held:
            self.runner.run(lst.release_lock(self.tables, self.target, self.run_id))
            self.held = False

    def abandon(self) -> None:
        """Expire the lock now instead of freeing it (this run's row could not be ended): the
        next run takes it over at once and marks this run's row FAILED."""
        if self.held:
            now = _naive(self.clock())
            self.runner.run(lst.abandon_lock(self.tables, self.target, self.run_id, now))
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

    # -- steps ------------------------------------------------------------------------------
    def _claim(self, dead_holder: str | None) -> Any:
        now = _naive(self.clock())
        return lst.claim_lock(self.tables, self.target, self.run_id, now=now,
                              expires_at=now + self.stale_after,
                              stale_before=now - self.stale_after,
                              dead_holder=dead_holder)  # fmt: skip

    def _holds(self, rows: Sequence[Any]) -> bool:
        owners = {r["RUN_ID"] for r in rows if r["RUN_ID"] is not None}
        return owners == {self.run_id}

    def _dead_holder(self, rows: Sequence[Any]) -> _Holder | None:
        """The other run holding the slot if it may be taken over; raise if it is live."""
        others = [r for r in rows if r["RUN_ID"] not in (None, self.run_id)]
        if not others:
            return None
        row = others[0]
        holder = _Holder(str(row["RUN_ID"]), row["ACQUIRED_AT"], row["EXPIRES_AT"])
        if self._expired(holder):
            return holder
        found = self.runner.run(lst.read_run_status(self.runs, holder.run_id))
        if found and found[0]["STATUS"] != "RUNNING":
            return holder  # its run has ended: the row is a lock whose release failed
        raise ConcurrentRunError(
            f"{self.target} is being synced by run {holder.run_id} (lock taken "
            f"{holder.acquired_at} UTC, valid until {holder.expires_at} UTC unless that run "
            "ends first); this run stopped before changing anything"
        )

    def _expired(self, holder: _Holder) -> bool:
        now = _naive(self.clock())
        if holder.expires_at is not None:
            return bool(holder.expires_at <= now)
        return holder.acquired_at is None or bool(holder.acquired_at < now - self.stale_after)

    def _end_abandoned(self, dead: _Holder) -> None:
        """The taken-over run's row may still say RUNNING (killed, timed out): end it."""
        reason = (
            f"abandoned: its process ended without finishing (lock taken {dead.acquired_at} "
            f"UTC, valid until {dead.expires_at} UTC); lock taken over by run {self.run_id}"
        )
        _log.warning("%s: took over the lock of run %s (%s)", self.target, dead.run_id, reason)
        self.runner.run(
            lst.mark_run_abandoned(self.runs, dead.run_id, _naive(self.clock()), reason)
        )


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo, as the lock's TIMESTAMP_NTZ columns hold it."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
