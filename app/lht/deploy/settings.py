"""Validated deploy settings: what ``scripts/deploy`` renders ``sql/setup.sql`` with.

``sql/setup.sql`` is a ``snow sql`` template; every value is pasted into SQL text, so each one is
checked here first (identifiers, URLs, and the credentials that land inside a JSON string inside
a SQL string literal). The credentials themselves are read by snow from the environment
(``<% ctx.env.SF_CLIENT_SECRET %>``), so they never appear on a command line; they are only
checked here, never printed.

Network rule hosts: a Snowflake ``HOST_PORT`` rule value is ``host[:port]``, 443 when the port is
left out (docs.snowflake.com/en/sql-reference/sql/create-network-rule). The rule is built from the
host of the login URL (My Domain, Developer Edition ``*.develop.my.salesforce.com``, sandbox
``*.sandbox.my.salesforce.com``, scratch org, Trailhead playground: whatever the URL names) plus
the ``instance_url`` host Salesforce returns with the token when that one differs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lht.errors import ConfigError
from lht.warehouse.identifiers import validate_identifier

__all__ = [
    "DEFAULT_DATABASE",
    "SetupSettings",
    "database_name",
    "host_port",
    "integration_name",
    "network_hosts",
    "user_name",
]

DEFAULT_DATABASE = "LHT"
_LOOPBACK = ("127.0.0.1", "localhost")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
#: Characters that would break the JSON string inside the secret's SQL string literal.
_UNSAFE = re.compile(r"['\"\\\x00-\x1f\x7f]")
_MAX_USER = 255


def host_port(url: str, what: str = "URL") -> str:
    """``https://acme.my.salesforce.com`` → ``acme.my.salesforce.com:443`` (a rule value).

    https on any host; plain http only on a loopback host (a local rehearsal against the
    emulator). An explicit port is kept; the default is the scheme's (443 / 80).
    """
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{what} has an invalid port: {url!r}") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host or not _HOST.fullmatch(host):
        raise ConfigError(f"{what} must be https://<host>[:port], got {url!r}")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise ConfigError(f"{what} must use https (http only for 127.0.0.1/localhost): {url!r}")
    if (
        parts.username
        or parts.password
        or parts.query
        or parts.fragment
        or parts.path not in ("", "/")
    ):
        raise ConfigError(f"{what} must be a bare origin (no path, query or user): {url!r}")
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"


def network_hosts(login_url: str, instance_url: str | None = None) -> tuple[str, ...]:
    """Rule values for the login host, plus the instance host when it differs."""
    hosts = [host_port(login_url, "login URL")]
    if instance_url:
        extra = host_port(instance_url, "instance URL")
        if extra not in hosts:
            hosts.append(extra)
    return tuple(hosts)


def integration_name(database: str) -> str:
    """The external access integration of one install: ``<DATABASE>_SALESFORCE_ACCESS``.

    Integrations are account objects; one per database keeps two installs (e.g. LHT and
    LHT_DEV) from sharing one integration and so one set of allowed secrets.
    """
    return validate_identifier(database, "database") + "_SALESFORCE_ACCESS"


def user_name(value: str) -> str:
    """The deploy user as ``GRANT ... TO USER "<name>"`` needs it (quoted, case-sensitive).

    A name that is a plain identifier (``jane``) is upper-cased, since that is how Snowflake
    stored it if it was created unquoted; anything else (``jane.doe@acme.com``) is kept as
    given, exactly as ``SHOW USERS`` prints it.
    """
    name = value.strip()
    if not name or len(name) > _MAX_USER or _UNSAFE.search(name):
        raise ConfigError(f"invalid deploy user {value!r}: no quotes, backslashes or control chars")
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", name):
        return name.upper()
    return name


def database_name(env: Mapping[str, str]) -> str:
    """``LHT_DATABASE`` (default ``LHT``), upper-cased; a plain identifier, since the integration
    is named after it."""
    return validate_identifier(env.get("LHT_DATABASE") or DEFAULT_DATABASE, "LHT_DATABASE")


def _credential(value: str | None, what: str) -> str:
    if not value:
        raise ConfigError(f"set {what} (see README, Deploying to Snowflake)")
    if _UNSAFE.search(value) or value != value.strip():
        raise ConfigError(f"{what} contains quotes, backslashes, spaces or control characters")
    return value


@dataclass(frozen=True)
class SetupSettings:
    """Everything ``sql/setup.sql`` is rendered with; credentials kept out of ``repr``."""

    database: str
    warehouse: str
    deploy_user: str
    login_url: str
    hosts: tuple[str, ...]
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> SetupSettings:
        """From ``LHT_DATABASE`` (default LHT), ``LHT_WAREHOUSE``, ``LHT_DEPLOY_USER``,
        ``SF_LOGIN_URL`` (or ``SF_MY_DOMAIN``), optional ``SF_INSTANCE_URL``, ``SF_CLIENT_ID``,
        ``SF_CLIENT_SECRET``."""
        login = env.get("SF_LOGIN_URL") or _my_domain_url(env.get("SF_MY_DOMAIN"))
        if not login:
            raise ConfigError("set SF_LOGIN_URL (e.g. https://acme.my.salesforce.com)")
        hosts = network_hosts(login, env.get("SF_INSTANCE_URL"))
        for name in ("LHT_WAREHOUSE", "LHT_DEPLOY_USER"):
            if not env.get(name):
                raise ConfigError(f"set {name} (see README, Deploying to Snowflake)")
        return cls(
            database=database_name(env),
            warehouse=validate_identifier(env["LHT_WAREHOUSE"], "LHT_WAREHOUSE"),
            deploy_user=user_name(env["LHT_DEPLOY_USER"]),
            login_url=login.strip().rstrip("/"),
            hosts=hosts,
            client_id=_credential(env.get("SF_CLIENT_ID"), "SF_CLIENT_ID"),
            client_secret=_credential(env.get("SF_CLIENT_SECRET"), "SF_CLIENT_SECRET"),
        )

    def template_variables(self) -> dict[str, str]:
        """``-D`` values for ``snow sql -f sql/setup.sql`` (credentials go by environment)."""
        return {
            "database": self.database,
            "warehouse": self.warehouse,
            "deploy_user": self.deploy_user,
            "sf_login_url": self.login_url,
            "sf_network_hosts": ", ".join(f"'{host}'" for host in self.hosts),
        }


def _my_domain_url(prefix: str | None) -> str | None:
    """The older ``SF_MY_DOMAIN=acme`` setting, read as ``https://acme.my.salesforce.com``."""
    return f"https://{prefix}.my.salesforce.com" if prefix else None
