"""Tasks and task graphs of the local Snowflake: definitions and the rules that change them.

Pure: a :class:`TaskBook` holds the task definitions of an account and enforces what Snowflake
enforces when tasks are created, resumed, suspended or dropped; nothing here runs SQL. The
rules, from docs.snowflake.com:

* a graph is a root task, children linked by ``AFTER`` and at most one finalizer
  (``FINALIZE = <root>``); at most 1000 tasks per graph and 100 predecessors / children per
  task; all tasks of a graph have the same owner and live in the same database and schema
  (user-guide/tasks-graphs);
* a child has no ``SCHEDULE``; a finalizer has neither ``SCHEDULE`` nor ``AFTER`` and its root
  has no predecessor (sql/create-task, FINALIZE);
* the root must be suspended before any task of its graph is created, replaced, resumed,
  suspended or dropped ("Unable to update graph with root task ... since that root task is not
  suspended"; sql/drop-task usage notes, sql/alter-task, bcr-bundles/2026_06/bcr-2363);
* a task is created suspended (sql/create-task); ``ALTER TASK RESUME`` resumes one task,
  ``SYSTEM$TASK_DEPENDENTS_ENABLE(root)`` the root and every task below it, the finalizer
  included (functions/system_task_dependents_enable);
* dropping a predecessor turns its children into roots or standalone tasks, suspended
  (sql/drop-task);
* ``TASK_AUTO_RETRY_ATTEMPTS`` 0–30 is set on the root; ``USER_TASK_TIMEOUT_MS`` defaults to
  3 600 000 (one hour) (sql/create-task; sql/parameters).

Names are fully qualified ``DB.SCHEMA.TASK``. Who may do these things is :mod:`.access_checks`'
business; the privileges a run needs are checked by the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from lht.local.snowflake.access_checks import Denial

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "MAX_GRAPH_TASKS",
    "MAX_LINKS",
    "Task",
    "TaskBook",
    "TaskError",
]

DEFAULT_TIMEOUT_MS = 3_600_000
MAX_GRAPH_TASKS = 1000
MAX_LINKS = 100
MAX_RETRY_ATTEMPTS = 30
State = Literal["started", "suspended"]


class TaskError(Exception):
    """A task statement Snowflake refuses; ``denial`` carries its error number and text."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(denial.message)
        self.denial = denial


def _not_suspended(root: str) -> TaskError:
    """``091421 (22000)``, as Snowflake answers any change to a graph whose root runs."""
    return TaskError(
        Denial(
            91421,
            "22000",
            f"Unable to update graph with root task {root} since that root task is not suspended.",
        )
    )


def _compile_error(message: str) -> TaskError:
    return TaskError(
        Denial(
            2003 if "does not exist" in message else 1003,
            "02000" if "does not exist" in message else "42601",
            f"SQL compilation error:\n{message}",
        )
    )


