"""The one HTTP seam to Salesforce: auth header, timeout, retries, error mapping, usage.

``Transport.send`` is the only place that calls ``requests``. It

* logs in (client credentials) lazily and caches the token; on a 401 it refreshes the
  token once and replays the request, then fails with ``SalesforceAuthError``;
* retries connection errors, bodies cut off or undecodable, 5xx, 406, 420 and 429 with capped
  exponential backoff and jitter through the injected sleeper/clock, honouring
  ``Retry-After``; a non-idempotent request that may have been processed is not retried and
  raises ``SalesforceOutcomeUnknown``;
* stops at once on 403 ``REQUEST_LIMIT_EXCEEDED`` (``SalesforceRateLimitError``);
* maps every other failure, once, to the ``lht.errors`` tree;
* counts API calls and records the org's ``Sforce-Limit-Info`` usage.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from lht.errors import (
    SalesforceAuthError,
    SalesforceError,
    SalesforceOutcomeUnknown,
    SalesforceRateLimitError,
    SalesforceRequestError,
    SalesforceUnavailable,
    SalesforceUnsupported,
)
from lht.salesforce.auth import AccessToken, Credentials, parse_token_response, token_form
from lht.salesforce.retry import (
    REFUSED_STATUSES,
    RETRYABLE_STATUSES,
    RetryPolicy,
    parse_retry_after,
)

__all__ = ["ApiUsage", "Transport", "map_error", "parse_limit_info"]

log = logging.getLogger(__name__)

_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")
_UNSUPPORTED_CODES = frozenset(
    {"FUNCTIONALITY_NOT_ENABLED", "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"}
)
#: Failures without a usable answer. A body cut off mid-way (``ChunkedEncodingError``, also
#: raised for a short Content-Length body) or a broken gzip stream (``ContentDecodingError``)
#: surface from ``session.request`` for non-streamed responses, like a reset or a timeout.
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class ApiUsage:
    """API calls this client made, and the org's daily usage from ``Sforce-Limit-Info``."""

    calls: int
    api_used: int | None
    api_max: int | None


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """``api-usage=18/5000[; per-app-api-usage=...]`` → ``(18, 5000)``; None if absent."""
    if not header:
        return None
    match = _LIMIT_INFO.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _error_details(response: requests.Response) -> tuple[str | None, str]:
    """(errorCode, message) from a Salesforce error body of any known shape."""
    try:
        body: Any = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return None, text[:300] if text else "empty response body"
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        first = body[0]
        code = first.get("errorCode") or first.get("statusCode")
        return (str(code) if code else None), str(first.get("message") or "")
    if isinstance(body, Mapping):
        code = body.get("errorCode") or body.get("error")
        message = body.get("message") or body.get("error_description") or ""
        return (str(code) if code else None), str(message)
    return None, str(body)[:300]


def map_error(
    response: requests.Response, context: str, token: AccessToken | None = None
) -> SalesforceError:
    """Map an HTTP error response to the ``lht.errors`` tree (the only such mapping)."""
    status = response.status_code
    code, message = _error_details(response)
    text = f"{context}: HTTP {status}" + (f" {code}" if code else "") + f": {message}"
    if token is not None:
        text = token.redact(text)
    cls: type[SalesforceError]
    if status == 401:
        cls = SalesforceAuthError
    elif code in {"REQUEST_LIMIT_EXCEEDED", "LIMIT_EXCEEDED"}:
        cls = SalesforceRateLimitError
    elif status in RETRYABLE_STATUSES or status >= 500:
        cls = SalesforceUnavailable
    elif code in _UNSUPPORTED_CODES or "not supported in Bulk Query" in message:
        cls = SalesforceUnsupported
    else:
        cls = SalesforceRequestError
    return cls(text, status=status, error_code=code)


