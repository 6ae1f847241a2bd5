"""Pure SQL builders for LHT.SYNC_LOCKS: one lock slot per target, claimed by a conditional
UPDATE (the protocol is in :mod:`lht.state.locks`).

A slot row is ``(TARGET, RUN_ID, ACQUIRED_AT, EXPIRES_AT)``; ``RUN_ID`` NULL means free. The
table has no uniqueness (Snowflake does not enforce keys on standard tables), so two first-ever
acquirers may both insert a slot: harmless, because :func:`claim_lock` writes *every* row of
the target at once and only when none of them is held by another live run. Whether an INSERT
serialises does not matter; the claim is an UPDATE, and UPDATE/DELETE/MERGE statements on one
table do not run in parallel in Snowflake ("Resource locking",
https://docs.snowflake.com/en/sql-reference/transactions), while on the local stand-in DuckDB
rejects the second of two concurrent writes to one row ("Conflict on update").

A held slot is live until ``EXPIRES_AT`` (set by its holder: now + its lock lifetime); rows
written before that column existed fall back to ``ACQUIRED_AT`` older than the caller's stale
threshold.
"""

from __future__ import annotations

from datetime import datetime

from lht.warehouse.identifiers import TableName
from lht.warehouse.state_statements import StateTables, timestamp_param
from lht.warehouse.statements import Statement

__all__ = [
    "abandon_lock",
    "claim_lock",
    "ensure_lock_slot",
    "mark_run_abandoned",
    "read_lock",
    "read_run_status",
    "release_lock",
]


def ensure_lock_slot(t: StateTables, target: str) -> Statement:
    """Insert a free slot for ``target`` unless it has one (a racing duplicate is harmless)."""
    text = (
        f"INSERT INTO {t.locks.sql} (TARGET) SELECT ? "
        f"WHERE NOT EXISTS (SELECT 1 FROM {t.locks.sql} WHERE TARGET = ?)"
    )
    return Statement("ensure_lock_slot", text, (target, target))


def claim_lock(
    t: StateTables,
    target: str,
    run_id: str,
    *,
    now: datetime,
    expires_at: datetime,
    stale_before: datetime,
    dead_holder: str | None = None,
) -> Statement:
    """Write ``run_id`` into every slot row of ``target`` unless one of them is held by another
    run that is still live: not past its ``EXPIRES_AT`` (legacy rows: ``ACQUIRED_AT`` not
    before ``stale_before``) and not ``dead_holder`` (a holder whose run has ended). Read the
    slot back with :func:`read_lock` to learn whether the claim won."""
    held_by_other_live_run = (
        f"SELECT 1 FROM {t.locks.sql} AS h WHERE h.TARGET = ? AND h.RUN_ID IS NOT NULL "
        "AND h.RUN_ID <> ? AND h.RUN_ID <> COALESCE(?, '') "
        "AND COALESCE(h.EXPIRES_AT > TO_TIMESTAMP_NTZ(?), "
        "h.ACQUIRED_AT >= TO_TIMESTAMP_NTZ(?), FALSE)"
    )
    text = (
        f"UPDATE {t.locks.sql} SET RUN_ID = ?, ACQUIRED_AT = TO_TIMESTAMP_NTZ(?), "
        "EXPIRES_AT = TO_TIMESTAMP_NTZ(?) "
        f"WHERE TARGET = ? AND NOT EXISTS ({held_by_other_live_run})"
    )
    params = (
        run_id,
        timestamp_param(now),
        timestamp_param(expires_at),
        target,
        target,
        run_id,
        dead_holder,
        timestamp_param(now),
        timestamp_param(stale_before),
    )
    return Statement("claim_lock", text, params)


def read_lock(t: StateTables, target: str) -> Statement:
    text = f"SELECT RUN_ID, ACQUIRED_AT, EXPIRES_AT FROM {t.locks.sql} WHERE TARGET = ?"
    return Statement("read_lock", text, (target,))


def release_lock(t: StateTables, target: str, run_id: str) -> Statement:
    """Free the slot only if this run still holds it (the row stays, free, for the next run)."""
    text = (
        f"UPDATE {t.locks.sql} SET RUN_ID = NULL, ACQUIRED_AT = NULL, EXPIRES_AT = NULL "
        "WHERE TARGET = ? AND RUN_ID = ?"
    )
    return Statement("release_lock", text, (target, run_id))


def abandon_lock(t: StateTables, target: str, run_id: str, now: datetime) -> Statement:
    """Expire this run's lock now (its run row could not be ended): the next run takes it
    over at once and ends that row (:func:`mark_run_abandoned`)."""
    text = (
        f"UPDATE {t.locks.sql} SET EXPIRES_AT = TO_TIMESTAMP_NTZ(?) WHERE TARGET = ? AND RUN_ID = ?"
    )
    return Statement("abandon_lock", text, (timestamp_param(now), target, run_id))


def read_run_status(runs: TableName, run_id: str) -> Statement:
    """The STATUS of a run in a run log (SYNC_RUNS or PUSH_RUNS); no row: none written yet."""
    return Statement(
        "read_run_status", f"SELECT STATUS FROM {runs.sql} WHERE RUN_ID = ?", (run_id,)
    )


def mark_run_abandoned(runs: TableName, run_id: str, ended_at: datetime, error: str) -> Statement:
    """End a RUNNING row whose process died (its lock was taken over): FAILED with a reason."""
    text = (
        f"UPDATE {runs.sql} SET STATUS = 'FAILED', ENDED_AT = TO_TIMESTAMP_NTZ(?), ERROR = ? "
        "WHERE RUN_ID = ? AND STATUS = 'RUNNING'"
    )
    return Statement("mark_run_abandoned", text, (timestamp_param(ended_at), error, run_id))
