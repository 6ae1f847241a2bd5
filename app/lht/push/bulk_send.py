"""The Bulk API 2.0 path of a push: upload chunks as ingest jobs, collect every result row.

All chunks are uploaded and closed first (Salesforce processes them while the next one is
rendered), then each job is awaited and its three result files read. Rows that failed with
``UNABLE_TO_LOCK_ROW`` are rebuilt from their echoed columns and sent once more in
follow-up job(s); their second outcome is the one recorded. If sending stops half-way (an
API error), the jobs already closed are still awaited and recorded before the error is
raised again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lht.errors import LhtError, SalesforceError, SalesforceJobFailed
from lht.push.jobs import split_csv
from lht.push.plan import PushPlan
from lht.push.ports import PushSalesforce, RunWriter
from lht.push.results import (
    failed_rows,
    is_lock_error,
    retry_line,
    successful_rows,
    unprocessed_rows,
)
from lht.push.summary import Tally

__all__ = ["BulkSender"]

log = logging.getLogger(__name__)


@dataclass
class _Sent:
    job: Any
    records: int


class BulkSender:
    """Sends one plan's CSV lines through ingest jobs and records the outcomes."""

    def __init__(
        self, plan: PushPlan, sf: PushSalesforce, writer: RunWriter, tally: Tally,
        poll: Any = None,
    ) -> None:  # fmt: skip
        self.plan = plan
        self.sf = sf
        self.writer = writer
        self.tally = tally
        self.poll = poll if poll is not None else getattr(sf, "poll", None)

    def send(self, lines: Iterable[bytes]) -> None:
        retry = self._round(lines, retry_locks=True)
        if retry:
            self.tally.retried = len(retry)
            log.info("%s: retrying %d row(s) that hit UNABLE_TO_LOCK_ROW", self.plan.sobject,
                     len(retry))  # fmt: skip
            self._round(retry, retry_locks=False)

    def _round(self, lines: Iterable[bytes], retry_locks: bool) -> list[bytes]:
        sent: list[_Sent] = []
        pending: LhtError | None = None
        try:
            self._upload_all(lines, sent)
        except LhtError as exc:
            pending = exc
        retry: list[bytes] = []
        for item in sent:
            retry.extend(self._collect(item, retry_locks))
        if pending is not None:
            raise pending
        return retry

    def _upload_all(self, lines: Iterable[bytes], sent: list[_Sent]) -> None:
        opts = self.plan.options
        for chunk in split_csv(self.plan.header_line, lines, opts.max_job_bytes,
                               opts.max_job_records):  # fmt: skip
            job = self.sf.ingest_job(
                self.plan.sobject, self.plan.operation, self.plan.external_id_field
            )
            self.tally.job_ids.append(job.id)
            try:
                job.upload(chunk.data)
                job.close()
            except LhtError:
                _abort_quietly(job)
                raise
            self.tally.rows_sent += chunk.records
            sent.append(_Sent(job, chunk.records))
            log.info("%s: job %s closed with %d row(s)", self.plan.sobject, job.id, chunk.records)

    def _collect(self, item: _Sent, retry_locks: bool) -> list[bytes]:
        job, match = item.job, self.plan.match_field
        reason = self._wait(job)
        accounted = 0
        for row in successful_rows(job.successful_results(), match, job.id):
            self._record(row)
            accounted += 1
        retry: list[bytes] = []
        for raw in job.failed_results():
            accounted += 1
            if retry_locks and is_lock_error(raw.get("sf__Error")):
                retry.append(retry_line(raw, self.plan.header))
                continue
            self._record(next(failed_rows([raw], match, job.id)))
        for row in unprocessed_rows(job.unprocessed_records(), match, job.id, reason):
            self._record(row)
            accounted += 1
        self._reconcile(job.id, item.records, accounted)
        return retry

    def _wait(self, job: Any) -> str:
        """Wait for the job; the reason text used for any unprocessed rows."""
        kwargs = {"timeout": self.plan.options.poll_timeout_seconds}
        if self.poll is not None:
            kwargs["poll"] = self.poll
        try:
            result = job.wait(**kwargs)
        except SalesforceJobFailed as exc:
            return str(exc)
        message = getattr(result, "error_message", None) or "not processed"
        return f"job {job.id} ended {getattr(result, 'state', '?')}: {message}"

    def _record(self, row: Any) -> None:
        self.tally.add(row)
        self.writer.add_results([row])

    def _reconcile(self, job_id: str, expected: int, accounted: int) -> None:
        if accounted < expected:
            missing = expected - accounted
            log.warning("job %s: %d row(s) absent from every result file", job_id, missing)
            self.tally.unprocessed += missing


def _abort_quietly(job: Any) -> None:
    try:
        job.abort()
    except SalesforceError as exc:
        log.warning("could not abort job %s: %s", job.id, exc)
