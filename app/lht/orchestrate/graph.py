"""The Snowflake Task graph of one sync group, as a pure model and as SQL.

Shape (one graph per group):

* root ``LHT_SYNC_<GROUP>_ROOT`` on the CRON schedule, on a warehouse or serverless
  (``USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE``); its body is a cheap SELECT of the graph run id;
* one child per enabled SYNC_CONFIG entry, ``LHT_SYNC_<GROUP>__<SCHEMA>__<TABLE>``,
  ``AFTER`` the root, so Snowflake runs the children in parallel; each calls
  ``<DB>.LHT.SYNC_TARGET('<SCHEMA>', '<TABLE>')`` (budget guard + sync of that entry) and has
  ``USER_TASK_TIMEOUT_MS`` from the entry's ``poll_timeout_seconds`` plus
  :data:`TASK_TIMEOUT_MARGIN_SECONDS` (the 1 h default would kill a child whose Bulk job alone
  may take the default hour), at most Snowflake's one day;
* a finalizer ``LHT_SYNC_<GROUP>_FINALIZE`` (``FINALIZE = <root>``) that runs after all
  children, failed or not, calling ``<DB>.LHT.FINALIZE_SYNC('<GROUP>')`` to record a summary.

Every task and procedure name is fully qualified (``"<DB>"."LHT"."<NAME>"``) when the graph has
a database, so a task body never depends on a session's current database or schema.

Re-scheduling suspends the root, drops children no longer configured, replaces every task,
resumes the finalizer and then ``SYSTEM$TASK_DEPENDENTS_ENABLE(root)`` (root + children).
:mod:`lht.orchestrate.local_runner` executes the same :class:`TaskGraph` locally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lht.errors import ConfigError
from lht.orchestrate.config import ConfigEntry, validate_group
from lht.sync.options import SyncOptions
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse.identifiers import validate_identifier
from lht.warehouse.statements import Statement

__all__ = [
    "MAX_CHILDREN",
    "TASK_TIMEOUT_MARGIN_SECONDS",
    "Compute",
    "TaskGraph",
    "TaskNode",
    "drop_statements",
    "graph_prefix",
    "plan_graph",
    "schedule_statements",
    "sync_task_timeout_ms",
]

#: Snowflake allows at most 100 child tasks per task; split bigger sets into groups.
MAX_CHILDREN = 100
SYNC_PROCEDURE = "SYNC_TARGET"
FINALIZE_PROCEDURE = "FINALIZE_SYNC"
_SERVERLESS = "SERVERLESS"
#: Time a child needs besides waiting for its Bulk job: describe, result download, COPY, MERGE.
TASK_TIMEOUT_MARGIN_SECONDS = 3600


@dataclass(frozen=True)
class Compute:
    """Where tasks run: a warehouse, or serverless with an initial size."""

    warehouse: str | None = None
    serverless_size: str | None = None

    @classmethod
    def parse(cls, text: str) -> Compute:
        """``COMPUTE_WH`` → warehouse; ``SERVERLESS`` or ``SERVERLESS:SMALL`` → serverless
        (default initial size XSMALL)."""
        raw = str(text or "").strip()
        head, _, size = raw.partition(":")
        if head.upper() == _SERVERLESS:
            size = (size or "XSMALL").upper()
            if size not in ost.SERVERLESS_SIZES:
                raise ConfigError(
                    f"invalid serverless size {size!r}: {sorted(ost.SERVERLESS_SIZES)}"
                )
            return cls(serverless_size=size)
        return cls(warehouse=validate_identifier(raw, "warehouse"))


@dataclass(frozen=True)
class TaskNode:
    name: str
    kind: Literal["root", "sync", "finalize"]
    after: tuple[str, ...] = ()
    target: tuple[str, str] | None = None  # (schema, table) of a sync node
    timeout_ms: int | None = None  # USER_TASK_TIMEOUT_MS (None: Snowflake's default)


@dataclass(frozen=True)
class TaskGraph:
    group: str
    schema: str
    schedule: str
    compute: Compute
    root: TaskNode
    children: tuple[TaskNode, ...]
    finalizer: TaskNode
    database: str | None = None

    def qualified(self, node: TaskNode) -> str:
        return self.name(node.name)

    def name(self, task_or_procedure: str) -> str:
        """``"<DB>"."<SCHEMA>"."<NAME>"`` (schema-qualified only without a database)."""
        return ost.task_name(self.schema, task_or_procedure, self.database)

    @property
    def nodes(self) -> tuple[TaskNode, ...]:
        return (self.root, *self.children, self.finalizer)


def sync_task_timeout_ms(options: Mapping[str, Any] | None) -> int:
    """``USER_TASK_TIMEOUT_MS`` for a child: the entry's Bulk poll timeout plus the margin,
    capped at Snowflake's maximum. Options that do not validate get the default poll timeout
    (the child then fails on its own, with the options error)."""
    try:
        poll = SyncOptions.from_mapping(options)
    except ConfigError:
        poll = SyncOptions()
    seconds = poll.poll_timeout_seconds + TASK_TIMEOUT_MARGIN_SECONDS
    return min(int(seconds * 1000), ost.MAX_TASK_TIMEOUT_MS)


def graph_prefix(group: str) -> str:
    return f"LHT_SYNC_{validate_group(group)}"


def plan_graph(
    entries: Iterable[ConfigEntry],
    *,
    group: str | None,
    cron: str,
    compute: Compute,
    schema: str = "LHT",
    database: str | None = None,
) -> TaskGraph:
    """The graph for the enabled entries of ``group`` (pure; ConfigError on bad input);
    ``database`` makes every name in its SQL fully qualified."""
    name = validate_group(group)
    prefix = graph_prefix(name)
    schedule = ost.check_cron(cron)
    mine = [e for e in entries if e.group == name and e.enabled]
    if not mine:
        raise ConfigError(f"group {name} has no enabled SYNC_CONFIG entries to schedule")
    if len(mine) > MAX_CHILDREN:
        raise ConfigError(
            f"group {name} has {len(mine)} objects; a task may have at most {MAX_CHILDREN} "
            "children: split the objects into several groups"
        )
    root = TaskNode(f"{prefix}_ROOT", "root")
    children = tuple(
        TaskNode(
            f"{prefix}__{e.schema}__{e.table}",
            "sync",
            (root.name,),
            (e.schema, e.table),
            sync_task_timeout_ms(e.options),
        )
        for e in sorted(mine, key=lambda e: (e.schema, e.table))
    )
    finalizer = TaskNode(f"{prefix}_FINALIZE", "finalize")
    db = validate_identifier(database, "database") if database is not None else None
    return TaskGraph(name, validate_identifier(schema, "schema"), schedule, compute, root,
                     children, finalizer, db)  # fmt: skip


def _create(graph: TaskGraph, node: TaskNode) -> Statement:
    if node.kind == "root":
        body = "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID') AS GRAPH_RUN"
        return _task(graph, node, body, schedule=graph.schedule, comment="schedule")
    if node.kind == "finalize":
        body = ost.call_text(graph.name(FINALIZE_PROCEDURE), graph.group)
        return _task(graph, node, body, finalize=graph.qualified(graph.root), comment="summary")
    assert node.target is not None
    body = ost.call_text(graph.name(SYNC_PROCEDURE), *node.target)
    after = tuple(graph.name(a) for a in node.after)
    return _task(graph, node, body, after=after, comment=".".join(node.target))


def _task(
    graph: TaskGraph,
    node: TaskNode,
    body: str,
    *,
    comment: str,
    schedule: str | None = None,
    finalize: str | None = None,
    after: tuple[str, ...] = (),
) -> Statement:
    return ost.create_task(
        graph.qualified(node),
        body=body,
        warehouse=graph.compute.warehouse,
        serverless_size=graph.compute.serverless_size,
        schedule=schedule,
        timeout_ms=node.timeout_ms,
        after=after,
        finalize=finalize,
        comment=f"LHT sync group {graph.group}: {comment}",
    )


def schedule_statements(graph: TaskGraph, existing: Sequence[str] = ()) -> list[Statement]:
    """Statements that (re)create the graph: suspend the root, drop tasks of this group that
    the new graph no longer has (``existing`` = task names found by SHOW TASKS), replace all
    tasks, resume the finalizer, then the root with its children."""
    wanted = {n.name for n in graph.nodes}
    stale = [n for n in sorted(set(existing)) if _belongs(n, graph.group) and n not in wanted]
    stmts = [ost.suspend_task(graph.qualified(graph.root))]
    stmts += [ost.drop_task(graph.name(n)) for n in stale]
    stmts += [_create(graph, n) for n in graph.nodes]
    stmts.append(ost.resume_task(graph.qualified(graph.finalizer)))
    stmts.append(ost.enable_graph(graph.schema, graph.root.name, graph.database))
    return stmts


def _belongs(task: str, group: str) -> bool:
    prefix = graph_prefix(group)
    return task in (f"{prefix}_ROOT", f"{prefix}_FINALIZE") or task.startswith(f"{prefix}__")


def drop_statements(
    group: str | None, existing: Sequence[str], schema: str = "LHT", database: str | None = None
) -> list[Statement]:
    """UNSCHEDULE: suspend the root, drop the children, the finalizer, then the root."""
    name = validate_group(group)
    prefix = graph_prefix(name)
    root = ost.task_name(schema, f"{prefix}_ROOT", database)
    mine = sorted(n for n in set(existing) if _belongs(n, name))
    children = [n for n in mine if n.startswith(f"{prefix}__")]
    ordered = [*children, f"{prefix}_FINALIZE", f"{prefix}_ROOT"]
    return [ost.suspend_task(root)] + [
        ost.drop_task(ost.task_name(schema, n, database)) for n in ordered
    ]
