"""The push planner: (request, describe, source columns) → :class:`PushPlan`. Pure, no I/O.

Validation happens here, before any Salesforce job exists: the source text, the operation
against the object's flags, every column against describe (``lht.push.columns``), and the
diff-mode key. The plan fixes the CSV header, the match column and the ingest job settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lht.errors import ConfigError
from lht.push.columns import PushColumns, SourceColumn, map_columns
from lht.push.options import PushOptions, PushRequest
from lht.push.render import csv_line
from lht.push.source import PushSource, classify_source
from lht.salesforce.describe import SObjectDescribe

__all__ = ["PushPlan", "plan_push"]


@dataclass(frozen=True)
class PushPlan:
    """Everything the executor needs to read, render, send and record one push."""

    sobject: str
    operation: str
    source: PushSource
    columns: PushColumns
    options: PushOptions

    @property
    def header(self) -> tuple[str, ...]:
        return self.columns.header

    @property
    def header_line(self) -> bytes:
        return csv_line(self.columns.header)

    @property
    def source_columns(self) -> tuple[str, ...]:
        return tuple(m.source for m in self.columns.mappings)

    @property
    def match_field(self) -> str | None:
        return self.columns.match_field

    @property
    def external_id_field(self) -> str | None:
        return self.columns.match_field if self.operation == "upsert" else None


def plan_push(
    request: PushRequest, describe: SObjectDescribe, columns: Sequence[SourceColumn]
) -> PushPlan:
    """Validate ``request`` against ``describe`` and the source's ``columns``."""
    source = classify_source(request.source)
    mapped = map_columns(request.operation, request.options, describe, columns)
    if request.options.only_changed and mapped.match_index is None:
        raise ConfigError(
            f"only_changed on {request.operation} of {describe.name} needs a key: set key_column "
            "to a pushed column that identifies source rows"
        )
    return PushPlan(
        sobject=describe.name,
        operation=request.operation,
        source=source,
        columns=mapped,
        options=request.options,
    )
