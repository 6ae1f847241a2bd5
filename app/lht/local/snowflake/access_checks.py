"""Who may do what: Snowflake's access-control rules as pure checks over an AccessState.

Every check returns ``None`` (allowed) or a :class:`Denial` carrying the error Snowflake
returns. Two shapes (error numbers as the Python connector reports them):

* ``003001 (42501) SQL access control error: Insufficient privileges to operate on <type>
  '<name>'`` — the role can see the object (holds some privilege on it) but not the one needed;
* ``002003 (02000) SQL compilation error: <Type> '<name>' does not exist or not authorized.`` —
  the role holds nothing on it (Snowflake does not reveal whether it exists); tables and views
  say ``Object`` with sqlstate 42S02.

Rules, each from docs.snowflake.com:

* a role acts with its whole hierarchy: its own privileges and those of every role granted to it
  (user-guide/security-access-control-overview#role-hierarchy-and-privilege-inheritance);
  secondary roles (``USE SECONDARY ROLES ALL``; users' DEFAULT_SECONDARY_ROLES is ('ALL')
  since BCR 2024_08 #1692) add the user's other roles for everything but CREATE
  (sql-reference/sql/use-secondary-roles);
* the owner (and the roles above it) holds every privilege on its object
  (security-access-control-overview#object-ownership);
* "Operating on an object in a schema requires at least one privilege on the parent database
  and at least one privilege on the parent schema" (note in every CREATE/SELECT page's access
  control requirements, e.g. sql-reference/sql/create-table#access-control-requirements);
* creating an object needs CREATE <type> on its schema (CREATE SCHEMA on the database; CREATE
  DATABASE/ROLE/USER/WAREHOUSE/INTEGRATION on the account), checked against the primary role;
  ``OR REPLACE`` of an existing object also needs its OWNERSHIP (same pages);
* granting a privilege on an object needs OWNERSHIP of it, the privilege WITH GRANT OPTION, or
  the global MANAGE GRANTS; in a managed-access schema only the schema owner or MANAGE GRANTS
  (sql-reference/sql/grant-privilege#access-control-requirements;
  user-guide/security-access-control-configure#managed-access-schemas);
* privileges ON ACCOUNT are granted with MANAGE GRANTS (grant-privilege, global privileges);
* future grants need MANAGE GRANTS, except that in a managed-access schema the schema owner may
  define them for that schema ("In managed schemas, the schema owner manages all privilege
  grants, including future grants", grant-privilege#future-grants-on-database-or-schema-objects);
* granting a role needs OWNERSHIP of the role or MANAGE GRANTS (sql/grant-role);
* ``USE ROLE`` needs the role granted to the user, directly or below a granted role
  (sql/use-role), else ``003013 (42501) Requested role 'R' is not assigned to the executing
  user.  Specify another role to activate.``;
* ``GRANT OWNERSHIP`` needs OWNERSHIP of the object or MANAGE GRANTS (sql/grant-ownership);
* creating a procedure that binds secrets / external access integrations needs READ on each
  secret and USAGE on each integration for the creating role
  (sql/create-procedure#access-control-requirements);
* SHOW lists an object only when the role holds at least one privilege on it (any privilege
  since BCR 2024_06 #1665, not only USAGE) and, for a schema object, on its database and
  schema; MANAGE GRANTS sees every object (sql-reference/sql/show, general usage notes).
"""

from __future__ import annotations

from dataclasses import dataclass

from lht.local.snowflake.access_model import AccessState
from lht.local.snowflake.access_types import ACCOUNT, OWNERSHIP, Ref

__all__ = [
    "Denial",
    "Principal",
    "active_roles",
    "can_see",
    "check_account",
    "check_create",
    "check_future_grant",
    "check_grant",
    "check_grant_role",
    "check_ownership_transfer",
    "check_privilege",
    "check_procedure_bindings",
    "check_use_role",
    "creation_privilege",
    "insufficient",
    "not_found",
]

_TYPE_WORDS = {
    "TABLE": "Object",
    "VIEW": "Object",
    "MATERIALIZED VIEW": "Object",
    "NETWORK RULE": "Network rule",
    "FILE FORMAT": "File format",
}
#: Where the CREATE privilege of each type lives (the container kind, the privilege).
_ACCOUNT_CREATED = {"DATABASE", "ROLE", "USER", "WAREHOUSE", "INTEGRATION"}


