"""The Salesforce errors the emulator answers, named once: errorCode, HTTP status, message template.

A handler raises `errors.RESOURCE_NOT_FOUND.error()` or
`errors.NO_SUCH_COLUMN.error(field="X", sobject="Account")`; the router renders the raised
`SalesforceHttpError` as the JSON error array (`emulator.http.error_response`). COVERAGE.md's
error-code table is checked against the codes named here and raised elsewhere
(`emulator/tests/test_docs.py`). This module holds data only (no HTTP rendering), so every layer
can import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SalesforceHttpError(Exception):
    """Raised anywhere below a handler; the router renders it as Salesforce's error array."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields


@dataclass(frozen=True)
class NamedError:
    """One error as Salesforce sends it; `template` is filled with `str.format` values."""

    code: str
    status: int
    template: str

    def error(
        self,
        fields: list[str] | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        **values: Any,
    ) -> SalesforceHttpError:
        """The exception to raise; `status`/`code` override the defaults where a knob says so."""
        message = self.template.format(**values) if values else self.template
        return SalesforceHttpError(status or self.status, code or self.code, message, fields)


# -- routing and sessions (REST and Bulk 2.0) --
RESOURCE_NOT_FOUND = NamedError("NOT_FOUND", 404, "The requested resource does not exist")
METHOD_NOT_ALLOWED = NamedError(
    "METHOD_NOT_ALLOWED", 405, "HTTP Method '{method}' not allowed. Allowed are {allowed}"
)
SESSION_EXPIRED = NamedError("INVALID_SESSION_ID", 401, "Session expired or invalid")
REQUEST_LIMIT = NamedError("REQUEST_LIMIT_EXCEEDED", 403, "TotalRequests Limit exceeded.")
VERSION_GONE = NamedError("GONE", 410, "API version {version} is no longer supported")
UNKNOWN_EXCEPTION = NamedError(
    "UNKNOWN_EXCEPTION",
    500,
    "An unexpected error occurred. Please include this ErrorId if you contact support: "
    "0000-0000 (-1)",
)

# -- request bodies --
JSON_UNEXPECTED = NamedError("JSON_PARSER_ERROR", 400, "Unexpected character: {detail}")
JSON_NOT_AN_OBJECT = NamedError(
    "JSON_PARSER_ERROR", 400, "Cannot deserialize instance of sObject from array value"
)
COLLECTION_BODY = NamedError(
    "JSON_PARSER_ERROR", 400, "Request body must be an object with a records array"
)
COMPOSITE_BODY = NamedError(
    "JSON_PARSER_ERROR", 400, "compositeRequest must be an array of subrequests"
)

# -- records, collections, composite --
NO_SUCH_COLUMN = NamedError(
    "INVALID_FIELD", 400, "No such column '{field}' on sobject of type {sobject}"
)
EXTERNAL_ID_FIELD_UNKNOWN = NamedError(
    "NOT_FOUND", 404, "Provided external ID field does not exist or is not accessible: {field}"
)
COLLECTION_TOO_MANY = NamedError(
    "EXCEEDED_ID_LIMIT",
    400,
    "record limit reached. cannot submit more than {limit} records into this call",
)
COLLECTION_FIELDS_MISSING = NamedError("MISSING_ARGUMENT", 400, "The fields parameter is required")
COMPOSITE_TOO_MANY = NamedError(
    "INVALID_API_INPUT", 400, "Composite request may contain up to {limit} subrequests"
)

# -- REST query --
TYPEOF_UNSUPPORTED = NamedError("MALFORMED_QUERY", 400, "The emulator does not support TYPEOF")
OFFSET_TOO_LARGE = NamedError(
    "NUMBER_OUTSIDE_VALID_RANGE", 400, "Maximum SOQL offset allowed is {limit}"
)
INVALID_QUERY_LOCATOR = NamedError("INVALID_QUERY_LOCATOR", 400, "invalid query locator")

# -- updated / deleted (data replication) --
REPLICATION_ARGUMENT_MISSING = NamedError("MISSING_ARGUMENT", 400, "{name} is not specified")
REPLICATION_BAD_DATE = NamedError("INVALID_REPLICATION_DATE", 400, "Invalid date format")
REPLICATION_TOO_OLD = NamedError(
    "INVALID_REPLICATION_DATE", 400, "startDate before org replication enabled date"
)
REPLICATION_REVERSED = NamedError(
    "INVALID_REPLICATION_DATE", 400, "EndDate must chronologically succeed startDate"
)
REPLICATION_UNSUPPORTED = NamedError(
    "INVALID_TYPE", 400, "sObject type '{sobject}' is not supported for replication"
)
REPLICATION_TOO_MANY = NamedError(
    "EXCEEDED_ID_LIMIT",
    400,
    "More than {limit} ids in the requested window: choose start and end dates that are closer "
    "together",
)

# -- control surface --
CONTROL_NOT_AN_OBJECT = NamedError("INVALID_REQUEST", 400, "expected a JSON object")
CONTROL_INVALID = NamedError("INVALID_REQUEST", 400, "{detail}")
INVALID_OPTION = NamedError("INVALID_OPTION", 400, "{detail}")
