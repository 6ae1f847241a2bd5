"""Result tables: sync/push summaries as key/value tables, lists of dicts as row tables."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO

__all__ = ["Output", "cell"]

#: The sync result keys shown first (the rest follow in the result's own order).
SYNC_KEYS = ("sobject", "target_table", "sync_method", "sync_mode", "estimated_records",
             "actual_records", "rows_inserted", "rows_updated", "rows_deleted", "bytes_staged",
             "files_staged", "api_calls", "sync_duration_seconds", "last_modified_date",
             "sync_timestamp", "run_id", "success", "error", "warnings")  # fmt: skip


_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)\.\d+$")
#: Row tables show at most this much of a long text cell (errors); the full text follows.
SHORT = 48


def cell(value: Any) -> str:
    """A table cell: None → empty, floats rounded, timestamps to the second, lists/dicts as
    compact JSON."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str) if value else ""
    text = str(value)
    match = _FRACTION.match(text)
    return match.group(1) if match else text


def short(text: str) -> str:
    """The first line of ``text``, cut to :data:`SHORT` characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= SHORT else line[: SHORT - 1] + "…"


class Output:
    """Tables on stdout and messages/progress on stderr (both rich consoles)."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        *,
        terminal: bool | None = None,
    ) -> None:
        """``terminal`` forces (True) or suppresses (False) terminal behaviour on stderr, where
        progress bars draw only when it is a terminal (default: detected)."""
        from rich.console import Console  # noqa: PLC0415 - the CLI's UI dependency

        self.console = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=False)
        self.errors = Console(file=stderr or sys.stderr, highlight=False, force_terminal=terminal)

    def message(self, text: str) -> None:
        """A line as is: never wrapped (commands to copy, full error texts)."""
        self.console.print(text, markup=False, soft_wrap=True)

    def error(self, text: str) -> None:
        self.errors.print(f"lht: {text}", markup=False, style="bold red", soft_wrap=True)

    def result(self, title: str, result: Mapping[str, Any], first: Sequence[str] = ()) -> None:
        """One run's summary as a two-column table (field, value)."""
        from rich.table import Table  # noqa: PLC0415

        table = Table(title=title, show_header=True, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        keys = [k for k in first if k in result] + [k for k in result if k not in first]
        for key in keys:
            table.add_row(key, cell(result[key]))
        self.console.print(table)

    def rows(self, title: str, rows: Sequence[Mapping[str, Any]],
             columns: Sequence[str] | None = None, *, key: str | None = None) -> None:  # fmt: skip
        """A list of records as a table (columns: ``columns`` or the first row's keys). Error
        columns show their first line, shortened; the full texts follow the table, each
        labelled with the row's ``key`` column."""
        from rich.table import Table  # noqa: PLC0415

        names = list(columns or (rows[0].keys() if rows else ()))
        table = Table(title=title, title_justify="left")
        for name in names:
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*(self._cell(name, row.get(name)) for name in names))
        self.console.print(table)
        if not rows:
            self.message("(no rows)")
        self._full_errors(rows, names, key or names[0] if names else None)

    @staticmethod
    def _cell(name: str, value: Any) -> str:
        return short(cell(value)) if _is_error(name) else cell(value)

    def _full_errors(self, rows: Sequence[Mapping[str, Any]], names: list[str],
                     key: str | None) -> None:  # fmt: skip
        for name in (n for n in names if _is_error(n)):
            for row in rows:
                text = cell(row.get(name))
                if text and short(text) != text:
                    self.message(f"{row.get(key) if key else ''}: {text}")


def _is_error(column: str) -> bool:
    return column.lower() in ("error", "last_error")
