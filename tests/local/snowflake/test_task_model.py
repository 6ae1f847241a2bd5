"""Task definitions and Snowflake's graph rules (pure TaskBook)."""

from __future__ import annotations

import pytest

from lht.local.snowflake.task_model import Task, TaskBook, TaskError

S = "LHT.LHT."


def _task(name: str, **kw: object) -> Task:
    return Task(name=S + name, owner=str(kw.pop("owner", "LHT_ADMIN")), body="SELECT 1", **kw)  # type: ignore[arg-type]


def _lht_graph() -> TaskBook:
    """What SCHEDULE_SYNC creates: a root, two children AFTER it, a finalizer."""
    book = TaskBook()
    book.create(_task("ROOT", schedule="USING CRON 0 2 * * * UTC"))
    book.create(_task("A", after=(S + "ROOT",)))
    book.create(_task("B", after=(S + "ROOT",)))
    book.create(_task("FIN", finalize=S + "ROOT"))
    return book


def _refusal(fn: object, *args: object) -> str:
    with pytest.raises(TaskError) as err:
        fn(*args)  # type: ignore[operator]
    return str(err.value)


def test_tasks_are_created_suspended_and_graph_is_root_children_finalizer() -> None:
    book = _lht_graph()
    assert {t.state for t in book.tasks.values()} == {"suspended"}
    assert [t.short for t in book.graph(S + "ROOT")] == ["ROOT", "A", "B", "FIN"]
    assert book.root_of(S + "A") == S + "ROOT"
    assert book.root_of(S + "FIN") == S + "ROOT"


def test_enable_dependents_resumes_root_children_and_finalizer() -> None:
    book = _lht_graph()
    assert book.enable_dependents(S + "ROOT") == [S + n for n in ("ROOT", "A", "B", "FIN")]
    assert {t.state for t in book.tasks.values()} == {"started"}
    assert "not a root task" in _refusal(book.enable_dependents, S + "A")


def test_children_cannot_change_while_root_is_started() -> None:
    book = _lht_graph()
    book.resume(S + "ROOT")
    for call, arg in ((book.resume, S + "A"), (book.suspend, S + "A"), (book.drop, S + "B")):
        message = _refusal(call, arg)
        assert message == (
            f"Unable to update graph with root task {S}ROOT since that root task is not suspended."
        )
    assert "not suspended" in _refusal(
        lambda: book.create(_task("A", after=(S + "ROOT",)), or_replace=True)
    )
    assert "not suspended" in _refusal(lambda: book.create(_task("C", after=(S + "ROOT",))))
    assert "not suspended" in _refusal(
        lambda: book.create(_task("FIN", finalize=S + "ROOT"), or_replace=True)
    )
    book.create(_task("ROOT2", schedule="5 MINUTES"))
    book.resume(S + "ROOT2")
    assert "Invalid finalized root task" in _refusal(
        lambda: book.create(_task("FIN2", finalize=S + "ROOT2"))
    )
    book.suspend(S + "ROOT")  # the root first, then the children
    book.suspend(S + "A")
    book.drop(S + "B")
    assert S + "B" not in book.tasks


def test_replacing_a_started_graph_task_needs_its_root_suspended() -> None:
    book = _lht_graph()
    book.enable_dependents(S + "ROOT")
    assert "not suspended" in _refusal(
        lambda: book.create(_task("ROOT", schedule="5 MINUTES"), or_replace=True)
    )
    book.suspend(S + "ROOT")
    assert book.create(_task("ROOT", schedule="5 MINUTES"), or_replace=True)
    assert book.tasks[S + "ROOT"].state == "suspended"
    assert [t.short for t in book.graph(S + "ROOT")] == ["ROOT", "A", "B", "FIN"]


def test_standalone_task_can_be_dropped_while_started() -> None:
    book = TaskBook()
    book.create(_task("ALONE", schedule="5 MINUTES"))
    book.resume(S + "ALONE")
    book.drop(S + "ALONE")
    assert book.tasks == {}


def test_create_rules() -> None:
    book = _lht_graph()
    assert "already exists" in _refusal(lambda: book.create(_task("A")))
    assert book.create(_task("A"), if_not_exists=True) is False
    assert "cannot have a SCHEDULE" in _refusal(
        lambda: book.create(_task("C", after=(S + "ROOT",), schedule="5 MINUTES"))
    )
    assert "does not exist" in _refusal(lambda: book.create(_task("C", after=(S + "NOPE",))))
    assert "Invalid finalized root task" in _refusal(
        lambda: book.create(_task("F2", finalize=S + "NOPE"))
    )
    assert "already has finalizer" in _refusal(
        lambda: book.create(_task("F2", finalize=S + "ROOT"))
    )
    assert "FINALIZE must name a root task" in _refusal(
        lambda: book.create(_task("F2", finalize=S + "A"))
    )
    assert "finalizer; it cannot have child tasks" in _refusal(
        lambda: book.create(_task("C", after=(S + "FIN",)))
    )
    assert "same owner" in _refusal(
        lambda: book.create(_task("C", after=(S + "ROOT",), owner="OTHER"))
    )
    other_schema = Task(name="LHT.RAW.C", owner="LHT_ADMIN", body="SELECT 1", after=(S + "ROOT",))
    assert "same database and schema" in _refusal(lambda: book.create(other_schema))
    assert "only be set on a root task" in _refusal(
        lambda: book.create(_task("C", after=(S + "ROOT",), retry_attempts=2))
    )
    assert "between 0 and 30" in _refusal(lambda: book.create(_task("C", retry_attempts=31)))


def test_cycle_is_refused() -> None:
    book = _lht_graph()
    book.create(_task("C", after=(S + "A",)))
    assert "cycle" in _refusal(lambda: book.create(_task("A", after=(S + "C",)), or_replace=True))


def test_at_most_100_children() -> None:
    book = TaskBook()
    book.create(_task("ROOT"))
    for i in range(100):
        book.create(_task(f"C{i}", after=(S + "ROOT",)))
    assert "100 child tasks" in _refusal(lambda: book.create(_task("C100", after=(S + "ROOT",))))


def test_dropping_a_predecessor_makes_children_suspended_roots() -> None:
    book = _lht_graph()
    book.create(_task("C", after=(S + "A", S + "B")))
    book.drop(S + "A")
    assert book.tasks[S + "C"].after == (S + "B",)
    book.drop(S + "ROOT")
    assert book.tasks[S + "B"].after == ()
    assert book.tasks[S + "FIN"].finalize is None
    assert book.root_of(S + "C") == S + "B"


def test_execute_only_a_root_or_standalone_task() -> None:
    book = _lht_graph()
    assert book.runnable_root(S + "ROOT").short == "ROOT"
    assert "not a root task" in _refusal(book.runnable_root, S + "A")
    assert "not a root task" in _refusal(book.runnable_root, S + "FIN")
