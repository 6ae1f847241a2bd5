"""The vocabulary of the local Snowflake's access model: securables, privileges, grants.

Privilege names per object type follow user-guide/security-access-control-privileges (for the
types LHT uses); the system roles and what a new account gives them follow
user-guide/security-access-control-overview#system-defined-roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "ACCOUNT",
    "ACCOUNTADMIN",
    "ACCOUNT_PRIVILEGES",
    "ALL_PRIVILEGES",
    "NAMESPACE",
    "OBJECT_PRIVILEGES",
    "OWNERSHIP",
    "PUBLIC",
    "SECURITYADMIN",
    "SYSADMIN",
    "SYSTEM_ACCOUNT_GRANTS",
    "SYSTEM_HIERARCHY",
    "SYSTEM_ROLES",
    "USERADMIN",
    "FutureGrant",
    "Grant",
    "Ref",
    "expand",
    "now_text",
]

ACCOUNT = "ACCOUNT"
ACCOUNTADMIN, SECURITYADMIN, USERADMIN, SYSADMIN, PUBLIC = (
    "ACCOUNTADMIN",
    "SECURITYADMIN",
    "USERADMIN",
    "SYSADMIN",
    "PUBLIC",
)
SYSTEM_ROLES = (ACCOUNTADMIN, SECURITYADMIN, USERADMIN, SYSADMIN, PUBLIC)
OWNERSHIP = "OWNERSHIP"
ALL_PRIVILEGES = "ALL"

#: Privileges per object type (user-guide/security-access-control-privileges), for the types
#: LHT uses. ``ALL`` expands to these; OWNERSHIP is separate.
OBJECT_PRIVILEGES: dict[str, frozenset[str]] = {
    "DATABASE": frozenset({"USAGE", "MONITOR", "MODIFY", "CREATE SCHEMA", "CREATE DATABASE ROLE"}),
    "SCHEMA": frozenset(
        {
            "USAGE",
            "MONITOR",
            "MODIFY",
            "CREATE TABLE",
            "CREATE VIEW",
            "CREATE STAGE",
            "CREATE PROCEDURE",
            "CREATE FUNCTION",
            "CREATE SECRET",
            "CREATE NETWORK RULE",
            "CREATE TASK",
            "CREATE SEQUENCE",
            "CREATE FILE FORMAT",
            "CREATE STREAM",
            "CREATE PIPE",
            "CREATE TEMPORARY TABLE",
            "CREATE MATERIALIZED VIEW",
            "CREATE DYNAMIC TABLE",
        }
    ),
    "TABLE": frozenset(
        {
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "EVOLVE SCHEMA",
            "REBUILD",
        }
    ),
    "VIEW": frozenset({"SELECT", "REFERENCES"}),
    "STAGE": frozenset({"READ", "WRITE", "USAGE"}),
    "PROCEDURE": frozenset({"USAGE"}),
    "FUNCTION": frozenset({"USAGE"}),
    "SECRET": frozenset({"USAGE", "READ"}),
    "NETWORK RULE": frozenset({"USAGE"}),
    "INTEGRATION": frozenset({"USAGE", "USE_ANY_ROLE"}),
    "TASK": frozenset({"MONITOR", "OPERATE"}),
    "WAREHOUSE": frozenset({"USAGE", "OPERATE", "MODIFY", "MONITOR"}),
    "FILE FORMAT": frozenset({"USAGE"}),
    "SEQUENCE": frozenset({"USAGE"}),
    "ROLE": frozenset(),
    "USER": frozenset({"MONITOR"}),
}
#: Global privileges (security-access-control-privileges#global-privileges-account-level).
ACCOUNT_PRIVILEGES = frozenset(
    {
        "CREATE DATABASE",
        "CREATE ROLE",
        "CREATE USER",
        "CREATE WAREHOUSE",
        "CREATE INTEGRATION",
        "CREATE NETWORK POLICY",
        "EXECUTE TASK",
        "EXECUTE MANAGED TASK",
        "EXECUTE ALERT",
        "MANAGE GRANTS",
        "MONITOR EXECUTION",
        "MONITOR USAGE",
        "APPLY MASKING POLICY",
        "IMPORTED PRIVILEGES",
        "CREATE SHARE",
    }
)
#: What the system roles hold on the account in a new account (security-access-control-overview).
SYSTEM_ACCOUNT_GRANTS = {
    USERADMIN: ("CREATE USER", "CREATE ROLE"),
    SECURITYADMIN: ("MANAGE GRANTS",),
    SYSADMIN: ("CREATE DATABASE", "CREATE WAREHOUSE"),
    ACCOUNTADMIN: tuple(sorted(ACCOUNT_PRIVILEGES)),
}
SYSTEM_HIERARCHY = (
    (USERADMIN, SECURITYADMIN),
    (SECURITYADMIN, ACCOUNTADMIN),
    (SYSADMIN, ACCOUNTADMIN),
)
#: Object types sharing one namespace per schema (a view and a table cannot share a name).
NAMESPACE = {
    "VIEW": "TABLE",
    "MATERIALIZED VIEW": "TABLE",
    "DYNAMIC TABLE": "TABLE",
    "EXTERNAL TABLE": "TABLE",
}


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@dataclass(frozen=True)
class Ref:
    """One securable: ``kind`` (``TABLE``, ``SCHEMA`` ... or ``ACCOUNT``) and its full name."""

    kind: str
    name: str

    @property
    def key(self) -> tuple[str, str]:
        return (NAMESPACE.get(self.kind, self.kind), self.name)

    @property
    def parts(self) -> list[str]:
        return _split(self.name.split("(", 1)[0])

    @property
    def database(self) -> str | None:
        return self.parts[0] if self.kind in _SCHEMA_OBJECTS | {"SCHEMA"} else None

    @property
    def schema(self) -> str | None:
        return ".".join(self.parts[:2]) if self.kind in _SCHEMA_OBJECTS else None

    @property
    def short(self) -> str:
        return self.parts[-1] if self.parts else self.name


_SCHEMA_OBJECTS = frozenset(
    {
        "TABLE",
        "VIEW",
        "STAGE",
        "PROCEDURE",
        "FUNCTION",
        "SECRET",
        "NETWORK RULE",
        "TASK",
        "FILE FORMAT",
        "SEQUENCE",
        "MATERIALIZED VIEW",
        "DYNAMIC TABLE",
        "EXTERNAL TABLE",
    }
)


def _split(name: str) -> list[str]:
    """``A."b.c".D`` → ``['A', '"b.c"', 'D']`` (dots inside double quotes do not split)."""
    parts, current, quoted = [], "", False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


@dataclass(frozen=True)
class Grant:
    """One privilege on one object (or the account) held by one role."""

    privilege: str
    on: Ref
    grantee: str
    grant_option: bool = False
    granted_by: str = ""
    created_on: str = ""


@dataclass(frozen=True)
class FutureGrant:
    """``GRANT <privilege> ON FUTURE <kind>s IN <container> TO ROLE <grantee>``."""

    privilege: str
    kind: str
    container: Ref
    grantee: str
    grant_option: bool = False
    created_on: str = ""


def expand(privileges: Iterable[str], kind: str) -> list[str]:
    """``ALL [PRIVILEGES]`` → every privilege of ``kind``; others unchanged (upper case)."""
    out: list[str] = []
    for p in privileges:
        if p.upper() in (ALL_PRIVILEGES, "ALL PRIVILEGES"):
            out += sorted(ACCOUNT_PRIVILEGES if kind == ACCOUNT else OBJECT_PRIVILEGES[kind])
        else:
            out.append(p.upper())
    return out
