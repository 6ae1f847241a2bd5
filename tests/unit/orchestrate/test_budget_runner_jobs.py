"""Budget guard decisions, the local runner's ordering/parallelism, job cleanup errors as data."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lht.errors import ConfigError, SalesforceRequestError
from lht.orchestrate.budget import BudgetGuard, usage_from_limits
from lht.orchestrate.config import ConfigEntry, make_entry, validate_group
from lht.orchestrate.graph import Compute, plan_graph
from lht.orchestrate.jobs import cleanup_jobs
from lht.orchestrate.local_runner import run_graph


@dataclass(frozen=True)
class Usage:
    calls: int = 0
    api_used: int | None = None
    api_max: int | None = None


class FakeLimits:
    def __init__(self, used: int, maximum: int) -> None:
        self.limits_calls = 0
        self.body: dict[str, Any] = {
            "DailyApiRequests": {"Max": maximum, "Remaining": maximum - used}
        }
        self.usage = Usage()

    def limits(self) -> dict[str, Any]:
        self.limits_calls += 1
        return self.body


def test_budget_guard_first_check_reads_limits_then_header():
    client = FakeLimits(used=100, maximum=1000)
    guard = BudgetGuard(client, 0.8)
    first = guard.check()
    assert (first.allowed, first.used, first.maximum, first.source) == (True, 100, 1000, "limits")
    client.usage = Usage(5, 801, 1000)
    second = guard.check()
    assert (second.allowed, second.source, client.limits_calls) == (False, "header", 1)
    assert "801/1000" in second.reason and "above the 80%" in second.reason


def test_budget_guard_share_boundary_and_unknown_usage():
    assert BudgetGuard(FakeLimits(799, 1000), 0.8).check().allowed
    assert not BudgetGuard(FakeLimits(800, 1000), 0.8).check().allowed
    client = FakeLimits(0, 1)
    client.body = {}
    check = BudgetGuard(client).check()
    assert check.allowed and check.source == "unknown"
    assert usage_from_limits({"DailyApiRequests": {"Max": "x"}}) is None
    for share in (0, 1.5, -0.1):
        with pytest.raises(ConfigError):
            BudgetGuard(client, share)


def test_config_entry_validation():
    entry = make_entry("Account", "raw", "accounts", options='{"where_clause": "Name != null"}',
                       group="nightly")  # fmt: skip
    assert (entry.schema, entry.table, entry.group) == ("RAW", "ACCOUNTS", "NIGHTLY")
    assert validate_group(None) == "DEFAULT"
    for bad in ("a__b", "a_", "bad name", "x;y"):
        with pytest.raises(ConfigError):
            validate_group(bad)
    with pytest.raises(ConfigError):
        make_entry("Account", "RAW", "A", options="[1, 2]")
    with pytest.raises(ConfigError):
        make_entry("Account; DROP", "RAW", "A")
    with pytest.raises(ConfigError):
        make_entry("Account", "RAW", "A", options={"where_clause": "1=1; DELETE"})


def test_local_runner_parallel_children_overlap_and_respect_order():
    entries = [ConfigEntry("Account", "RAW", f"T{i}") for i in range(4)]
    graph = plan_graph(entries, group=None, cron="0 * * * * UTC", compute=Compute("WH"))
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def action(orch, graph_, node, started_at, run_id):
        with lock:
            events.append(("start", node.name))
        time.sleep(0.05 if node.kind == "sync" else 0)
        with lock:
            events.append(("end", node.name))
        return {"kind": node.kind}

    run = run_graph(graph, session_factory=object, client_factory=lambda: FakeLimits(0, 1),
                    parallel=True, action=action)  # fmt: skip
    children = run.nodes[1:-1]
    assert events[0] == ("start", graph.root.name) and events[1] == ("end", graph.root.name)
    assert events[-2:] == [("start", graph.finalizer.name), ("end", graph.finalizer.name)]
    assert len({c.thread for c in children}) == 4
    assert max(c.started for c in children) < min(c.ended for c in children)  # all overlapped
    sequential = run_graph(graph, session_factory=object, client_factory=lambda: None,
                           action=action)  # fmt: skip
    kids = sequential.nodes[1:-1]
    assert all(a.ended <= b.started for a, b in itertools.pairwise(kids))


def test_local_runner_sessions_source_gives_each_node_its_own_closed_session_in_parallel():
    entries = [ConfigEntry("Account", "RAW", f"T{i}") for i in range(3)]
    graph = plan_graph(entries, group=None, cron="0 * * * * UTC", compute=Compute("WH"))
    lock = threading.Lock()

    class Sessions:
        def __init__(self) -> None:
            self.opened: list[object] = []
            self.closed: list[object] = []

        def new_session(self) -> object:
            with lock:
                self.opened.append(object())
                return self.opened[-1]

        def close_session(self, session: object) -> None:
            with lock:
                self.closed.append(session)

    seen: list[object] = []

    def action(orch, graph_, node, started_at, run_id):
        with lock:
            seen.append(orch.session)
        time.sleep(0.05 if node.kind == "sync" else 0)
        return {}

    sessions = Sessions()
    run = run_graph(graph, sessions=sessions, client_factory=lambda: FakeLimits(0, 1),
                    action=action)  # fmt: skip
    children = run.nodes[1:-1]
    assert len(sessions.opened) == len(set(map(id, sessions.opened))) == 5
    assert sorted(map(id, sessions.closed)) == sorted(map(id, sessions.opened))
    assert sorted(map(id, seen)) == sorted(map(id, sessions.opened))
    assert max(c.started for c in children) < min(c.ended for c in children)  # parallel default


class FakeJobs:
    def __init__(self, jobs: dict[str, list[dict[str, Any]]]) -> None:
        self.jobs, self.calls = jobs, []

    def list_jobs(self, kind: str = "query"):
        return list(self.jobs[kind])

    def abort_job(self, kind: str, job_id: str) -> None:
        self.calls.append(("abort", job_id))

    def delete_job(self, kind: str, job_id: str) -> None:
        self.calls.append(("delete", job_id))
        if job_id == "750B":
            raise SalesforceRequestError("cannot delete", status=400, error_code="API_ERROR")


def _job(job_id: str, state: str, created: datetime) -> dict[str, Any]:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {"id": job_id, "state": state, "createdDate": stamp, "object": "Account",
            "operation": "insert"}  # fmt: skip


def test_cleanup_jobs_errors_are_rows_and_young_jobs_stay():
    now = datetime(2024, 5, 2, tzinfo=UTC)
    old = now - timedelta(hours=30)
    client = FakeJobs({
        "query": [_job("750A", "JobComplete", old), _job("750Y", "JobComplete", now)],
        "ingest": [_job("750B", "Failed", old), _job("750C", "InProgress", old)],
    })  # fmt: skip
    rows = {r["id"]: (r["action"], bool(r["error"])) for r in
            cleanup_jobs(client, 24, clock=lambda: now)}  # fmt: skip
    assert rows == {"750A": ("deleted", False), "750B": ("failed", True),
                    "750C": ("aborted+deleted", False)}  # fmt: skip
    assert ("abort", "750C") in client.calls and ("delete", "750Y") not in client.calls
