"""The one exception tree for the whole ``lht`` package.

Every error LHT raises derives from :class:`LhtError`. Each class states, through the
``retryable`` class attribute, whether running the same operation again *later* (in a new
run, or after a backoff inside the transport) may succeed. Driver exceptions (``requests``,
Snowflake connector) are mapped to this tree exactly once, at the boundary that talks to
the driver: ``lht.salesforce.transport`` for HTTP, ``lht.warehouse`` for SQL.

Tree::

    LhtError
    ├── ConfigError                  bad input or configuration (never retryable)
    ├── SalesforceError              anything Salesforce answered or failed to answer
    │   ├── SalesforceAuthError      token request refused, or 401 after one refresh
    │   ├── SalesforceRateLimitError 403 REQUEST_LIMIT_EXCEEDED (stop the run)
    │   ├── SalesforceJobFailed      Bulk job ended Failed/Aborted or timed out
    │   ├── SalesforceUnsupported    the API cannot do this (e.g. SOQL not allowed in Bulk)
    │   ├── SalesforceUnavailable    5xx / 420 / 429 / connection errors after retries
    │   │   └── SalesforceOutcomeUnknown  a write may have been applied, its answer was lost
    │   └── SalesforceRequestError   other 4xx with errorCode + message
    ├── WarehouseError               Snowflake statement or stage failure
    └── StateError                   sync/push state is inconsistent or locked
        └── ConcurrentRunError       another run holds the lock for this target

Messages name the object, job id and statement involved; they never contain access
tokens, client secrets or row contents.
"""

from __future__ import annotations

__all__ = [
    "ConcurrentRunError",
    "ConfigError",
    "LhtError",
    "SalesforceAuthError",
    "SalesforceError",
    "SalesforceJobFailed",
    "SalesforceOutcomeUnknown",
    "SalesforceRateLimitError",
    "SalesforceRequestError",
    "SalesforceUnavailable",
    "SalesforceUnsupported",
    "StateError",
    "WarehouseError",
]


class LhtError(Exception):
    """Root of every LHT error. ``retryable`` says whether a later retry may succeed."""

    retryable: bool = False


class ConfigError(LhtError):
    """Bad input or configuration: unknown object/field, invalid where clause, bad name."""


class SalesforceError(LhtError):
    """A Salesforce API call failed.

    ``status`` is the HTTP status (None when no response arrived), ``error_code`` the
    Salesforce ``errorCode`` (or OAuth ``error``) when one was returned.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class SalesforceAuthError(SalesforceError):
    """The token endpoint refused the credentials, or the session stayed invalid after refresh."""


class SalesforceRateLimitError(SalesforceError):
    """403 REQUEST_LIMIT_EXCEEDED: the org's API allowance is used up; stop this run."""


class SalesforceJobFailed(SalesforceError):
    """A Bulk API 2.0 job ended Failed or Aborted, or did not finish in time."""

    def __init__(
        self,
        message: str,
        *,
        job_id: str | None = None,
        state: str | None = None,
        status: int | None = None,
        error_code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, error_code=error_code)
        self.job_id = job_id
        self.state = state


class SalesforceUnsupported(SalesforceError):
    """Salesforce cannot do what was asked (e.g. compound fields in a Bulk query)."""


class SalesforceUnavailable(SalesforceError):
    """Server errors, throttling or connection failures that persisted through retries."""

    retryable = True


class SalesforceOutcomeUnknown(SalesforceUnavailable):
    """A non-idempotent request (e.g. a record insert) reached Salesforce but its answer was
    lost (cut off, reset, timed out, or a 5xx that is not a refusal): it may have been applied,
    so it is not retried and its rows' outcome is unknown."""


class SalesforceRequestError(SalesforceError):
    """A 4xx answer with errorCode and message (INVALID_FIELD, MALFORMED_QUERY, ...)."""


class WarehouseError(LhtError):
    """A Snowflake statement, stage or session operation failed."""


class StateError(LhtError):
    """Sync or push state (watermarks, run log, locks) is missing or inconsistent."""


class ConcurrentRunError(StateError):
    """Another run currently holds the lock for the same target; this one fails fast."""

    retryable = True