@dataclass(frozen=True)
class Denial:
    """A refusal in Snowflake's shape (errno as the connector shows it, e.g. 3001)."""

    errno: int
    sqlstate: str
    message: str

    def __str__(self) -> str:
        return f"{self.errno:06d} ({self.sqlstate}): {self.message}"


@dataclass(frozen=True)
class Principal:
    """Who runs a statement: the user, the session's primary role, secondary roles on/off."""

    user: str
    role: str
    secondary_all: bool = False
    secondary: tuple[str, ...] = ()  # USE SECONDARY ROLES r1, r2


def insufficient(ref: Ref, account: str = "", hint: str = "") -> Denial:
    """``Insufficient privileges to operate on <type> '<name>'.`` (+ the hint Snowflake adds
    for CREATE: ``Your primary role R must have CREATE TABLE granted on SCHEMA DB.S.``)."""
    kind = ref.kind.lower()
    name = account if ref.kind == ACCOUNT and account else ref.short
    return Denial(
        3001,
        "42501",
        f"SQL access control error:\nInsufficient privileges to operate on {kind} '{name}'.{hint}",
    )


def not_found(ref: Ref) -> Denial:
    word = _TYPE_WORDS.get(ref.kind, ref.kind.capitalize())
    state = "42S02" if word == "Object" else "02000"
    name = ref.name.split("(", 1)[0]
    return Denial(
        2003, state, f"SQL compilation error:\n{word} '{name}' does not exist or not authorized."
    )


def active_roles(state: AccessState, p: Principal, *, creating: bool = False) -> frozenset[str]:
    """The roles a statement is authorised with (primary hierarchy, plus secondary roles)."""
    roles = state.closure(p.role)
    if creating:
        return roles
    if p.secondary_all:
        roles |= state.user_roles_closure(p.user)
    for role in p.secondary:
        roles |= state.closure(role)
    return roles


def _manages_grants(state: AccessState, roles: frozenset[str]) -> bool:
    return state.has(roles, "MANAGE GRANTS", Ref(ACCOUNT, state.account))


def _containers(state: AccessState, roles: frozenset[str], ref: Ref) -> Denial | None:
    """At least one privilege on the parent database and schema, else they 'do not exist'."""
    if ref.database:
        database = Ref("DATABASE", ref.database)
        if not state.any_privilege(roles, database):
            return not_found(database)
    if ref.schema:
        schema = Ref("SCHEMA", ref.schema)
        if not state.any_privilege(roles, schema):
            return not_found(schema)
    return None


def can_see(state: AccessState, p: Principal, ref: Ref) -> bool:
    """Whether a SHOW lists ``ref`` for ``p`` (sql-reference/sql/show, general usage notes)."""
    roles = active_roles(state, p)
    if _manages_grants(state, roles):
        return True
    return _containers(state, roles, ref) is None and state.any_privilege(roles, ref)


def check_privilege(state: AccessState, p: Principal, ref: Ref, privilege: str) -> Denial | None:
    """``privilege`` (or OWNERSHIP) on ``ref``, with its database and schema resolvable."""
    roles = active_roles(state, p)
    if ref.kind == ACCOUNT:
        return check_account(state, p, privilege)
    if denial := _containers(state, roles, ref):
        return denial
    if state.has(roles, privilege, ref):
        return None
    if state.any_privilege(roles, ref):
        return insufficient(ref, state.account)
    return not_found(ref)


def check_account(state: AccessState, p: Principal, privilege: str) -> Denial | None:
    """A global privilege (CREATE DATABASE, EXECUTE TASK, MANAGE GRANTS ...)."""
    if state.has(active_roles(state, p), privilege, Ref(ACCOUNT, state.account)):
        return None
    return insufficient(Ref(ACCOUNT, state.account), state.account)


