"""OAuth 2.0 token endpoint (client_credentials, password, refresh_token grants), revoke,
identity."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from emulator.core.auth import ORG_ID_15, Token
from emulator.core.ids import make_id, to_18
from emulator.core.options import register_option
from emulator.http import Request, Response, json_response
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option(
    "auth.invalid_client_status",
    400,
    "Status for a wrong client_secret [UNCONFIRMED 1].",
    [400, 401],
)
register_option(
    "auth.missing_grant_type",
    "invalid_request",
    "Error for a missing grant_type [UNCONFIRMED 2].",
    ["invalid_request", "unsupported_grant_type"],
)
register_option(
    "auth.accept_query_params", True, "Accept token parameters in the query string [UNCONFIRMED 2]."
)
register_option(
    "auth.api_instance_url", "", "If set, token responses carry api_instance_url [UNCONFIRMED 3]."
)
register_option(
    "auth.password_refresh_token", False, "Password grant also returns a refresh_token."
)
register_option("auth.scope", "api refresh_token web", "The scope string of token responses.")
register_option(
    "auth.instance_url", "", "Override instance_url (default: the emulator's own base URL)."
)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status


def _params(req: Request, org: Org) -> dict[str, str]:
    params: dict[str, str] = dict(req.query) if org.options["auth.accept_query_params"] else {}
    params.update(
        dict(parse_qsl(req.body.decode("utf-8", errors="replace"), keep_blank_values=True))
    )
    header = req.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
        params.setdefault("client_id", client_id)
        params.setdefault("client_secret", secret)
    return params


def _check_client(org: Org, params: dict[str, str], secret_required: bool = True) -> str:
    client_id = params.get("client_id", "")
    if client_id not in org.auth.clients:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    secret = params.get("client_secret")
    if (secret_required or secret is not None) and not hmac.compare_digest(
        secret or "", org.auth.clients[client_id]
    ):
        raise OAuthError(
            "invalid_client",
            "invalid client credentials",
            int(org.options["auth.invalid_client_status"]),
        )
    return client_id


def _grant(org: Org, params: dict[str, str]) -> tuple[str, str, bool]:
    """(subject, client_id, issue refresh token?) for the requested grant, or OAuthError."""
    grant = params.get("grant_type")
    if not grant:
        choice = str(org.options["auth.missing_grant_type"])
        text = (
            "missing required parameter: grant_type"
            if choice == "invalid_request"
            else "grant type not supported"
        )
        raise OAuthError(choice, text)
    if grant == "client_credentials":
        return "client:" + _check_client(org, params), params["client_id"], False
    if grant == "password":
        client_id = _check_client(org, params)
        username, password = params.get("username", ""), params.get("password", "")
        expected = org.auth.users.get(username)
        if expected is None or not hmac.compare_digest(password, expected):
            raise OAuthError("invalid_grant", "authentication failure")
        return "user:" + username, client_id, bool(org.options["auth.password_refresh_token"])
    if grant == "refresh_token":
        client_id = _check_client(org, params, secret_required=False)
        info: Token | None = org.auth.refresh_subject(params.get("refresh_token", ""), client_id)
        if info is None:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        return info.subject, client_id, False
    raise OAuthError("unsupported_grant_type", "grant type not supported")


def base_url(org: Org) -> str:
    override = str(org.options["auth.instance_url"])
    return override or str(getattr(org, "base_url", "http://127.0.0.1"))


def identity_url(org: Org) -> str:
    user = make_id(org.object("User").key_prefix, 0)
    return f"{base_url(org)}/id/{to_18(ORG_ID_15)}/{user}"


def token(org: Org, req: Request, match: re.Match[str]) -> Response:
    org.auth.token_requests += 1
    try:
        subject, client_id, with_refresh = _grant(org, _params(req, org))
    except OAuthError as exc:
        return json_response(
            {"error": exc.error, "error_description": exc.description}, status=exc.status
        )
    now = org.clock.now()
    access, refresh = org.auth.issue(subject, client_id, now, with_refresh)
    issued = str(int(now.timestamp() * 1000))
    ident = identity_url(org)
    signature = hmac.new(
        org.auth.clients[client_id].encode(), (ident + issued).encode(), hashlib.sha256
    ).digest()
    body: dict[str, Any] = {
        "access_token": access,
        "signature": base64.b64encode(signature).decode(),
        "scope": str(org.options["auth.scope"]),
        "instance_url": base_url(org),
        "id": ident,
        "token_type": "Bearer",
        "issued_at": issued,
    }
    if refresh:
        body["refresh_token"] = refresh
    if org.options["auth.api_instance_url"]:
        body["api_instance_url"] = str(org.options["auth.api_instance_url"])
    return json_response(body)


def revoke(org: Org, req: Request, match: re.Match[str]) -> Response:
    params = dict(parse_qsl(req.body.decode("utf-8", errors="replace"))) | dict(req.query)
    org.auth.revoke(params.get("token", ""))
    return Response(status=200)


def identity(org: Org, req: Request, match: re.Match[str]) -> Response:
    user = org.data("User")
    record = user.record(0, ["Id", "Username", "Name", "Email"])
    return json_response(
        {
            "id": identity_url(org),
            "asserted_user": True,
            "user_id": record["Id"],
            "organization_id": to_18(ORG_ID_15),
            "username": record["Username"],
            "display_name": record["Name"],
            "email": record["Email"],
            "active": True,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": 0,
            "urls": {
                "rest": f"{base_url(org)}/services/data/v{{version}}/",
                "sobjects": f"{base_url(org)}/services/data/v{{version}}/sobjects/",
                "query": f"{base_url(org)}/services/data/v{{version}}/query/",
            },
        }
    )


def register(router: Router) -> None:
    router.add("POST", r"/services/oauth2/token", token, auth=False, charge=None)
    router.add("POST", r"/services/oauth2/revoke", revoke, auth=False, charge=None)
    router.add("GET", r"/id/(?P<org>\w+)/(?P<user>\w+)", identity, charge=None)
