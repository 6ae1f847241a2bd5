"""Run one task graph the way Snowflake does, through small callables (no SQL here).

``run_graph(graph, execute=..., cancel=..., record=...)`` runs a root, its children and its
finalizer (user-guide/tasks-graphs):

* the root first; each child once **all** its running predecessors succeeded; children that
  do not depend on each other run in parallel, one thread (and session) each;
* a suspended child does not run and counts as absent for its children: a child with several
  predecessors runs when at least one of them is resumed and every resumed one succeeded
  (tasks-graphs#skip-or-suspend-a-child-task); a child below a failed task does not run;
* the finalizer (when resumed) runs last, whatever happened — once, after the last attempt;
* each task gets its own ``USER_TASK_TIMEOUT_MS``; on expiry ``cancel`` must stop the task's
  statement (a CALL running in a child process is terminated) and the run is FAILED;
* ``TASK_AUTO_RETRY_ATTEMPTS`` on the root: after a failed attempt a new attempt (same graph
  run group id, ``ATTEMPT_NUMBER`` + 1) re-runs the failed tasks and what did not run below
  them (sql/execute-task, RETRY LAST; sql/create-task, TASK_AUTO_RETRY_ATTEMPTS);
* every state change is reported to ``record`` as a :class:`TaskRun` (one TASK_HISTORY row
  per task run and attempt: EXECUTING, then SUCCEEDED / FAILED).

``execute(ctx)`` runs the task body (as the owner, in the task's database and schema) and
returns its return value; a :class:`TaskFailure` (or any exception) fails the run.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from lht.local.snowflake.task_model import Task

__all__ = ["GraphOutcome", "RunContext", "TaskFailure", "TaskRun", "run_graph"]

log = logging.getLogger(__name__)

#: How long a cancelled task's thread may take to wind down before the runner moves on.
CANCEL_GRACE_SECONDS = 10.0


class TaskFailure(Exception):
    """A task body failed with Snowflake's error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RunContext:
    """What a running task knows (SYSTEM$TASK_RUNTIME_INFO reads it)."""

    task: Task
    root: Task
    graph_run_group_id: str
    scheduled_at: datetime
    attempt: int
    query_id: str
    cancelled: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class TaskRun:
    """One row of INFORMATION_SCHEMA.TASK_HISTORY."""

    query_id: str
    task: Task
    root: Task
    state: str
    scheduled_at: datetime
    graph_run_group_id: str
    attempt: int
    scheduled_from: str
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    return_value: str | None = None

    @property
    def run_id(self) -> int:
        """Snowflake's RUN_ID: the graph's original scheduled time in epoch milliseconds."""
        return int(self.scheduled_at.timestamp() * 1000)


@dataclass(frozen=True)
class GraphOutcome:
    graph_run_group_id: str
    runs: tuple[TaskRun, ...]

    def final(self, task_name: str) -> TaskRun | None:
        """The last run of a task (its last attempt), if it ran."""
        matches = [r for r in self.runs if r.task.name == task_name]
        return matches[-1] if matches else None

    @property
    def state(self) -> str:
        """SUCCEEDED when every non-finalizer task's last run succeeded, else FAILED."""
        last: dict[str, TaskRun] = {}
        for r in self.runs:
            if not r.task.finalize:
                last[r.task.name] = r
        return "SUCCEEDED" if all(r.state == "SUCCEEDED" for r in last.values()) else "FAILED"


Execute = Callable[[RunContext], "str | None"]
Cancel = Callable[[RunContext], None]
Record = Callable[[TaskRun], None]


@dataclass
class _Attempt:
    """One pass over the graph: which tasks succeeded, failed or never ran."""

    number: int
    succeeded: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


def _now() -> datetime:
    return datetime.now(UTC)


def run_graph(
    graph: list[Task],
    *,
    execute: Execute,
    cancel: Cancel,
    record: Record,
    scheduled_from: str = "EXECUTE TASK",
    scheduled_at: datetime | None = None,
    max_parallel: int = 8,
    graph_run_group_id: str | None = None,
) -> GraphOutcome:
    """Run ``graph`` (root first, finalizer last, as :meth:`TaskBook.graph` lists it)."""
    root = graph[0]
    finalizer = next((t for t in graph if t.finalize), None)
    body = [t for t in graph if not t.finalize]
    runner = _Runner(root, execute, cancel, record)
    runner.scheduled_from, runner.scheduled_at = scheduled_from, scheduled_at or _now()
    runner.group_id, runner.max_parallel = graph_run_group_id or str(uuid.uuid4()), max_parallel
    succeeded: set[str] = set()
    todo = _runnable(body, root)
    number = 1
    for number in range(1, root.retry_attempts + 2):
        attempt = runner.attempt(number, todo, succeeded)
        succeeded |= attempt.succeeded
        if not attempt.failed:
            break
        todo = [t for t in todo if t.name not in succeeded]
    if finalizer is not None and finalizer.state == "started":
        runner.attempt(number, [finalizer], succeeded, finalizer=True)
    return GraphOutcome(runner.group_id, tuple(runner.runs))


