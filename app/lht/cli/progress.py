"""Progress bars for long syncs, fed by the sync's own progress log records.

The sync reports progress through logging (STYLE.md: "long work reports progress through logging
and the run-log row"); nothing in the library knows about terminals. :class:`SyncProgressHandler`
is a ``logging.Handler`` that recognises three records and turns them into bar updates:

* ``lht.sync.executor`` ``"<sobject> → <target>: <method> (<reason>), estimate <n>"`` — a new
  task whose total is the estimated row count;
* ``lht.salesforce.bulk_pages`` ``"<job> page <n>: <records> record(s), <bytes> bytes"`` — one
  Bulk result page downloaded (pages, rows, bytes as served advance);
* ``lht.sync.extract`` ``"<sobject>: staged <files> files, <records> records, <bytes> bytes"`` —
  extraction finished (REST syncs log no per-page records, so their bar jumps here).

The handler only reads ``record.args``; records it does not recognise are ignored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ProgressEvent", "ProgressSink", "SyncProgressHandler", "parse_record", "progress_bars"]

#: Loggers whose INFO records carry progress.
PROGRESS_LOGGERS = ("lht.sync.executor", "lht.salesforce.bulk_pages", "lht.sync.extract")


@dataclass(frozen=True)
class ProgressEvent:
    """``kind`` is ``start`` (label, total), ``page`` (rows, size = CSV bytes downloaded) or
    ``done`` (pages = files staged, rows, size = gzip bytes staged: the extraction's totals)."""

    kind: str
    label: str = ""
    total: int = 0
    pages: int = 0
    rows: int = 0
    size: int = 0


class ProgressSink(Protocol):
    def update(self, event: ProgressEvent) -> None: ...


def parse_record(record: logging.LogRecord) -> ProgressEvent | None:
    """The progress event carried by ``record``, or None."""
    args: tuple[Any, ...] = record.args if isinstance(record.args, tuple) else ()
    text = str(record.msg)
    try:
        if record.name == "lht.sync.executor" and "estimate" in text and len(args) == 5:
            return ProgressEvent("start", label=f"{args[0]} → {args[1]}", total=int(args[4]))
        if record.name == "lht.salesforce.bulk_pages" and " page " in text and len(args) == 4:
            return ProgressEvent("page", pages=1, rows=int(args[2]), size=int(args[3]))
        if record.name == "lht.sync.extract" and "staged" in text and len(args) == 4:
            return ProgressEvent("done", pages=int(args[1]), rows=int(args[2]), size=int(args[3]))
    except (TypeError, ValueError):
        return None
    return None


class SyncProgressHandler(logging.Handler):
    """Forwards the progress events found in log records to ``sink``."""

    def __init__(self, sink: ProgressSink) -> None:
        super().__init__(level=logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        event = parse_record(record)
        if event is not None:
            self.sink.update(event)


class RichSink:
    """Draws one rich progress bar per sync: rows of the estimate, pages and bytes so far."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self._task: Any = None
        self._lock = threading.Lock()  # Bulk pages may be logged from the download thread

    def update(self, event: ProgressEvent) -> None:
        with self._lock:
            if event.kind == "start":
                self._task = self.progress.add_task(
                    event.label, total=max(event.total, 1), pages=0, read=0, staged=0, sizes=""
                )
            elif self._task is not None:
                self._advance(event)

    def _advance(self, event: ProgressEvent) -> None:
        task = self.progress.tasks[self._task_index()]
        fields = task.fields
        if event.kind == "page":  # a Bulk page downloaded: CSV bytes read from Salesforce
            read = fields["read"] + event.size
            self.progress.update(self._task, advance=event.rows, pages=fields["pages"] + 1,
                                 read=read, sizes=_sizes(read, 0))  # fmt: skip
        else:  # done: exact totals, gzip bytes staged (REST syncs arrive here in one step)
            total = max(task.total or 0, event.rows, 1)
            pages, sizes = max(fields["pages"], event.pages), _sizes(fields["read"], event.size)
            self.progress.update(self._task, total=total, completed=event.rows, pages=pages,
                                 staged=event.size, sizes=sizes)  # fmt: skip

    def _task_index(self) -> int:
        return [t.id for t in self.progress.tasks].index(self._task)


def _sizes(read: int, staged: int) -> str:
    from rich.filesize import decimal  # noqa: PLC0415

    parts = ([f"{decimal(read)} read"] if read else []) + (
        [f"{decimal(staged)} staged"] if staged else []
    )
    return ", ".join(parts)


@contextmanager
def progress_bars(console: Any, enabled: bool = True) -> Iterator[None]:
    """While active, sync progress records draw bars on ``console`` (rich, usually stderr)."""
    if not enabled:
        yield
        return
    from rich.progress import (  # noqa: PLC0415 - the CLI's optional UI dependency
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("rows, {task.fields[pages]} pages {task.fields[sizes]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        handler = SyncProgressHandler(RichSink(bars))
        loggers = [logging.getLogger(name) for name in PROGRESS_LOGGERS]
        saved = [lg.level for lg in loggers]
        for lg in loggers:
            lg.addHandler(handler)
            if lg.getEffectiveLevel() > logging.INFO:
                lg.setLevel(logging.INFO)
        try:
            yield
        finally:
            for lg, level in zip(loggers, saved, strict=True):
                lg.removeHandler(handler)
                lg.setLevel(level)