def _certificate_rejected(exc: BaseException) -> bool:
    """A TLS verification failure is configuration, not a transient fault: never retried."""
    return isinstance(exc, requests.exceptions.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _maybe_applied(status: int) -> bool:
    """A 5xx that is not a refusal (retry.REFUSED_STATUSES) may follow partial processing."""
    return status >= 500 and status not in REFUSED_STATUSES


#: ``error_code`` of a SalesforceUnavailable whose last attempt got no answer within the read
#: timeout (the request was sent; Salesforce may still be working on it).
READ_TIMEOUT = "READ_TIMEOUT"


def _read_timed_out(exc: BaseException) -> bool:
    return isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout)


def _never_sent(exc: BaseException) -> bool:
    """True when the request cannot have reached Salesforce (connect phase failed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class Transport:
    """Authenticated, retrying HTTP access to one Salesforce org."""

    def __init__(
        self,
        credentials: Credentials | AccessToken,
        *,
        session: requests.Session | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        # A bare AccessToken (legacy callers) works until it expires; it cannot be refreshed.
        self._credentials = credentials if isinstance(credentials, Credentials) else None
        self._session = session if session is not None else requests.Session()
        self._timeout = timeout
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleeper
        self._clock = clock
        self._rand = rand
        self._token = credentials if isinstance(credentials, AccessToken) else None
        self._token_lock = threading.RLock()
        self._usage_lock = threading.Lock()
        self._calls = 0
        self._api_used: int | None = None
        self._api_max: int | None = None
        self._server_date: tuple[datetime, float] | None = None

    @property
    def usage(self) -> ApiUsage:
        with self._usage_lock:
            return ApiUsage(self._calls, self._api_used, self._api_max)

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @property
    def instance_url(self) -> str:
        return self._ensure_token().instance_url

    def token(self) -> AccessToken:
        """The cached token, logging in first if there is none."""
        return self._ensure_token()

    def login(self) -> AccessToken:
        """Fetch a new token now (replacing any cached one)."""
        with self._token_lock:
            self._token = None
            return self._ensure_token()

    def invalidate_token(self) -> None:
        with self._token_lock:
            self._token = None

    def server_time(self) -> datetime | None:
        """Salesforce's clock (UTC, aware): the last response's HTTP ``Date`` plus the time
        elapsed since on the injected clock; None before any response carried one. ``Date``
        has whole seconds (truncated), so this runs up to 1 s behind, never ahead."""
        with self._usage_lock:
            found = self._server_date
        if found is None:
            return None
        moment, seen = found
        return moment + timedelta(seconds=max(0.0, self._clock() - seen))

    def _note_date(self, header: str | None) -> None:
        if not header:
            return
        try:
            moment = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            log.debug("unparseable Date header %r ignored", header)
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._usage_lock:
            self._server_date = (moment.astimezone(UTC), self._clock())

    def pause(self, retry_number: int, reason: str, retry_after: float | None = None) -> None:
        """Sleep the backoff for ``retry_number``; for callers that retry whole operations."""
        delay = self._retry.delay(retry_number, self._rand(), retry_after)
        log.warning("retry %d after %s; sleeping %.2fs", retry_number, reason, delay)
        self._sleep(delay)

    def pause_for(self, seconds: float) -> None:
        """Sleep ``seconds`` through the injected sleeper (job polling)."""
        self._sleep(seconds)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        context: str | None = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """Send one API request; return a 2xx/3xx response or raise a mapped error.

        ``url`` is absolute or a path (``/services/data/...``) on the instance URL. A
        non-``idempotent`` request (record inserts) is only retried when it certainly was
        not processed: connect failures and 420/429/503 refusals.
        """
        where = context or f"{method} {url.split('?', 1)[0]}"
        refreshed = False
        while True:
            token = self._ensure_token()
            full_url = url if url.startswith(("http://", "https://")) else token.instance_url + url
            merged = {"Authorization": f"Bearer {token.access_token}", **(headers or {})}
            attempt = functools.partial(
                self._session.request, method, full_url, params=params, json=json, data=data,
                headers=merged, stream=stream, timeout=self._timeout, verify=self._session.verify,
            )  # fmt: skip
            response = self._with_retries(attempt, where, counted=True, idempotent=idempotent)
            if response.status_code == 401 and not refreshed and self._credentials is not None:
                refreshed = True
                response.close()
                log.info("%s: session invalid; refreshing the token once and replaying", where)
                self._drop_token(token)
                continue
            if response.status_code == 401 and self._credentials is None:
                error = map_error(response, where, token)
                raise SalesforceAuthError(
                    f"{error} (an access token given without client credentials cannot be "
                    "refreshed; pass client_id/client_secret or a fresh token)"
                )
            if response.status_code >= 400:
                error = map_error(response, where, token)
                if not idempotent and _maybe_applied(response.status_code):
                    raise SalesforceOutcomeUnknown(
                        f"{error} (it may have been processed)", status=error.status,
                        error_code=error.error_code,
                    )  # fmt: skip
                raise error
            return response

    def _drop_token(self, stale: AccessToken) -> None:
        """Forget ``stale`` unless another thread already replaced it."""
        with self._token_lock:
            if self._token is stale:
                self._token = None

    def _ensure_token(self) -> AccessToken:
        with self._token_lock:
            if self._token is None:
                self._token = self._fetch_token()
            return self._token

    def _fetch_token(self) -> AccessToken:
        creds = self._credentials
        if creds is None:
            raise SalesforceAuthError(
                "the supplied access token is no longer valid and cannot be refreshed "
                "without client credentials"
            )

        def attempt() -> requests.Response:
            return self._session.post(
                creds.token_url,
                data=token_form(creds),
                headers={"Accept": "application/json"},
                timeout=self._timeout,
                verify=self._session.verify,  # else REQUESTS_CA_BUNDLE silently overrides it
            )

        response = self._with_retries(attempt, f"Salesforce login at {creds.token_url}")
        if response.status_code in RETRYABLE_STATUSES or response.status_code >= 500:
            raise map_error(response, f"Salesforce login at {creds.token_url}")
        return parse_token_response(response, creds)

    def _with_retries(
        self,
        attempt: Callable[[], requests.Response],
        where: str,
        counted: bool = False,
        idempotent: bool = True,
    ) -> requests.Response:
        """Run ``attempt`` until it yields a non-retryable response or retries run out."""
        started = self._clock()
        retryable = RETRYABLE_STATUSES if idempotent else REFUSED_STATUSES
        retry_number = 0
        while True:
            retry_number += 1
            try:
                response = attempt()
            except _NETWORK_ERRORS as exc:
                if counted:
                    self._count_call(None)
                reason = type(exc).__name__
                if _certificate_rejected(exc):
                    raise SalesforceError(
                        f"{where}: TLS certificate verification failed (check the CA bundle)"
                    ) from None
                if not idempotent and not _never_sent(exc):
                    raise SalesforceOutcomeUnknown(
                        f"{where}: the answer was lost after the request was sent ({reason}); "
                        "it may have been processed"
                    ) from None
                if not self._may_retry(retry_number, started, None):
                    raise SalesforceUnavailable(
                        f"{where}: connection failed after {retry_number} attempt(s): {reason}",
                        error_code=READ_TIMEOUT if _read_timed_out(exc) else None,
                    ) from None
                self.pause(retry_number, f"{where}: {reason}")
                continue
            if counted:
                self._count_call(response.headers.get("Sforce-Limit-Info"))
            self._note_date(response.headers.get("Date"))
            if response.status_code not in retryable:
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if not self._may_retry(retry_number, started, retry_after):
                return response
            response.close()
            self.pause(retry_number, f"{where}: HTTP {response.status_code}", retry_after)

    def _may_retry(self, attempts: int, started: float, retry_after: float | None) -> bool:
        if attempts >= self._retry.max_attempts:
            return False
        if retry_after is not None and retry_after > self._retry.max_retry_after:
            return False
        return self._clock() - started < self._retry.max_elapsed

    def _count_call(self, limit_info: str | None) -> None:
        usage = parse_limit_info(limit_info)
        with self._usage_lock:
            self._calls += 1
            if usage is not None:
                self._api_used, self._api_max = usage
