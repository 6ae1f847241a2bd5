"""OAuth 2.0 client-credentials login against the My Domain token endpoint.

The access token and client secret are never logged, never put in exception messages and
never shown by ``repr``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from lht.errors import ConfigError, SalesforceAuthError

__all__ = [
    "TOKEN_PATH",
    "AccessToken",
    "Credentials",
    "check_url",
    "parse_token_response",
    "token_form",
]

log = logging.getLogger(__name__)

TOKEN_PATH = "/services/oauth2/token"


def check_url(value: str, what: str) -> str:
    """``value`` without a trailing slash if it is an http(s) URL, else ConfigError."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


@dataclass(frozen=True)
class Credentials:
    """Client-credentials identity of a connected/external client app."""

    login_url: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "login_url", check_url(self.login_url, "login_url"))
        if not self.client_id or not self.client_secret:
            raise ConfigError("Salesforce client_id and client_secret are required")

    @property
    def token_url(self) -> str:
        return self.login_url + TOKEN_PATH

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Credentials:
        """From ``{"login_url", "client_id", "client_secret"}`` (the secret's JSON)."""
        missing = [k for k in ("login_url", "client_id", "client_secret") if not data.get(k)]
        if missing:
            raise ConfigError(f"Salesforce credentials are missing: {', '.join(missing)}")
        return cls(str(data["login_url"]), str(data["client_id"]), str(data["client_secret"]))

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        """From the JSON string stored in the ``salesforce_oauth`` secret."""
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigError("Salesforce credentials secret is not valid JSON") from None
        if not isinstance(data, dict):
            raise ConfigError("Salesforce credentials secret must be a JSON object")
        return cls.from_mapping(data)


@dataclass(frozen=True)
class AccessToken:
    """A token and the instance URL every later API call goes to."""

    access_token: str = field(repr=False)
    instance_url: str
    issued_at: str | None = None

    def redact(self, text: str) -> str:
        """``text`` with the token replaced (for messages built from server text)."""
        return text.replace(self.access_token, "<redacted>") if self.access_token else text


def token_form(credentials: Credentials) -> dict[str, str]:
    """Form body for the client-credentials grant."""
    return {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }


def parse_token_response(response: requests.Response, credentials: Credentials) -> AccessToken:
    """Turn the token endpoint's answer into an AccessToken, or raise SalesforceAuthError."""

    def scrub(text: str) -> str:
        return text.replace(credentials.client_secret, "<redacted>")

    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        error, description = _oauth_error(body)
        raise SalesforceAuthError(
            scrub(
                f"Salesforce login failed at {credentials.token_url}: HTTP {response.status_code}"
                f" {error}: {description}"
            ),
            status=response.status_code,
            error_code=error,
        )
    token, instance = body.get("access_token"), body.get("instance_url")
    if not isinstance(token, str) or not token or not isinstance(instance, str):
        raise SalesforceAuthError(
            f"Salesforce login at {credentials.token_url} returned no access_token/instance_url",
            status=response.status_code,
        )
    issued = body.get("issued_at")
    log.info("Salesforce login succeeded; instance %s", instance)
    return AccessToken(token, check_url(instance, "instance_url"), str(issued) if issued else None)


def _oauth_error(body: Any) -> tuple[str, str]:
    if isinstance(body, dict):
        return str(body.get("error") or "unknown_error"), str(body.get("error_description") or "")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode") or "unknown_error"), str(body[0].get("message") or "")
    return "unknown_error", "non-JSON response"
