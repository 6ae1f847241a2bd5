"""``SalesforceClient``: the one façade sync and push use to talk to Salesforce.

It wires a :class:`~lht.salesforce.transport.Transport` (auth, retries, error mapping,
usage) to the REST, Bulk 2.0 query and Bulk 2.0 ingest helpers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from lht.config import API_VERSION, DEFAULT_TIMEOUT_SECONDS
from lht.errors import ConfigError, SalesforceJobFailed
from lht.salesforce.auth import AccessToken, Credentials, check_url
from lht.salesforce.bulk import (
    BulkPage,
    BulkQueryJob,
    PollPolicy,
    create_query_job,
    failure_message,
    list_jobs,
    wait_for_job,
)
from lht.salesforce.describe import Field, SObjectDescribe, SObjectSummary
from lht.salesforce.ingest import IngestJob, IngestResult, create_ingest_job
from lht.salesforce.rest import RecordResult, RestApi
from lht.salesforce.retry import RetryPolicy
from lht.salesforce.transport import ApiUsage, Transport

__all__ = [
    "AccessToken",
    "ApiUsage",
    "BulkPage",
    "BulkQueryJob",
    "Credentials",
    "Field",
    "IngestJob",
    "IngestResult",
    "PollPolicy",
    "RecordResult",
    "RetryPolicy",
    "SObjectDescribe",
    "SObjectSummary",
    "SalesforceClient",
]

_VERSION_FORMAT = "vNN.0"


def _check_version(api_version: str) -> str:
    text = api_version if api_version.startswith("v") else f"v{api_version}"
    major, _, minor = text[1:].partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ConfigError(f"api_version must look like {_VERSION_FORMAT}, got {api_version!r}")
    return text


class SalesforceClient:
    """Salesforce REST + Bulk 2.0 for one org, with one token and one usage counter."""

    def __init__(
        self,
        credentials: Credentials | AccessToken,
        api_version: str = API_VERSION,
        *,
        session: requests.Session | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.api_version = _check_version(api_version)
        self.transport = Transport(
            credentials, session=session, timeout=timeout, retry=retry,
            sleeper=sleeper, clock=clock, rand=rand,
        )  # fmt: skip
        self.rest = RestApi(self.transport, self.api_version)
        self.poll = poll or PollPolicy()

    @classmethod
    def from_access_token(
        cls, instance_url: str, access_token: str, **kwargs: Any
    ) -> SalesforceClient:
        """A client for an existing token (legacy ``access_info``): no login, no refresh.

        A 401 then raises SalesforceAuthError; prefer client credentials for long runs.
        """
        if not access_token:
            raise ConfigError("access_token is empty")
        return cls(AccessToken(access_token, check_url(instance_url, "instance_url")), **kwargs)

    @property
    def base(self) -> str:
        return self.rest.base

    @property
    def usage(self) -> ApiUsage:
        return self.transport.usage

    @property
    def instance_url(self) -> str:
        return self.transport.instance_url

    def server_time(self) -> datetime | None:
        """Salesforce's clock from the last response's ``Date`` header (UTC), or None."""
        return self.transport.server_time()

    def describe(self, sobject: str) -> SObjectDescribe:
        return self.rest.describe(sobject)

    def describe_global(self) -> tuple[SObjectSummary, ...]:
        """Every sObject visible to the user (name, label, queryable, custom, ...)."""
        return self.rest.describe_global()

    def count(self, sobject: str, where: str | None = None, include_deleted: bool = True) -> int:
        return self.rest.count(sobject, where, include_deleted)

    def query_records(
        self, soql: str, include_deleted: bool = True, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        return self.rest.query_records(soql, include_deleted, batch_size)

    def limits(self) -> dict[str, Any]:
        return self.rest.limits()

    def bulk_query(
        self,
        soql: str,
        include_deleted: bool = True,
        max_records: int | None = None,
        poll_timeout: float = 3600.0,
    ) -> BulkQueryJob:
        """Create a query job and wait until ``JobComplete``; then read ``job.pages()``.

        Failed/Aborted → SalesforceJobFailed (with the job id and errorMessage); not done
        within ``poll_timeout`` seconds → the job is aborted and SalesforceJobFailed raised.
        """
        if max_records is not None and max_records <= 0:
            raise ConfigError(f"max_records must be positive, got {max_records}")
        info = create_query_job(self.transport, self.base, soql, include_deleted)
        job = BulkQueryJob(self.transport, self.base, info, max_records)
        final = wait_for_job(self.transport, f"{self.base}/jobs/query/{job.id}", job.describe,
                             poll_timeout, self.poll)  # fmt: skip
        job.info = final
        if final.get("state") != "JobComplete":
            raise SalesforceJobFailed(
                failure_message(final, job.describe), job_id=job.id, state=final.get("state")
            )
        return job

    def ingest_job(
        self,
        sobject: str,
        operation: str,
        external_id_field: str | None = None,
        line_ending: str = "LF",
    ) -> IngestJob:
        """Create an ingest job (state ``Open``): then upload, close, wait, read results."""
        return create_ingest_job(
            self.transport,
            self.base,
            sobject,
            operation,
            external_id_field=external_id_field,
            line_ending=line_ending,
        )

    def collection_create(
        self, sobject: str, records: Iterable[Mapping[str, Any]], all_or_none: bool = False
    ) -> list[RecordResult]:
        return self.rest.create(sobject, records, all_or_none)

    def collection_update(
        self, sobject: str, records: Iterable[Mapping[str, Any]], all_or_none: bool = False
    ) -> list[RecordResult]:
        return self.rest.update(sobject, records, all_or_none)

    def collection_upsert(
        self,
        sobject: str,
        external_id_field: str,
        records: Iterable[Mapping[str, Any]],
        all_or_none: bool = False,
    ) -> list[RecordResult]:
        return self.rest.upsert(sobject, external_id_field, records, all_or_none)

    def collection_delete(
        self, ids: Iterable[str], all_or_none: bool = False
    ) -> list[RecordResult]:
        return self.rest.delete(ids, all_or_none)

    def list_jobs(self, kind: str = "query") -> Iterator[dict[str, Any]]:
        """Bulk 2.0 jobs of ``kind`` ("query" or "ingest") visible to this user."""
        return list_jobs(self.transport, self.base, kind)

    def abort_job(self, kind: str, job_id: str) -> None:
        self._job_call("PATCH", kind, job_id, {"state": "Aborted"})

    def delete_job(self, kind: str, job_id: str) -> None:
        self._job_call("DELETE", kind, job_id, None)

    def _job_call(self, method: str, kind: str, job_id: str, body: Any) -> None:
        if kind not in ("query", "ingest"):
            raise ConfigError(f"job kind must be 'query' or 'ingest', got {kind!r}")
        if not job_id.isalnum():
            raise ConfigError(f"invalid Bulk job id {job_id!r}")
        url = f"{self.base}/jobs/{kind}/{job_id}"
        self.transport.send(method, url, json=body, context=f"{method} {kind} job {job_id}")
