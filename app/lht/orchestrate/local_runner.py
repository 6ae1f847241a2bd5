"""Run a :class:`~lht.orchestrate.graph.TaskGraph` locally, the way Snowflake runs it.

Dependency order: the root first, then every child (all children depend only on the root),
then the finalizer, which runs even when children failed. Each node gets its own Salesforce
client and a session from ``session_factory``, as each Snowflake task runs its own procedure
call. With ``parallel=True`` the children run together in threads, each with its own session.
On the embedded stand-in pass ``sessions=`` a ``LocalWarehouse``: every node then gets a fresh
session from its ``new_session()`` (all on the one DuckDB database, each with its own
transactions; see ``lht.local.fakesnow_patch``), closed after the node, and the children run in
parallel by default. One Snowpark session is never shared across threads.
Each node calls the same Python function its task's procedure handler calls
(``SYNC_TARGET`` → :func:`sync_target`, ``FINALIZE_SYNC`` → :func:`finalize_graph`), so
this proves the orchestration logic on the embedded warehouse. What it does not prove:
Snowflake's scheduler, CRON parsing and task privileges.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from lht.orchestrate.budget import DEFAULT_SHARE
from lht.orchestrate.config import ensure_orchestration_objects
from lht.orchestrate.graph import TaskGraph, TaskNode
from lht.orchestrate.sync_all import Orchestration, finalize_graph, sync_target
from lht.warehouse import orchestrate_statements as ost

__all__ = ["GraphRun", "NodeRun", "SessionSource", "node_action", "run_graph"]

log = logging.getLogger(__name__)


class SessionSource(Protocol):
    """Where the runner gets one session per node (``LocalWarehouse`` fits)."""

    def new_session(self) -> Any: ...

    def close_session(self, session: Any) -> None: ...


@dataclass(frozen=True)
class NodeRun:
    name: str
    kind: str
    started: float
    ended: float
    thread: str
    result: dict[str, Any]


@dataclass(frozen=True)
class GraphRun:
    graph_run_id: str
    started_at: datetime
    nodes: tuple[NodeRun, ...]

    def node(self, name: str) -> NodeRun:
        return next(n for n in self.nodes if n.name == name)


def run_graph(
    graph: TaskGraph,
    *,
    session_factory: Callable[[], Any] | None = None,
    client_factory: Callable[[], Any],
    parallel: bool | None = None,
    budget_share: float = DEFAULT_SHARE,
    close_session: Callable[[Any], None] = lambda s: None,
    action: Callable[..., dict[str, Any]] | None = None,
    sessions: SessionSource | None = None,
) -> GraphRun:
    """Execute the graph: root → children (threads when ``parallel``) → finalizer.
    ``session_factory`` gives each node its session (``close_session`` runs after the
    node), or ``sessions`` gives both (then ``parallel`` defaults to True, else False);
    ``action(orch, graph, node, started_at, graph_run_id)`` defaults to the procedures'
    functions (:func:`node_action`)."""
    if sessions is not None:
        session_factory, close_session = sessions.new_session, sessions.close_session
    if session_factory is None:
        raise TypeError("run_graph needs session_factory or sessions")
    parallel = sessions is not None if parallel is None else parallel
    act = action or node_action
    graph_run_id = uuid.uuid4().hex
    started_at = datetime.now(UTC)
    tables = ost.OrchestrateTables(graph.schema)

    def execute(node: TaskNode) -> NodeRun:
        began = time.monotonic()
        session = session_factory()
        try:
            orch = Orchestration.create(session, client_factory(), budget_share=budget_share,
                                        tables=tables)  # fmt: skip
            result = act(orch, graph, node, started_at, graph_run_id)
        finally:
            close_session(session)
        log.info("task %s finished in %.2f s", node.name, time.monotonic() - began)
        return NodeRun(node.name, node.kind, began, time.monotonic(),
                       threading.current_thread().name, result)  # fmt: skip

    runs = [execute(graph.root)]
    if parallel and len(graph.children) > 1:
        with ThreadPoolExecutor(len(graph.children), thread_name_prefix="lht-task") as pool:
            runs += list(pool.map(execute, graph.children))
    else:
        runs += [execute(child) for child in graph.children]
    runs.append(execute(graph.finalizer))
    return GraphRun(graph_run_id, started_at, tuple(runs))


def node_action(
    orch: Orchestration, graph: TaskGraph, node: TaskNode, started_at: datetime, run_id: str
) -> dict[str, Any]:
    """What each task's procedure does: root ensures the LHT objects, a child syncs its
    entry (SYNC_TARGET), the finalizer records the summary (FINALIZE_SYNC)."""
    if node.kind == "root":
        ensure_orchestration_objects(orch.runner, orch.tables)
        return {"graph_run_id": run_id}
    if node.kind == "finalize":
        return finalize_graph(orch, graph.group, started_at, run_id)
    assert node.target is not None
    return sync_target(orch, *node.target)
