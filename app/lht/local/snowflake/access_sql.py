"""Reading the access-control statements: roles, users, GRANT/REVOKE, USE ROLE, SHOW GRANTS.

Grammar from docs.snowflake.com (sql-reference/sql/...): ``create-role``, ``drop-role``,
``grant-role``, ``revoke-role``, ``grant-privilege``, ``revoke-privilege``, ``grant-ownership``,
``use-role``, ``use-secondary-roles``, ``show-grants``, ``create-user``, ``drop-user``,
``alter-schema`` (``ENABLE | DISABLE MANAGED ACCESS``). A statement that does not follow it is
refused with Snowflake's syntax error (see :class:`~lht.local.snowflake.sqltext.Parser`).
Parsing only: what the statements do is :mod:`lht.local.snowflake.access`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = [
    "AlterManagedAccess",
    "CreateRole",
    "CreateUser",
    "DropRole",
    "DropUser",
    "GrantOwnership",
    "GrantPrivileges",
    "GrantRole",
    "On",
    "ShowGrants",
    "UseRole",
    "UseSecondaryRoles",
    "parse",
]

#: Object types a GRANT may name (multi-word ones first), singular and plural.
TYPES = (
    "EXTERNAL ACCESS INTEGRATION",
    "NETWORK RULE",
    "FILE FORMAT",
    "MATERIALIZED VIEW",
    "DYNAMIC TABLE",
    "EXTERNAL TABLE",
    "ACCOUNT",
    "DATABASE",
    "SCHEMA",
    "TABLE",
    "VIEW",
    "STAGE",
    "PROCEDURE",
    "FUNCTION",
    "SECRET",
    "TASK",
    "SEQUENCE",
    "INTEGRATION",
    "WAREHOUSE",
    "USER",
    "ROLE",
)
PLURALS = {
    "NETWORK RULES": "NETWORK RULE",
    "FILE FORMATS": "FILE FORMAT",
    "MATERIALIZED VIEWS": "MATERIALIZED VIEW",
    "DYNAMIC TABLES": "DYNAMIC TABLE",
    "EXTERNAL TABLES": "EXTERNAL TABLE",
    "SCHEMAS": "SCHEMA",
    "TABLES": "TABLE",
    "VIEWS": "VIEW",
    "STAGES": "STAGE",
    "PROCEDURES": "PROCEDURE",
    "FUNCTIONS": "FUNCTION",
    "SECRETS": "SECRET",
    "TASKS": "TASK",
    "SEQUENCES": "SEQUENCE",
}


@dataclass(frozen=True)
class On:
    """What a GRANT names: one object, ``ALL <types> IN`` or ``FUTURE <types> IN`` a
    container, or the account."""

    kind: str
    name: ObjectName | None = None
    signature: tuple[str, ...] | None = None  # argument types of a procedure/function
    scope: str = "object"  # object | all | future
    container_kind: str | None = None
    container: ObjectName | None = None


@dataclass(frozen=True)
class GrantPrivileges:
    privileges: tuple[str, ...]
    on: On
    grantee: str
    grant_option: bool = False
    revoke: bool = False


@dataclass(frozen=True)
class GrantRole:
    role: str
    to_kind: str  # ROLE | USER
    to: str
    revoke: bool = False


@dataclass(frozen=True)
class GrantOwnership:
    on: On
    to_role: str
    current_grants: str | None = None  # COPY | REVOKE | None


@dataclass(frozen=True)
class CreateRole:
    name: str
    or_replace: bool = False
    if_not_exists: bool = False
    comment: str = ""


@dataclass(frozen=True)
class DropRole:
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class CreateUser:
    name: str
    or_replace: bool = False
    if_not_exists: bool = False
    default_role: str | None = None
    secondary_all: bool = True  # DEFAULT_SECONDARY_ROLES = ('ALL') unless () is given


@dataclass(frozen=True)
class DropUser:
    name: str
    if_exists: bool = False


@dataclass(frozen=True)
class UseRole:
    name: str


@dataclass(frozen=True)
class UseSecondaryRoles:
    all: bool
    roles: tuple[str, ...] = ()  # USE SECONDARY ROLES r1, r2


@dataclass(frozen=True)
class ShowGrants:
    """``mode``: on (an object), to_role, to_user, of_role, future (IN a container), mine."""

    mode: str
    kind: str = ""
    name: ObjectName | None = None
    signature: tuple[str, ...] | None = None


@dataclass(frozen=True)
class AlterManagedAccess:
    schema: ObjectName
    enable: bool


Command = (
    GrantPrivileges
    | GrantRole
    | GrantOwnership
    | CreateRole
    | DropRole
    | CreateUser
    | DropUser
    | UseRole
    | UseSecondaryRoles
    | ShowGrants
    | AlterManagedAccess
)


def parse(sql: str) -> Command:
    """The command of one access-control statement (raises Snowflake's syntax error)."""
    p = Parser(sql)
    if p.at("GRANT") or p.at("REVOKE"):
        return _grant(p)
    if p.at("USE"):
        return _use(p)
    if p.at("SHOW"):
        return _show(p)
    if p.at("ALTER"):
        return _alter_schema(p)
    if p.at("DROP"):
        return _drop(p)
    return _create(p)


def _words_until(p: Parser, *stops: str) -> str:
    words: list[str] = []
    while p.peek().kind == "word" and p.peek().value not in stops:
        words.append(p.next().value)
    if not words:
        raise p.error()
    return " ".join(words)


def _privileges(p: Parser) -> tuple[str, ...]:
    if p.accept("ALL"):
        p.accept("PRIVILEGES")
        return ("ALL",)
    privileges = [_words_until(p, "ON")]
    while p.accept_punct(","):
        privileges.append(_words_until(p, "ON"))
    return tuple(privileges)


def _type(p: Parser, plural: bool = False) -> str:
    table = list(PLURALS) if plural else list(TYPES)
    for name in sorted(table, key=lambda n: -len(n.split())):
        if p.accept(*name.split()):
            return PLURALS[name] if plural else name
    raise p.error()


def _signature(p: Parser) -> tuple[str, ...]:
    """``(type, type)`` of a procedure/function: each type's words and (precision, scale)."""

    def one() -> str:
        text = _words_until(p)
        if p.accept_punct("("):
            args = [p.number()]
            while p.accept_punct(","):
                args.append(p.number())
            p.expect_punct(")")
            text += "(" + ",".join(args) + ")"
        return text

    return tuple(p.parenthesized(one, allow_empty=True))


def _on(p: Parser) -> On:
    p.expect("ON")
    scope = "future" if p.accept("FUTURE") else "all" if p.accept("ALL") else "object"
    if scope != "object":
        kind = _type(p, plural=True)
        p.expect("IN")
        container_kind = p.one_of("DATABASE", "SCHEMA")
        return On(kind, scope=scope, container_kind=container_kind, container=p.object_name())
    kind = _type(p)
    if kind == "ACCOUNT":
        return On("ACCOUNT")
    name = p.object_name()
    signature = _signature(p) if kind in ("PROCEDURE", "FUNCTION") else None
    return On(kind, name, signature)


def _grantee(p: Parser) -> str:
    if p.accept("DATABASE", "ROLE"):
        raise p.error(p.tokens[p.index - 1])  # database roles are not modelled
    p.accept("ROLE")
    return p.identifier()


def _grant(p: Parser) -> Command:
    revoke = p.one_of("GRANT", "REVOKE") == "REVOKE"
    if p.accept("ROLE"):
        role = p.identifier()
        p.expect("FROM" if revoke else "TO")
        to_kind = p.one_of("ROLE", "USER")
        command = GrantRole(role, to_kind, p.identifier(), revoke)
        p.end()
        return command
    if not revoke and p.accept("OWNERSHIP"):
        on = _on(p)
        p.expect("TO")
        to_role = _grantee(p)
        current = None
        if p.at("COPY") or p.at("REVOKE"):
            current = p.one_of("COPY", "REVOKE")
            p.expect("CURRENT", "GRANTS")
        p.end()
        return GrantOwnership(on, to_role, current)
    if revoke:
        p.accept("GRANT", "OPTION", "FOR")
    privileges = _privileges(p)
    on = _on(p)
    p.expect("FROM" if revoke else "TO")
    grantee = _grantee(p)
    option = not revoke and p.accept("WITH", "GRANT", "OPTION")
    if revoke:
        p.accept("RESTRICT") or p.accept("CASCADE")
    p.end()
    return GrantPrivileges(privileges, on, grantee, option, revoke)


def _use(p: Parser) -> Command:
    p.expect("USE")
    if p.accept("SECONDARY", "ROLES") or p.accept("SECONDARY", "ROLE"):
        if p.accept("ALL") or p.accept("NONE"):
            command = UseSecondaryRoles(p.tokens[p.index - 1].value == "ALL")
        else:
            roles = [p.identifier()]
            while p.accept_punct(","):
                roles.append(p.identifier())
            command = UseSecondaryRoles(False, tuple(roles))
        p.end()
        return command
    p.expect("ROLE")
    name = p.identifier()
    p.end()
    return UseRole(name)


def _show(p: Parser) -> Command:
    p.expect("SHOW")
    if p.accept("FUTURE", "GRANTS", "IN"):
        kind = p.one_of("DATABASE", "SCHEMA")
        command = ShowGrants("future", kind, p.object_name())
    else:
        p.expect("GRANTS")
        if p.accept("ON"):
            kind = _type(p)
            name = None if kind == "ACCOUNT" else p.object_name()
            sig = _signature(p) if kind in ("PROCEDURE", "FUNCTION") else None
            command = ShowGrants("on", kind, name, sig)
        elif p.accept("TO"):
            kind = p.one_of("ROLE", "USER")
            command = ShowGrants(
                "to_role" if kind == "ROLE" else "to_user", kind, ObjectName((p.identifier(),))
            )
        elif p.accept("OF", "ROLE"):
            command = ShowGrants("of_role", "ROLE", ObjectName((p.identifier(),)))
        else:
            command = ShowGrants("mine")
    p.end()
    return command


def _alter_schema(p: Parser) -> Command:
    p.expect("ALTER", "SCHEMA")
    p.accept("IF", "EXISTS")
    name = p.object_name()
    enable = p.one_of("ENABLE", "DISABLE") == "ENABLE"
    p.expect("MANAGED", "ACCESS")
    p.end()
    return AlterManagedAccess(name, enable)


def _drop(p: Parser) -> Command:
    p.expect("DROP")
    kind = p.one_of("ROLE", "USER")
    if_exists = p.accept("IF", "EXISTS")
    name = p.identifier()
    p.end()
    return DropRole(name, if_exists) if kind == "ROLE" else DropUser(name, if_exists)


def _create(p: Parser) -> Command:
    p.expect("CREATE")
    replace = p.accept("OR", "REPLACE")
    kind = p.one_of("ROLE", "USER")
    if_not_exists = p.accept("IF", "NOT", "EXISTS")
    name = p.identifier()
    properties = _properties(p)
    p.end()
    if kind == "ROLE":
        return CreateRole(name, replace, if_not_exists, properties.get("COMMENT", ""))
    default = properties.get("DEFAULT_ROLE")
    secondary = properties.get("DEFAULT_SECONDARY_ROLES", "ALL") == "ALL"
    return CreateUser(name, replace, if_not_exists, default, secondary)


def _properties(p: Parser) -> dict[str, str]:
    """``NAME = value`` pairs (strings, identifiers, numbers, booleans) up to the end."""
    out: dict[str, str] = {}
    while p.peek().kind == "word":
        key = p.next().value
        p.expect_punct("=")
        if p.at_punct("("):  # a list, e.g. DEFAULT_SECONDARY_ROLES = ('ALL')
            out[key] = ",".join(p.parenthesized(p.string, allow_empty=True)).upper()
            continue
        token = p.next()
        if token.kind not in ("string", "word", "qident", "number"):
            raise p.error(token)
        out[key] = token.value
    return out
