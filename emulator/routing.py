"""Routing and the central request pipeline shared by every API area (REST, Bulk, OAuth, control).

Pipeline: fault injection → route lookup → OAuth bearer check (401 INVALID_SESSION_ID) → API
version check → daily limit check (403 REQUEST_LIMIT_EXCEEDED) → usage charging → handler →
`Sforce-Limit-Info` header → request log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from emulator import errors
from emulator.core.faults import TRANSPORT_KINDS, FaultRule
from emulator.core.options import register_option
from emulator.core.reqlog import body_preview, redact_headers, redact_query
from emulator.core.writes import RecordError
from emulator.http import (
    Request,
    Response,
    SalesforceHttpError,
    empty_response,
    error_response,
    sf_error,
)

if TYPE_CHECKING:
    from emulator.core.org import Org

log = logging.getLogger(__name__)
Handler = Callable[["Org", Request, re.Match[str]], Response]
SessionError = Callable[[Request], Response]

register_option("api.min_version", 50.0, "Oldest API version served under /services/data/vXX.X.")
register_option(
    "api.max_version", 66.0, "Newest API version served (the last entry of GET /services/data/)."
)
register_option(
    "api.old_version_status",
    404,
    "Status for an unserved version: 404 NOT_FOUND (as recorded) or 410 GONE [UNCONFIRMED 6].",
    [404, 410],
)
register_option(
    "auth.token_ttl_seconds", 7200.0, "Idle lifetime of access tokens (0 = never expire)."
)
register_option(
    "auth.accept_oauth_scheme",
    True,
    "Accept 'Authorization: OAuth <token>' as well as Bearer [UNCONFIRMED 26].",
)
register_option(
    "http.limit_info_on_bulk",
    True,
    "Send Sforce-Limit-Info on Bulk 2.0 responses too [UNCONFIRMED 5].",
)
register_option(
    "http.per_app_usage",
    "",
    "If set (an app name), append '; per-app-api-usage=N/M(appName=...)' to Sforce-Limit-Info.",
)
register_option(
    "http.per_app_max", 250, "Max of the per-app usage shown when http.per_app_usage is set."
)

CONTROL_PREFIX = "/__emulator"
NO_CACHE = "no-cache,must-revalidate,max-age=0,no-store,private"  # as in recorded responses


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool
    charge: str | None
    session_error: SessionError | None = None  # the API's own "bad session" answer


class Router:
    """Routes by method + path regex (trailing slash tolerated) and runs the central pipeline."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        path_regex: str,
        handler: Handler,
        *,
        auth: bool = True,
        charge: str | None = "DailyApiRequests",
        session_error: SessionError | None = None,
    ) -> None:
        body = path_regex.removeprefix("^").removesuffix("$").removesuffix("/?").removesuffix("/")
        pattern = re.compile(f"^{body}/?$")
        self.routes.append(Route(method.upper(), pattern, handler, auth, charge, session_error))

    def find(self, method: str, path: str) -> tuple[Route, re.Match[str]] | Response:
        method = "GET" if method.upper() == "HEAD" else method  # the server drops HEAD bodies
        allowed: list[str] = []
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.method == method.upper():
                return route, match
            allowed.append(route.method)
        if allowed:
            names = ",".join(sorted(set(allowed)))
            return error_response(errors.METHOD_NOT_ALLOWED.error(method=method, allowed=names))
        return error_response(errors.RESOURCE_NOT_FOUND.error())

    def handle(self, org: Org, req: Request) -> Response:
        """Route and run a handler without the pipeline (composite subrequests: the outer call
        was already authenticated, charged and logged)."""
        found = self.find(req.method, req.path)
        if isinstance(found, Response):
            return found
        version_error = _check_version(org, req)
        return version_error if version_error is not None else _call(found[0], org, req, found[1])

    def dispatch(self, org: Org, req: Request) -> Response:
        control = req.path.startswith(CONTROL_PREFIX)
        query = urlencode(req.query_list)
        fault = None if control else org.faults.match(req.method, req.path, query)
        found = self.find(req.method, req.path)
        route = found[0] if isinstance(found, tuple) else None
        response, charged = self._run(org, req, found, fault)
        if fault is not None:
            response.headers.update(fault.headers)
            if fault.kind in TRANSPORT_KINDS:
                response.fault = fault
        if not control:
            response.headers.setdefault("Cache-Control", NO_CACHE)
        if route is not None and route.charge and _wants_limit_info(org, req):
            response.headers["Sforce-Limit-Info"] = limit_info(org)
        if not control:
            self._log(org, req, response, charged, fault)
        return response

    def _run(
        self,
        org: Org,
        req: Request,
        found: tuple[Route, re.Match[str]] | Response,
        fault: FaultRule | None,
    ) -> tuple[Response, str | None]:
        """The response and the limit counter this call was charged to (None if not charged)."""
        if fault is not None and fault.kind not in TRANSPORT_KINDS:
            session_error = found[0].session_error if isinstance(found, tuple) else None
            return _fault_response(org, req, fault, session_error), None
        if isinstance(found, Response):
            return found, None
        route, match = found
        if route.auth and not _authorized(org, req):
            return (route.session_error or (lambda _: session_expired()))(req), None
        version_error = _check_version(org, req)
        if version_error is not None:
            return version_error, None
        if route.charge:
            if org.limits.exhausted(route.charge):
                return error_response(errors.REQUEST_LIMIT.error()), None
            org.limits.charge(route.charge)
        return _call(route, org, req, match), route.charge

    def _log(
        self,
        org: Org,
        req: Request,
        response: Response,
        charged: str | None,
        fault: FaultRule | None,
    ) -> None:
        org.request_log.append(
            time=org.clock.now().isoformat(),
            method=req.method,
            path=req.path,
            query=redact_query(req.query),
            headers=redact_headers(dict(req.headers.items())),
            body=body_preview(req.path, req.body),
            status=response.status,
            charged=charged,
            fault=fault.kind if fault is not None else None,
        )


