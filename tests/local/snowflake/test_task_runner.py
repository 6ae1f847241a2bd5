"""The graph runner with plain callables: order, parallel children, finalizer, timeouts,
retries, suspended children, history records."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from lht.local.snowflake.task_model import Task, TaskBook
from lht.local.snowflake.task_runner import RunContext, TaskFailure, TaskRun, run_graph

S = "LHT.LHT."


def _book(children: int = 2, **root_kw: object) -> TaskBook:
    book = TaskBook()
    book.create(Task(S + "ROOT", "LHT_ADMIN", "SELECT 1", schedule="5 MINUTES", **root_kw))  # type: ignore[arg-type]
    for i in range(children):
        book.create(Task(S + f"C{i}", "LHT_ADMIN", f"CALL C{i}()", after=(S + "ROOT",)))
    book.create(Task(S + "FIN", "LHT_ADMIN", "CALL FIN()", finalize=S + "ROOT"))
    book.enable_dependents(S + "ROOT")
    return book


class Recorder:
    def __init__(self) -> None:
        self.rows: list[TaskRun] = []
        self.order: list[str] = []
        self.lock = threading.Lock()

    def record(self, run: TaskRun) -> None:
        with self.lock:
            self.rows.append(run)

    def ran(self, ctx: RunContext) -> None:
        with self.lock:
            self.order.append(ctx.task.short)


def _run(book: TaskBook, execute: object, rec: Recorder, cancel: object = None) -> object:
    return run_graph(
        book.graph(S + "ROOT"),
        execute=execute,  # type: ignore[arg-type]
        cancel=cancel or (lambda ctx: None),
        record=rec.record,
    )  # type: ignore[arg-type]


def test_root_then_children_then_finalizer_each_recorded() -> None:
    rec = Recorder()

    def execute(ctx: RunContext) -> str:
        rec.ran(ctx)
        return f"done {ctx.task.short}"

    outcome = _run(_book(), execute, rec)
    assert rec.order[0] == "ROOT" and rec.order[-1] == "FIN"
    assert sorted(rec.order[1:3]) == ["C0", "C1"]
    assert outcome.state == "SUCCEEDED"  # type: ignore[attr-defined]
    states = [(r.task.short, r.state) for r in rec.rows]
    assert states.count(("ROOT", "EXECUTING")) == 1 and ("ROOT", "SUCCEEDED") in states
    final = outcome.final(S + "C0")  # type: ignore[attr-defined]
    assert final.return_value == "done C0" and final.attempt == 1
    assert len({r.graph_run_group_id for r in rec.rows}) == 1


def test_independent_children_run_in_parallel() -> None:
    rec = Recorder()
    barrier = threading.Barrier(3, timeout=5)

    def execute(ctx: RunContext) -> None:
        if ctx.task.short.startswith("C"):
            barrier.wait()  # all three children must be running at once
        rec.ran(ctx)

    outcome = _run(_book(children=3), execute, rec)
    assert outcome.state == "SUCCEEDED"  # type: ignore[attr-defined]


def test_failed_root_skips_children_but_finalizer_runs() -> None:
    rec = Recorder()

    def execute(ctx: RunContext) -> None:
        rec.ran(ctx)
        if ctx.task.short == "ROOT":
            raise TaskFailure("100357", "boom")

    outcome = _run(_book(), execute, rec)
    assert rec.order == ["ROOT", "FIN"]
    root = outcome.final(S + "ROOT")  # type: ignore[attr-defined]
    assert (root.state, root.error_code, root.error_message) == ("FAILED", "100357", "boom")
    assert outcome.state == "FAILED"  # type: ignore[attr-defined]


def test_child_waits_for_all_predecessors_and_is_blocked_by_a_failed_one() -> None:
    book = _book()
    book.suspend(S + "ROOT")
    book.create(Task(S + "JOIN", "LHT_ADMIN", "SELECT 2", after=(S + "C0", S + "C1")))
    book.enable_dependents(S + "ROOT")
    rec = Recorder()

    def execute(ctx: RunContext) -> None:
        if ctx.task.short == "C1":
            time.sleep(0.2)
        rec.ran(ctx)

    _run(book, execute, rec)
    assert rec.order.index("JOIN") > rec.order.index("C1")
    rec2 = Recorder()

    def failing(ctx: RunContext) -> None:
        rec2.ran(ctx)
        if ctx.task.short == "C0":
            raise RuntimeError("child failed")

    outcome = _run(book, failing, rec2)
    assert "JOIN" not in rec2.order and rec2.order[-1] == "FIN"
    assert outcome.final(S + "C0").error_message == "child failed"  # type: ignore[attr-defined]


def test_suspended_child_does_not_run_and_is_absent_for_its_children() -> None:
    book = _book()
    book.suspend(S + "ROOT")
    book.create(Task(S + "JOIN", "LHT_ADMIN", "SELECT 2", after=(S + "C0", S + "C1")))
    book.enable_dependents(S + "ROOT")
    book.suspend(S + "ROOT")
    book.suspend(S + "C1")
    rec = Recorder()
    _run(book, rec.ran, rec)  # EXECUTE TASK runs a suspended root too
    assert "C1" not in rec.order and "JOIN" in rec.order


def test_suspended_finalizer_does_not_run() -> None:
    book = _book()
    book.suspend(S + "ROOT")
    book.suspend(S + "FIN")
    rec = Recorder()
    _run(book, rec.ran, rec)
    assert "FIN" not in rec.order and rec.order[0] == "ROOT"


def test_timeout_cancels_the_task_and_the_graph_goes_on() -> None:
    book = _book()
    book.suspend(S + "ROOT")
    book.tasks[S + "C0"] = replace(book.tasks[S + "C0"], timeout_ms=200)
    rec = Recorder()
    cancelled: list[str] = []
    stop = threading.Event()

    def execute(ctx: RunContext) -> None:
        rec.ran(ctx)
        if ctx.task.short == "C0":
            stop.wait(30)  # runs until cancelled

    def cancel(ctx: RunContext) -> None:
        cancelled.append(ctx.task.short)
        stop.set()

    began = time.monotonic()
    outcome = _run(book, execute, rec, cancel)
    assert time.monotonic() - began < 5
    assert cancelled == ["C0"]
    c0 = outcome.final(S + "C0")  # type: ignore[attr-defined]
    assert c0.state == "FAILED" and "USER_TASK_TIMEOUT_MS of 200 ms" in c0.error_message
    assert outcome.final(S + "FIN").state == "SUCCEEDED"  # type: ignore[attr-defined]


def test_auto_retry_reruns_failed_tasks_in_new_attempts_then_finalizer_once() -> None:
    book = _book(retry_attempts=2)
    rec = Recorder()
    failures = {"C0": 2}

    def execute(ctx: RunContext) -> None:
        rec.ran(ctx)
        left = failures.get(ctx.task.short, 0)
        if left:
            failures[ctx.task.short] = left - 1
            raise TaskFailure("100357", f"attempt {ctx.attempt} failed")

    outcome = _run(book, execute, rec)
    assert rec.order.count("C0") == 3 and rec.order.count("C1") == 1
    assert rec.order.count("ROOT") == 1 and rec.order.count("FIN") == 1
    c0 = [r for r in outcome.runs if r.task.short == "C0"]  # type: ignore[attr-defined]
    assert [r.attempt for r in c0] == [1, 2, 3]
    assert [r.state for r in c0] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert outcome.state == "SUCCEEDED"  # type: ignore[attr-defined]


def test_no_retry_without_attempts_configured() -> None:
    rec = Recorder()

    def execute(ctx: RunContext) -> None:
        rec.ran(ctx)
        if ctx.task.short == "C0":
            raise TaskFailure("1", "x")

    _run(_book(), execute, rec)
    assert rec.order.count("C0") == 1
