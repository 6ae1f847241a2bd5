"""Progress log records → events → rich bars."""

from __future__ import annotations

import io
import logging

from rich.console import Console
from rich.progress import Progress, TextColumn

from lht.cli.progress import ProgressEvent, RichSink, SyncProgressHandler, parse_record


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


START = record("lht.sync.executor", "%s → %s: %s (%s), estimate %d",
               "Account", "RAW.ACCOUNTS", "bulk_api_full", "first run", 2500)  # fmt: skip
PAGE = record("lht.salesforce.bulk_pages", "%s page %d: %d record(s), %d bytes",
              "bulk query job 750x (Account)", 1, 1000, 4096)  # fmt: skip
DONE = record("lht.sync.extract", "%s: staged %d files, %d records, %d bytes",
              "Account", 3, 2500, 900)  # fmt: skip


class Recorder:
    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []

    def update(self, event: ProgressEvent) -> None:
        self.events.append(event)


def test_parse_record_recognises_the_three_progress_records() -> None:
    assert parse_record(START) == ProgressEvent("start", label="Account → RAW.ACCOUNTS", total=2500)
    assert parse_record(PAGE) == ProgressEvent("page", pages=1, rows=1000, size=4096)
    assert parse_record(DONE) == ProgressEvent("done", pages=3, rows=2500, size=900)


def test_parse_record_other_records_ignored() -> None:
    assert parse_record(record("lht.sync.executor", "sync of %s failed: %s", "A", "x")) is None
    assert (
        parse_record(record("lht.other", "%s page %d: %d record(s), %d bytes", 1, 2, 3, 4)) is None
    )
    assert parse_record(record("lht.salesforce.bulk_pages", "%s page %d: %d record(s), %d bytes",
                               "job", 1, "many", 4)) is None  # fmt: skip


def test_handler_forwards_events_from_logger() -> None:
    sink = Recorder()
    handler = SyncProgressHandler(sink)
    logger = logging.getLogger("lht.salesforce.bulk_pages")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        logger.info("%s page %d: %d record(s), %d bytes", "bulk query job 1 (X)", 2, 10, 99)
        logger.info("unrelated %s", "message")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    assert sink.events == [ProgressEvent("page", pages=1, rows=10, size=99)]


def test_rich_sink_advances_rows_pages_and_bytes() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    with Progress(TextColumn("{task.completed}/{task.total}"), console=console) as bars:
        sink = RichSink(bars)
        for event in (PAGE, START, PAGE, PAGE, DONE):  # a page before start is ignored
            parsed = parse_record(event)
            assert parsed is not None
            sink.update(parsed)
        (task,) = bars.tasks
        assert (task.completed, task.total) == (2500, 2500)
        assert task.fields == {"pages": 3, "read": 8192, "staged": 900,
                               "sizes": "8.2 kB read, 900 bytes staged"}  # fmt: skip
