"""Counting push outcomes and the run's verdict (``success``) → :class:`PushSummary`.

``success`` is true only when no row failed or went unprocessed, unless the documented
``max_failed_rows`` tolerance allows some; a run that raised is never successful.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lht.push.results import FAILED, SUCCEEDED, UNPROCESSED, ResultRow

__all__ = ["PushSummary", "Tally"]


@dataclass
class Tally:
    """Mutable counters the executor fills while a push runs."""

    rows_read: int = 0
    rows_unchanged: int = 0
    rows_sent: int = 0
    succeeded: int = 0
    created: int = 0
    failed: int = 0
    unprocessed: int = 0
    retried: int = 0
    method: str = "none"
    job_ids: list[str] = field(default_factory=list)

    def add(self, row: ResultRow) -> None:
        if row.outcome == SUCCEEDED:
            self.succeeded += 1
            self.created += 1 if row.created else 0
        elif row.outcome == FAILED:
            self.failed += 1
        elif row.outcome == UNPROCESSED:
            self.unprocessed += 1

    def summary(
        self,
        *,
        run_id: str,
        sobject: str,
        operation: str,
        method: str,
        max_failed_rows: int,
        error: str | None = None,
    ) -> PushSummary:
        bad = self.failed + self.unprocessed
        success = error is None and bad <= max_failed_rows
        if error is not None:
            status = "FAILED"
        elif bad:
            status = "PARTIAL" if success or self.succeeded else "FAILED"
        else:
            status = "SUCCEEDED"
        return PushSummary(
            run_id=run_id,
            sobject=sobject,
            operation=operation,
            method=method,
            status=status,
            success=success,
            rows_read=self.rows_read,
            rows_unchanged=self.rows_unchanged,
            rows_sent=self.rows_sent,
            succeeded=self.succeeded,
            created=self.created,
            updated=self.succeeded - self.created,
            failed=self.failed,
            unprocessed=self.unprocessed,
            retried=self.retried,
            jobs=tuple(self.job_ids),
            error=error,
        )


@dataclass(frozen=True)
class PushSummary:
    """The return value of a push (also one LHT.PUSH_RUNS row)."""

    run_id: str
    sobject: str
    operation: str
    method: str
    status: str
    success: bool
    rows_read: int
    rows_unchanged: int
    rows_sent: int
    succeeded: int
    created: int
    updated: int
    failed: int
    unprocessed: int
    retried: int
    jobs: tuple[str, ...]
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["jobs"] = list(self.jobs)
        return out
