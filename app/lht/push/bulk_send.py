"""The Bulk API 2.0 path of a push: upload chunks as ingest jobs, collect every result row.

Job sizes double from :data:`FIRST_JOB_RECORDS` rows, so Salesforce works on the first job
while the next ones are read from the warehouse, rendered and uploaded; each closed job is
awaited (polled) on a background thread from the moment it is closed. Once all chunks are
uploaded, each job's three result files are read in turn and recorded on the calling
thread (the only one that uses the Snowpark session); the background thread has already
downloaded them the moment its job ended, so the calling thread parses local copies while
later jobs still run instead of waiting on one download after another. Rows that failed with
``UNABLE_TO_LOCK_ROW`` are rebuilt from their echoed columns and sent once more in
follow-up job(s); their second outcome is the one recorded. If sending stops half-way (an
API error), the jobs already closed are still awaited and recorded before the error is
raised again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
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

__all__ = ["FIRST_JOB_RECORDS", "BulkSender"]

log = logging.getLogger(__name__)


#: Rows in the first ingest job of a push; each next job may hold twice as many.
FIRST_JOB_RECORDS = 10_000


@dataclass
class _Sent:
    job: Any
    records: int
    waited: Future[str]  # the job polled to its end: the reason text for unprocessed rows


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
                               opts.max_job_records, FIRST_JOB_RECORDS):  # fmt: skip
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
            sent.append(_Sent(job, chunk.records, _in_background(self._wait, job)))
            log.info("%s: job %s closed with %d row(s)", self.plan.sobject, job.id, chunk.records)

    def _collect(self, item: _Sent, retry_locks: bool) -> list[bytes]:
        job, match = item.job, self.plan.match_field
        reason = item.waited.result()
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
            job.fetch_results()  # timed out and aborted: its unprocessed rows still count
            return str(exc)
        job.fetch_results()
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


def _in_background(wait: Callable[[Any], str], job: Any) -> Future[str]:
    """Run ``wait(job)`` on a daemon thread (a failed push never waits on it at exit)."""
    future: Future[str] = Future()

    def run() -> None:
        try:
            future.set_result(wait(job))
        except BaseException as exc:  # thread boundary: raised again by future.result()
            future.set_exception(exc)

    threading.Thread(target=run, name=f"lht-push-wait-{job.id}", daemon=True).start()
    return future


def _abort_quietly(job: Any) -> None:
    try:
        job.abort()
    except SalesforceError as exc:
        log.warning("could not abort job %s: %s", job.id, exc)