def _runnable(body: list[Task], root: Task) -> list[Task]:
    """The root and every resumed task below it (suspended children count as absent)."""
    return [t for t in body if t.name == root.name or t.state == "started"]


class _Runner:
    def __init__(self, root: Task, execute: Execute, cancel: Cancel, record: Record) -> None:
        self.root, self.execute, self.cancel, self.record = root, execute, cancel, record
        self.scheduled_from, self.scheduled_at = "EXECUTE TASK", _now()
        self.group_id, self.max_parallel = str(uuid.uuid4()), 8
        self.runs: list[TaskRun] = []
        self._lock = threading.Lock()

    def attempt(
        self, number: int, tasks: list[Task], done: set[str], *, finalizer: bool = False
    ) -> _Attempt:
        """Run ``tasks`` in dependency order; ``done`` already succeeded in earlier attempts."""
        result = _Attempt(number)
        names = {t.name for t in tasks}
        pending = {t.name: t for t in tasks}
        running: dict[Future[TaskRun], Task] = {}
        with ThreadPoolExecutor(self.max_parallel, thread_name_prefix="lht-task") as pool:
            while pending or running:
                for task in [
                    t
                    for t in pending.values()
                    if finalizer or self._ready(t, names, done | result.succeeded)
                ]:
                    del pending[task.name]
                    running[pool.submit(self._run_one, task, number)] = task
                if not running:
                    break  # the rest sits below a failed (or never-run) task
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    run = future.result()
                    del running[future]
                    target = result.succeeded if run.state == "SUCCEEDED" else result.failed
                    target.add(run.task.name)
                pending = {
                    n: t for n, t in pending.items() if not self._blocked(t, names, result.failed)
                }
        return result

    @staticmethod
    def _ready(task: Task, names: set[str], succeeded: set[str]) -> bool:
        preds = [p for p in task.after if p in names or p in succeeded]
        return all(p in succeeded for p in preds) and (not task.after or bool(preds))

    @staticmethod
    def _blocked(task: Task, names: set[str], failed: set[str]) -> bool:
        return any(p in failed for p in task.after if p in names)

    def _run_one(self, task: Task, attempt: int) -> TaskRun:
        ctx = RunContext(
            task, self.root, self.group_id, self.scheduled_at, attempt, str(uuid.uuid4())
        )
        run = TaskRun(
            ctx.query_id,
            task,
            self.root,
            "EXECUTING",
            self.scheduled_at,
            self.group_id,
            attempt,
            self.scheduled_from,
            started_at=_now(),
        )
        self._emit(run)
        try:
            value = self._with_timeout(ctx)
            run = replace(run, state="SUCCEEDED", return_value=value)
        except TaskFailure as exc:
            run = replace(run, state="FAILED", error_code=exc.code, error_message=exc.message)
        except Exception as exc:  # a task body may fail any way; the run records it
            run = replace(run, state="FAILED", error_code="100132", error_message=str(exc))
        run = replace(run, completed_at=_now())
        self._emit(run)
        log.info("task %s attempt %d: %s", task.name, attempt, run.state)
        return run

    def _with_timeout(self, ctx: RunContext) -> str | None:
        box: dict[str, object] = {}

        def body() -> None:
            try:
                box["value"] = self.execute(ctx)
            except BaseException as exc:  # handed to the waiting thread below
                box["error"] = exc

        worker = threading.Thread(target=body, name=f"lht-task-{ctx.task.short}", daemon=True)
        worker.start()
        worker.join(ctx.task.timeout_ms / 1000)
        if worker.is_alive():
            ctx.cancelled.set()
            self.cancel(ctx)
            worker.join(CANCEL_GRACE_SECONDS)
            raise TaskFailure(
                "000630",
                f"Task {ctx.task.name} reached its USER_TASK_TIMEOUT_MS "
                f"of {ctx.task.timeout_ms} ms and was canceled.",
            )
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        value = box.get("value")
        return None if value is None else str(value)

    def _emit(self, run: TaskRun) -> None:
        with self._lock:
            if run.state != "EXECUTING":
                self.runs.append(run)
        self.record(run)


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed (tests and rehearsal)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