def creation_privilege(ref: Ref) -> tuple[Ref, str]:
    """Where ``CREATE <type>`` of ``ref`` is checked: (container, privilege)."""
    kind = "INTEGRATION" if ref.kind.endswith("INTEGRATION") else ref.kind
    if kind in _ACCOUNT_CREATED:
        return Ref(ACCOUNT, ""), f"CREATE {kind}"
    if kind == "SCHEMA":
        return Ref("DATABASE", str(ref.database)), "CREATE SCHEMA"
    return Ref("SCHEMA", str(ref.schema)), f"CREATE {kind}"


def check_create(
    state: AccessState, p: Principal, ref: Ref, *, replaces: bool = False
) -> Denial | None:
    """``CREATE [OR REPLACE] <type> ref``; ``replaces`` when an existing object is replaced."""
    roles = active_roles(state, p, creating=True)
    container, privilege = creation_privilege(ref)
    if container.kind == ACCOUNT:
        container = Ref(ACCOUNT, state.account)
    elif denial := _containers(state, roles, container) or (
        None if state.any_privilege(roles, container) else not_found(container)
    ):
        return denial
    if not state.has(roles, privilege, container):
        on = f"{container.kind} {container.name}" if container.kind != ACCOUNT else ACCOUNT
        hint = f" Your primary role {p.role} must have {privilege} granted on {on}."
        return insufficient(container, state.account, hint)
    if replaces and not state.owns(roles, ref):
        return insufficient(ref, state.account)
    return None


def check_grant(state: AccessState, p: Principal, ref: Ref, privilege: str) -> Denial | None:
    """``GRANT|REVOKE <privilege> ON <ref>``."""
    roles = active_roles(state, p)
    if _manages_grants(state, roles):
        return None
    if ref.kind == ACCOUNT:
        return insufficient(Ref(ACCOUNT, state.account), state.account)
    if denial := _containers(state, roles, ref):
        return denial
    if ref.schema and ref.schema in state.managed:
        # only the managed-access schema's owner grants on what is inside it
        allowed = state.owns(roles, Ref("SCHEMA", ref.schema))
    else:
        allowed = state.owns(roles, ref) or state.has_grant_option(roles, privilege, ref)
    if allowed:
        return None
    return insufficient(ref, state.account) if state.any_privilege(roles, ref) else (not_found(ref))


def check_ownership_transfer(state: AccessState, p: Principal, ref: Ref) -> Denial | None:
    """``GRANT OWNERSHIP ON <ref>`` (the current owner, or MANAGE GRANTS)."""
    return check_grant(state, p, ref, OWNERSHIP)


def check_future_grant(state: AccessState, p: Principal, container: Ref) -> Denial | None:
    """``GRANT|REVOKE ... ON FUTURE <type>s IN <container>``."""
    roles = active_roles(state, p)
    if _manages_grants(state, roles):
        return None
    if denial := _containers(state, roles, container) or (
        None if state.any_privilege(roles, container) else not_found(container)
    ):
        return denial
    managed = container.kind == "SCHEMA" and container.name in state.managed
    if managed and state.owns(roles, container):
        return None
    return insufficient(container, state.account)


def check_grant_role(state: AccessState, p: Principal, role: str) -> Denial | None:
    """``GRANT|REVOKE ROLE <role> TO|FROM ...``: owner of the role or MANAGE GRANTS."""
    roles = active_roles(state, p)
    ref = Ref("ROLE", role)
    if role not in state.roles:
        return not_found(ref)
    if _manages_grants(state, roles) or state.owner(ref) in roles:
        return None
    return insufficient(ref, state.account)


def check_use_role(state: AccessState, user: str, role: str) -> Denial | None:
    """003013: the same answer whether the role is missing or just not the user's."""
    if role in state.roles and role in state.user_roles_closure(user):
        return None
    return Denial(
        3013,
        "42501",
        f"SQL access control error:\nRequested role '{role}' is not "
        "assigned to the executing user.  Specify another role to activate.",
    )


def check_procedure_bindings(
    state: AccessState, p: Principal, integrations: list[str], secrets: list[str]
) -> Denial | None:
    """USAGE on each external access integration and READ on each secret, for the creator."""
    for name in integrations:
        if denial := check_privilege(state, p, Ref("INTEGRATION", name), "USAGE"):
            return denial
    for name in secrets:
        if denial := check_privilege(state, p, Ref("SECRET", name), "READ"):
            return denial
    return None
