"""OAuth state: registered clients/users, issued access and refresh tokens, expiry and
revocation."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DEFAULT_CLIENT_ID = "lht-local-client-id"
DEFAULT_CLIENT_SECRET = "lht-local-client-secret"
DEFAULT_USERNAME = "admin@lht.local"
DEFAULT_PASSWORD = "lht-local-password"
DEFAULT_SECURITY_TOKEN = "LhtLocalSecurityToken0"  # appended to the password for SOAP login()
ORG_ID_15 = "00DDn0000000000"  # = the Organization row's Id (make_id("00D", 0)), 15 chars


@dataclass(frozen=True)
class Token:
    subject: str
    client_id: str
    issued_at: datetime
    last_used: datetime


class AuthState:
    """Credentials and tokens. Tokens expire after `ttl` seconds without use (Salesforce idle
    timeout)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clients: dict[str, str] = {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET}
        self.users: dict[str, str] = {DEFAULT_USERNAME: DEFAULT_PASSWORD}
        self.security_token = DEFAULT_SECURITY_TOKEN
        self._tokens: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}
        self.token_requests = 0

    def reset_counters(self) -> None:
        self.token_requests = 0

    def issue(
        self, subject: str, client_id: str, now: datetime, with_refresh: bool = False
    ) -> tuple[str, str | None]:
        token = f"{ORG_ID_15}!{secrets.token_urlsafe(48)}"
        info = Token(subject, client_id, now, now)
        refresh = f"5Aep{secrets.token_urlsafe(40)}" if with_refresh else None
        with self._lock:
            self._tokens[token] = info
            if refresh:
                self._refresh[refresh] = info
        return token, refresh

    def refresh_subject(self, refresh_token: str, client_id: str) -> Token | None:
        with self._lock:
            info = self._refresh.get(refresh_token)
        return info if info is not None and info.client_id == client_id else None

    def validate(self, token: str, now: datetime, ttl_seconds: float) -> bool:
        """True for a known, unexpired token; using it extends its life (idle timeout)."""
        with self._lock:
            info = self._tokens.get(token)
            if info is None:
                return False
            if ttl_seconds > 0 and now - info.last_used > timedelta(seconds=ttl_seconds):
                del self._tokens[token]
                return False
            self._tokens[token] = replace(info, last_used=max(now, info.last_used))
            return True

    def revoke(self, token: str) -> bool:
        with self._lock:
            return (
                self._tokens.pop(token, None) is not None
                or self._refresh.pop(token, None) is not None
            )

    def revoke_all(self, include_refresh: bool = False) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            if include_refresh:
                self._refresh.clear()
            return count

    def active_tokens(self) -> int:
        with self._lock:
            return len(self._tokens)