def _call(route: Route, org: Org, req: Request, match: re.Match[str]) -> Response:
    try:
        return route.handler(org, req, match)
    except SalesforceHttpError as exc:
        return error_response(exc)
    except RecordError as exc:
        status = 404 if exc.status_code in ("NOT_FOUND", "ENTITY_IS_DELETED") else 400
        return sf_error(status, exc.status_code, exc.message, exc.fields)
    except Exception:  # the server must answer like Salesforce even when a handler has a bug
        log.exception("emulator handler failed: %s %s", req.method, req.path)
        return error_response(errors.UNKNOWN_EXCEPTION.error())


def session_expired() -> Response:
    """401 INVALID_SESSION_ID with the `WWW-Authenticate: Token` header seen in recordings."""
    response = error_response(errors.SESSION_EXPIRED.error())
    response.headers["WWW-Authenticate"] = "Token"
    return response


def bearer_token(req: Request, accept_oauth: bool = True) -> str | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() == "bearer" or (accept_oauth and scheme.lower() == "oauth"):
        return token.strip() or None
    session = req.headers.get("X-SFDC-Session")
    return session.strip() if session else None


def _authorized(org: Org, req: Request) -> bool:
    token = bearer_token(req, bool(org.options["auth.accept_oauth_scheme"]))
    if token is None:
        return False
    return org.auth.validate(token, org.clock.now(), float(org.options["auth.token_ttl_seconds"]))


def _check_version(org: Org, req: Request) -> Response | None:
    if req.api_version is None:
        if req.path.startswith("/services/data/") and req.path.rstrip("/") != "/services/data":
            return error_response(errors.RESOURCE_NOT_FOUND.error())
        return None
    number = float(req.api_version[1:])
    if float(org.options["api.min_version"]) <= number <= float(org.options["api.max_version"]):
        return None
    if int(org.options["api.old_version_status"]) == 410 and number < float(
        org.options["api.min_version"]
    ):
        return error_response(errors.VERSION_GONE.error(version=req.api_version[1:]))
    return error_response(errors.RESOURCE_NOT_FOUND.error())


def _fault_response(
    org: Org, req: Request, fault: FaultRule, session_error: SessionError | None = None
) -> Response:
    if fault.kind == "session":
        token = bearer_token(req)
        if fault.revoke and token:
            org.auth.revoke(token)
        return session_error(req) if session_error is not None else session_expired()
    if fault.kind == "limit":
        return error_response(errors.REQUEST_LIMIT.error())
    if fault.kind == "error":
        return sf_error(fault.status, fault.error_code, fault.message)
    response = empty_response(fault.status)
    if fault.body:
        response.body = fault.body.encode("utf-8")
        response.headers["Content-Type"] = "text/plain;charset=UTF-8"
    return response


def _wants_limit_info(org: Org, req: Request) -> bool:
    if req.api_version is None:
        return False
    return "/jobs/" not in req.path or bool(org.options["http.limit_info_on_bulk"])


def limit_info(org: Org) -> str:
    """`api-usage=N/M` (plus the opt-in per-app part), consistent with GET /limits."""
    value = f"api-usage={org.limits.used('DailyApiRequests')}/{org.limits.max('DailyApiRequests')}"
    app = str(org.options["http.per_app_usage"])
    if app:
        used = org.limits.used("DailyApiRequests")
        value += f"; per-app-api-usage={used}/{org.options['http.per_app_max']}(appName={app})"
    return value