@dataclass(frozen=True)
class Task:
    """One task definition as CREATE TASK stored it."""

    name: str
    owner: str
    body: str
    warehouse: str | None = None
    serverless_size: str | None = None
    schedule: str | None = None
    after: tuple[str, ...] = ()
    finalize: str | None = None
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    retry_attempts: int = 0
    suspend_after_failures: int = 10
    allow_overlapping: bool = False
    comment: str = ""
    config: str | None = None
    state: State = "suspended"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_on: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def schema(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[1]


@dataclass
class TaskBook:
    """Every task of the account, by fully qualified name."""

    tasks: dict[str, Task] = field(default_factory=dict)

    # -- graph structure ------------------------------------------------------------------------

    def children(self, name: str) -> list[Task]:
        return sorted((t for t in self.tasks.values() if name in t.after), key=lambda t: t.name)

    def finalizer_of(self, root: str) -> Task | None:
        return next((t for t in self.tasks.values() if t.finalize == root), None)

    def root_of(self, name: str) -> str:
        """The root of the graph ``name`` belongs to (itself for a root or standalone task)."""
        task = self.tasks[name]
        if task.finalize:
            return task.finalize
        seen: set[str] = set()
        while task.after and task.name not in seen:
            seen.add(task.name)
            task = self.tasks.get(task.after[0], task)
        return task.name

    def graph(self, root: str) -> list[Task]:
        """The root, every task below it (breadth first), then its finalizer."""
        order, todo, seen = [], [root], {root}
        while todo:
            current = todo.pop(0)
            order.append(self.tasks[current])
            for child in self.children(current):
                if child.name not in seen:
                    seen.add(child.name)
                    todo.append(child.name)
        if (fin := self.finalizer_of(root)) is not None:
            order.append(fin)
        return order

    def in_graph(self, name: str) -> bool:
        task = self.tasks[name]
        return bool(task.after or task.finalize or self.children(name) or self.finalizer_of(name))

    def _require_root_suspended(self, name: str) -> None:
        root = self.tasks.get(self.root_of(name))
        if root is not None and root.name != name and root.state == "started":
            raise _not_suspended(root.name)

    # -- CREATE / DROP --------------------------------------------------------------------------

    def create(self, task: Task, *, or_replace: bool = False, if_not_exists: bool = False) -> bool:
        """Add (or replace) a task, created suspended; False when IF NOT EXISTS found one.
        Every graph the statement touches (the replaced task's, the one it joins) must have
        its root suspended. Raises TaskError."""
        existing = self.tasks.get(task.name)
        if existing is not None and if_not_exists:
            return False
        if existing is not None and not or_replace:
            raise TaskError(
                Denial(
                    2002, "42710", f"SQL compilation error:\nObject '{task.name}' already exists."
                )
            )
        if existing is not None and self.in_graph(task.name):
            self._require_graph_suspended(task.name)
        fin_root = self.root_of(task.finalize) if task.finalize in self.tasks else None
        if fin_root is not None and self.tasks[fin_root].state == "started":
            raise _compile_error(
                f"Invalid finalized root task {task.finalize} was "
                "specified: suspend the root task first."
            )
        for linked in task.after:
            if linked in self.tasks:
                self._require_graph_suspended(linked)
        self._validate(task)
        self.tasks[task.name] = replace(task, state="suspended")
        return True

    def _require_graph_suspended(self, name: str) -> None:
        root = self.tasks[self.root_of(name)]
        if root.state == "started":
            raise _not_suspended(root.name)

    def _validate(self, task: Task) -> None:
        if task.after and task.schedule:
            raise _compile_error("A task with a predecessor (AFTER) cannot have a SCHEDULE.")
        if task.finalize and (task.after or task.schedule):
            raise _compile_error("A finalizer task cannot have a SCHEDULE or predecessors.")
        if not 0 <= task.retry_attempts <= MAX_RETRY_ATTEMPTS:
            raise _compile_error(
                f"TASK_AUTO_RETRY_ATTEMPTS must be between 0 and {MAX_RETRY_ATTEMPTS}."
            )
        if task.retry_attempts and (task.after or task.finalize):
            raise _compile_error("TASK_AUTO_RETRY_ATTEMPTS can only be set on a root task.")
        if len(task.after) > MAX_LINKS:
            raise _compile_error(f"A task can have at most {MAX_LINKS} predecessors.")
        for linked in (*task.after, *([task.finalize] if task.finalize else [])):
            self._validate_link(task, linked)
        if task.finalize:
            other = self.finalizer_of(task.finalize)
            if other is not None and other.name != task.name:
                raise _compile_error(
                    f"Root task {task.finalize} already has finalizer {other.name}."
                )
        self._validate_size(task)

    def _validate_link(self, task: Task, linked: str) -> None:
        other = self.tasks.get(linked)
        if (other is None or linked == task.name) and linked == task.finalize:
            raise _compile_error(f"Invalid finalized root task {linked} was specified.")
        if other is None or linked == task.name:
            raise _compile_error(f"Task '{linked}' does not exist or not authorized.")
        if other.schema != task.schema:
            raise _compile_error(
                "All tasks of a task graph must be in the same database and "
                f"schema: {linked} is not in {task.schema}."
            )
        if other.owner != task.owner:
            raise _compile_error(
                "All tasks of a task graph must have the same owner: "
                f"{linked} is owned by {other.owner}."
            )
        if other.finalize:
            raise _compile_error(f"Task {linked} is a finalizer; it cannot have child tasks.")
        if task.finalize and (other.after or other.finalize):
            raise _compile_error(f"FINALIZE must name a root task; {linked} is not one.")
        if (
            not task.finalize
            and len(self.children(linked)) >= MAX_LINKS
            and all(c.name != task.name for c in self.children(linked))
        ):
            raise _compile_error(f"Task {linked} already has {MAX_LINKS} child tasks.")
        if task.name in {t.name for t in self.graph(self.root_of(linked))} and self._cycle(
            task, linked
        ):
            raise _compile_error(
                f"Adding {linked} as a predecessor of {task.name} would create a cycle."
            )

    def _cycle(self, task: Task, linked: str) -> bool:
        todo, seen = [linked], set()
        while todo:
            current = todo.pop()
            if current == task.name:
                return True
            seen.add(current)
            todo += [p for p in self.tasks[current].after if p not in seen]
        return False

    def _validate_size(self, task: Task) -> None:
        roots = {self.root_of(linked) for linked in task.after} | (
            {task.finalize} if task.finalize else set()
        )
        for root in roots:
            if len(self.graph(root)) + 1 > MAX_GRAPH_TASKS:
                raise _compile_error(f"A task graph can have at most {MAX_GRAPH_TASKS} tasks.")

    def drop(self, name: str) -> None:
        """Drop a task; its children lose it as a predecessor and are suspended. A task of a
        graph may be dropped only while the graph's root is suspended (sql/drop-task)."""
        if self.in_graph(name):
            self._require_graph_suspended(name)
        del self.tasks[name]
        for child in self.children(name):
            after = tuple(a for a in child.after if a != name)
            self.tasks[child.name] = replace(child, after=after, state="suspended")
        for fin in [t for t in self.tasks.values() if t.finalize == name]:
            self.tasks[fin.name] = replace(fin, finalize=None, state="suspended")

    def drop_within(self, schema_or_database: str) -> None:
        """``DROP SCHEMA``/``DROP DATABASE``: its tasks go with it."""
        prefix = schema_or_database + "."
        for name in [n for n in self.tasks if n.startswith(prefix)]:
            del self.tasks[name]

    # -- RESUME / SUSPEND -----------------------------------------------------------------------

    def resume(self, name: str) -> None:
        """ALTER TASK RESUME: a child or finalizer only while its root is suspended."""
        self._require_root_suspended(name)
        self.tasks[name] = replace(self.tasks[name], state="started")

    def suspend(self, name: str) -> None:
        """ALTER TASK SUSPEND: the root any time; a child or finalizer only while the root is
        suspended (Snowflake refuses the child first, root second order with 091421)."""
        self._require_root_suspended(name)
        self.tasks[name] = replace(self.tasks[name], state="suspended")

    def enable_dependents(self, root: str) -> list[str]:
        """SYSTEM$TASK_DEPENDENTS_ENABLE: resume the root and everything below it."""
        task = self.tasks[root]
        if task.after or task.finalize:
            raise _compile_error(f"Task {root} is not a root task.")
        names = [t.name for t in self.graph(root)]
        for n in names:
            self.tasks[n] = replace(self.tasks[n], state="started")
        return names

    def runnable_root(self, name: str) -> Task:
        """The task EXECUTE TASK may start: a root or standalone task."""
        task = self.tasks[name]
        if task.after or task.finalize:
            raise TaskError(
                Denial(
                    2043,
                    "02000",
                    f"SQL compilation error:\nTask {name} is not "
                    "a root task: only a standalone task or the root task of a "
                    "task graph can be executed.",
                )
            )
        return task

    def in_schema(self, schema: str) -> Iterator[Task]:
        yield from (t for n, t in sorted(self.tasks.items()) if t.schema == schema)
