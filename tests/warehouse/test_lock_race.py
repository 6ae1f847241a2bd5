"""Lock acquisition is exclusive by construction: 8 acquirers on 8 separate sessions, racing.

Each round starts 8 threads, each on its own Snowpark session of the embedded warehouse (its own
DuckDB transactions, like 8 procedure calls), behind a barrier so their statements interleave.
Exactly one must win, every loser must fail with ConcurrentRunError, and after the winner
releases no row may hold the target (a loser's leftover row would block it until stale).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lht.errors import ConcurrentRunError
from lht.local.runtime import LocalWarehouse
from lht.state.bootstrap import ensure_state_tables
from lht.state.locks import TargetLock
from lht.warehouse import lock_statements as lst
from lht.warehouse import state_statements as sst
from lht.warehouse.runner import StatementRunner

ACQUIRERS = 8
ROUNDS = 4


@pytest.fixture
def sessions(local_warehouse: LocalWarehouse) -> Iterator[list[Any]]:
    opened = [local_warehouse.new_session() for _ in range(ACQUIRERS)]
    try:
        yield opened
    finally:
        for session in opened:
            local_warehouse.close_session(session)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _race(
    sessions: list[Any], make: Callable[[StatementRunner, str], TargetLock]
) -> tuple[list[TargetLock], list[BaseException]]:
    """All acquirers at once; returns (winners still holding, errors of the others)."""
    barrier = threading.Barrier(len(sessions))
    winners: list[TargetLock] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def attempt(session: Any, index: int) -> None:
        lock = make(StatementRunner(session), f"run-{index}-{uuid.uuid4().hex[:6]}")
        barrier.wait()
        try:
            lock.acquire()
        except BaseException as exc:  # collected and asserted below
            with guard:
                errors.append(exc)
            return
        with guard:
            winners.append(lock)

    threads = [threading.Thread(target=attempt, args=(s, i)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return winners, errors


def _held_rows(runner: StatementRunner, tables: sst.StateTables, key: str) -> list[Any]:
    return [r for r in runner.run(lst.read_lock(tables, key)) if r["RUN_ID"] is not None]


@pytest.mark.parametrize("kind", ["sync", "push"])
def test_lock_eight_concurrent_acquirers_exactly_one_wins_no_residue(
    sessions: list[Any], runner: StatementRunner, schema: str, kind: str
) -> None:
    tables = sst.StateTables(schema)
    ensure_state_tables(runner, tables)
    for round_ in range(ROUNDS):
        key = f"RAW.T{round_}" if kind == "sync" else f"PUSH Account RAW.SRC{round_}"

        def make(r: StatementRunner, run_id: str, key: str = key) -> TargetLock:
            return TargetLock(r, tables, key, run_id, clock=_now)

        winners, errors = _race(sessions, make)
        assert len(winners) == 1, (round_, [repr(e) for e in errors])
        assert len(errors) == ACQUIRERS - 1
        assert all(isinstance(e, ConcurrentRunError) for e in errors), [repr(e) for e in errors]
        held = _held_rows(runner, tables, key)
        assert {r["RUN_ID"] for r in held} == {winners[0].run_id}
        winners[0].release()
        assert _held_rows(runner, tables, key) == [], f"residue after round {round_}"
        # the target is free again: a later run takes it at once
        later = TargetLock(runner, tables, key, "later", clock=_now)
        later.acquire()
        later.release()
