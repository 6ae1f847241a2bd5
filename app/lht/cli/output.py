"""Result tables: sync/push summaries as key/value tables, lists of dicts as row tables."""

from __future__ import annotations

import json
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


def cell(value: Any) -> str:
    """A table cell: None → empty, floats rounded, lists/dicts as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str) if value else ""
    return str(value)


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
        self.console.print(text, markup=False)

    def error(self, text: str) -> None:
        self.errors.print(f"lht: {text}", markup=False, style="bold red")

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
             columns: Sequence[str] | None = None) -> None:  # fmt: skip
        """A list of records as a table (columns: ``columns`` or the first row's keys)."""
        from rich.table import Table  # noqa: PLC0415

        names = list(columns or (rows[0].keys() if rows else ()))
        table = Table(title=title, title_justify="left")
        for name in names:
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*(cell(row.get(name)) for name in names))
        self.console.print(table)
        if not rows:
            self.message("(no rows)")
