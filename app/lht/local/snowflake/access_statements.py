"""The access-control statements the local Snowflake answers itself.

``CREATE/DROP ROLE``, ``CREATE/DROP USER``, ``GRANT/REVOKE ROLE``, ``GRANT/REVOKE <privileges>``
(objects, ``ALL ... IN``, ``FUTURE ... IN``, ``ON ACCOUNT``), ``GRANT OWNERSHIP [COPY|REVOKE
CURRENT GRANTS]``, ``USE ROLE``, ``USE SECONDARY ROLES``, ``ALTER SCHEMA ... ENABLE|DISABLE
MANAGED ACCESS``, ``SHOW GRANTS ON/TO/OF``, ``SHOW FUTURE GRANTS IN``, ``SHOW ROLES``. Parsing
is :mod:`.access_sql`, the rules :mod:`.access_checks`; status texts are Snowflake's
("Statement executed successfully.", "Role R successfully created.").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lht.local.snowflake import access_sql as q
from lht.local.snowflake.access import (
    AccessControl,
    control,
    find,
    principal,
    raise_denial,
    ref_of,
    replaced_owner,
)
from lht.local.snowflake.access_checks import (
    Principal,
    check_account,
    check_future_grant,
    check_grant,
    check_grant_role,
    check_ownership_transfer,
    check_privilege,
    check_use_role,
    not_found,
)
from lht.local.snowflake.access_grants_show import show_grants, show_roles
from lht.local.snowflake.access_hook import authorize_sql, exists
from lht.local.snowflake.access_types import (
    ACCOUNT,
    ACCOUNT_PRIVILEGES,
    OBJECT_PRIVILEGES,
    OWNERSHIP,
    SYSTEM_ROLES,
    Ref,
    expand,
)
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DDL, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName

__all__ = ["register"]

_OK = "Statement executed successfully."


def register(registry: Registry) -> None:
    for verb, kind in (
        ("GRANT", ""),
        ("REVOKE", ""),
        ("USE", "ROLE"),
        ("USE", "SECONDARY"),
        ("CREATE", "ROLE"),
        ("DROP", "ROLE"),
        ("CREATE", "USER"),
        ("DROP", "USER"),
        ("ALTER", "SCHEMA"),
    ):
        registry.add(verb, kind, run)
    registry.add("SHOW", "GRANTS", show_grants)
    registry.add("SHOW", "FUTURE GRANTS", show_grants)
    registry.add("SHOW", "ROLES", show_roles)


def run(stmt: Statement) -> Result:
    if stmt.words[:2] == ("ALTER", "SCHEMA") and "MANAGED" not in stmt.sql.upper():
        authorize_sql(stmt)  # any other ALTER SCHEMA is fakesnow's
        stmt.execute(stmt.sql)
        for done in stmt.on_success:
            done()
        stmt.on_success.clear()
        return status(_OK)
    command = q.parse(stmt.sql)
    ac = control(stmt.catalog)
    p = principal(stmt.session)
    handler = _HANDLERS[type(command)]
    with ac.lock:
        result = handler(stmt, ac, p, command)
        ac.save()
    return result


def _role_exists(ac: AccessControl, role: str) -> None:
    if role not in ac.state.roles:
        raise_denial(not_found(Ref("ROLE", role)))


# -- roles and users -------------------------------------------------------------------------------


def _create_role(stmt: Statement, ac: AccessControl, p: Principal, c: q.CreateRole) -> Result:
    raise_denial(check_account(ac.state, p, "CREATE ROLE"))
    if c.name in ac.state.roles:
        if c.if_not_exists:
            return status(f"{c.name} already exists, statement succeeded.", DDL)
        if not c.or_replace or c.name in SYSTEM_ROLES:
            raise SqlError.already_exists(c.name)
        raise_denial(check_privilege(ac.state, p, Ref("ROLE", c.name), OWNERSHIP))
        ac.state.drop_role(c.name, dropped_by=p.role)
    ac.state.create_role(c.name, owner=p.role, comment=c.comment)
    return status(f"Role {c.name} successfully created.", DDL)


def _drop_role(stmt: Statement, ac: AccessControl, p: Principal, c: q.DropRole) -> Result:
    if c.name not in ac.state.roles:
        if c.if_exists:
            return status(f"Drop statement executed successfully ({c.name} already dropped).")
        raise_denial(not_found(Ref("ROLE", c.name)))
    if c.name in SYSTEM_ROLES:
        raise SqlError(
            3041, "42601", f"SQL compilation error:\nCannot drop system role '{c.name}'."
        )
    raise_denial(check_privilege(ac.state, p, Ref("ROLE", c.name), OWNERSHIP))
    ac.state.drop_role(c.name, dropped_by=p.role)
    for obj in [o for o in stmt.catalog if o.owner == c.name]:
        stmt.catalog.put(replaced_owner(obj, p.role))  # sql/drop-role: to the dropping role
    return status(f"{c.name} successfully dropped.")


def _create_user(stmt: Statement, ac: AccessControl, p: Principal, c: q.CreateUser) -> Result:
    raise_denial(check_account(ac.state, p, "CREATE USER"))
    if c.name in ac.state.users and not c.or_replace:
        if c.if_not_exists:
            return status(f"{c.name} already exists, statement succeeded.", DDL)
        raise SqlError.already_exists(c.name)
    ac.state.create_user(
        c.name, owner=p.role, default_role=c.default_role, secondary_all=c.secondary_all
    )
    return status(f"User {c.name} successfully created.", DDL)


def _drop_user(stmt: Statement, ac: AccessControl, p: Principal, c: q.DropUser) -> Result:
    if c.name not in ac.state.users:
        if c.if_exists:
            return status(f"Drop statement executed successfully ({c.name} already dropped).")
        raise_denial(not_found(Ref("USER", c.name)))
    raise_denial(check_privilege(ac.state, p, Ref("USER", c.name), OWNERSHIP))
    ac.state.drop_user(c.name)
    return status(f"{c.name} successfully dropped.")


def _grant_role(stmt: Statement, ac: AccessControl, p: Principal, c: q.GrantRole) -> Result:
    raise_denial(check_grant_role(ac.state, p, c.role))
    s = ac.state
    if c.to_kind == "USER":
        if c.to not in s.users:
            raise_denial(not_found(Ref("USER", c.to)))
        if c.revoke:
            s.revoke_role_from_user(c.role, c.to)
        else:
            s.grant_role_to_user(c.role, c.to, by=p.role)
        return status(_OK)
    _role_exists(ac, c.to)
    if c.revoke:
        s.revoke_role(c.role, c.to)
    elif c.role == c.to or s.is_ancestor(c.role, c.to):
        raise SqlError(
            3012,
            "42601",
            f"SQL compilation error:\nCannot grant role {c.role} to "
            f"role {c.to}: {c.to} is already granted to {c.role} (a cycle).",
        )
    else:
        s.grant_role(c.role, c.to, by=p.role)
    return status(_OK)


def _use_role(stmt: Statement, ac: AccessControl, p: Principal, c: q.UseRole) -> Result:
    raise_denial(check_use_role(ac.state, p.user, c.name))
    stmt.session.role = c.name
    return status(_OK, 0)


def _use_secondary(
    stmt: Statement, ac: AccessControl, p: Principal, c: q.UseSecondaryRoles
) -> Result:
    for role in c.roles:  # each named role must be the user's (sql/use-secondary-roles)
        raise_denial(check_use_role(ac.state, p.user, role))
    stmt.session.attributes["secondary_all"] = c.all
    stmt.session.attributes["secondary_roles"] = c.roles
    return status(_OK, 0)


# -- privileges -----------------------------------------------------------------------------------


def _targets(stmt: Statement, ac: AccessControl, on: q.On) -> list[Ref]:
    """The objects a GRANT names (every existing one for ``ALL ... IN``)."""
    if on.kind == ACCOUNT:
        return [Ref(ACCOUNT, ac.state.account)]
    if on.scope == "all":
        container = _container(stmt, on)
        return _all_in(stmt, on.kind, container)
    assert on.name is not None
    ref = _object_ref(stmt, on.kind, on.name.parts, on.signature)
    if not _object_exists(stmt, ref):
        raise_denial(not_found(ref))
    return [ref]


def _object_ref(
    stmt: Statement, kind: str, parts: Sequence[str], signature: Sequence[str] | None
) -> Ref:
    kind = "INTEGRATION" if kind.endswith("INTEGRATION") else kind
    if kind in ("DATABASE", "WAREHOUSE", "INTEGRATION", "ROLE", "USER"):
        return ref_of(kind, tuple(parts[-1:]))
    if kind == "SCHEMA":
        qualified = parts if len(parts) == 2 else (stmt.session.database or "", parts[-1])
        return ref_of(kind, tuple(qualified))
    database, schema, name = stmt.qualify(_name(parts), f"GRANT ON {kind}")
    sig = ",".join(signature or ())
    if kind in ("PROCEDURE", "FUNCTION"):
        sig = _catalog_signature(stmt, kind, (database, schema, name), signature or ())
    return ref_of(kind, (database, schema, name), sig)


def _name(parts: Sequence[str]) -> ObjectName:
    return ObjectName(tuple(parts))


def _catalog_signature(
    stmt: Statement, kind: str, parts: tuple[str, str, str], types: Sequence[str]
) -> str:
    """The stored signature of the overload whose argument types match ``types``."""
    wanted = [t.split("(")[0].upper() for t in types]
    for obj in stmt.catalog.find(kind, database=parts[0], schema=parts[1], name=parts[2]):
        inner = obj.signature.strip()[1:-1] if obj.signature.startswith("(") else obj.signature
        stored = [t.strip().split("(")[0].split(" ")[-1].upper()
                  for t in inner.split(",") if t.strip()]  # fmt: skip
        if _same_types(stored, wanted):
            return str(obj.signature)
    return "(" + ", ".join(types) + ")"


def _same_types(a: list[str], b: list[str]) -> bool:
    synonyms = {
        "STRING": "VARCHAR",
        "TEXT": "VARCHAR",
        "INT": "NUMBER",
        "INTEGER": "NUMBER",
        "DOUBLE": "FLOAT",
        "BIGINT": "NUMBER",
        "DECIMAL": "NUMBER",
    }
    return [synonyms.get(x, x) for x in a] == [synonyms.get(x, x) for x in b]


def _object_exists(stmt: Statement, ref: Ref) -> bool:
    if ref.kind in ("ROLE",):
        return ref.name in control(stmt.catalog).state.roles
    if ref.kind == "USER":
        return ref.name in control(stmt.catalog).state.users
    if ref.kind in ("TABLE", "VIEW", "SCHEMA", "DATABASE", "MATERIALIZED VIEW"):
        return exists(stmt, ref)
    return find(stmt.catalog, ref) is not None


def _container(stmt: Statement, on: q.On) -> Ref:
    assert on.container is not None and on.container_kind is not None
    parts = on.container.parts
    if on.container_kind == "DATABASE":
        return ref_of("DATABASE", (parts[-1],))
    qualified = parts if len(parts) == 2 else (stmt.session.database or "", parts[-1])
    return ref_of("SCHEMA", tuple(qualified))


def _all_in(stmt: Statement, kind: str, container: Ref) -> list[Ref]:
    """Existing objects of ``kind`` in a database or schema (GRANT ... ON ALL ... IN)."""
    parts = [p.strip('"') for p in container.parts]
    if kind in ("TABLE", "VIEW"):
        duck = stmt.session.connection._duck_conn  # fakesnow's DuckDB connection
        table_type = "BASE TABLE" if kind == "TABLE" else "VIEW"
        sql = (
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables "
            "WHERE upper(table_catalog) = upper(?) AND table_type = ?"
        )
        params: list[object] = [parts[0], table_type]
        if container.kind == "SCHEMA":
            sql += " AND upper(table_schema) = upper(?)"
            params.append(parts[1])
        rows = duck.cursor().execute(sql, params).fetchall()
        return [ref_of(kind, (str(d).upper(), str(s).upper(), str(n).upper())) for d, s, n in rows]
    schema = parts[1] if container.kind == "SCHEMA" else None
    found = stmt.catalog.find(kind, database=parts[0], schema=schema)
    return [ref_of(kind, (o.database, o.schema, o.name), o.signature) for o in found]


def _grant(stmt: Statement, ac: AccessControl, p: Principal, c: q.GrantPrivileges) -> Result:
    _role_exists(ac, c.grantee)
    kind = "INTEGRATION" if c.on.kind.endswith("INTEGRATION") else c.on.kind
    privileges = _valid_privileges(c.privileges, kind)
    if c.on.scope == "future":
        container = _container(stmt, c.on)
        raise_denial(check_future_grant(ac.state, p, container))
        for privilege in privileges:
            change = ac.state.revoke_future if c.revoke else _grant_future(ac, c)
            change(privilege, kind, container, c.grantee)
        return status(_OK)
    for ref in _targets(stmt, ac, c.on):
        for privilege in privileges:
            raise_denial(check_grant(ac.state, p, ref, privilege))
        for privilege in privileges:
            if c.revoke:
                ac.state.revoke(privilege, ref, c.grantee)
            else:
                ac.state.grant(privilege, ref, c.grantee, by=p.role, grant_option=c.grant_option)
    return status(_OK)


def _grant_future(ac: AccessControl, c: q.GrantPrivileges) -> Callable[[str, str, Ref, str], None]:
    def grant(privilege: str, kind: str, container: Ref, grantee: str) -> None:
        ac.state.grant_future(privilege, kind, container, grantee, grant_option=c.grant_option)

    return grant


def _valid_privileges(privileges: Sequence[str], kind: str) -> list[str]:
    allowed = ACCOUNT_PRIVILEGES if kind == ACCOUNT else OBJECT_PRIVILEGES.get(kind, frozenset())
    expanded = expand(privileges, kind)
    for privilege in expanded:
        if privilege not in allowed:
            raise SqlError(
                3011,
                "42501",
                f"Grant not executed: privilege {privilege} is not valid on {kind.lower()}s.",
            )
    return expanded


def _grant_ownership(
    stmt: Statement, ac: AccessControl, p: Principal, c: q.GrantOwnership
) -> Result:
    _role_exists(ac, c.to_role)
    kind = "INTEGRATION" if c.on.kind.endswith("INTEGRATION") else c.on.kind
    if c.on.scope == "future":
        container = _container(stmt, c.on)
        raise_denial(check_future_grant(ac.state, p, container))
        ac.state.grant_future(OWNERSHIP, kind, container, c.to_role)
        return status(_OK)
    for ref in _targets(stmt, ac, c.on):
        raise_denial(check_ownership_transfer(ac.state, p, ref))
        _transfer(stmt, ac, ref, c)
    return status(_OK)


def _transfer(stmt: Statement, ac: AccessControl, ref: Ref, c: q.GrantOwnership) -> None:
    """Move OWNERSHIP of ``ref`` to ``c.to_role`` (sql/grant-ownership): outbound grants are
    kept with COPY CURRENT GRANTS, dropped with REVOKE CURRENT GRANTS; without either the
    transfer is refused while any exist."""
    s = ac.state
    outbound = s.grants.get(ref.key, {})
    if outbound and c.current_grants is None:
        raise SqlError(
            3111,
            "42501",
            "SQL execution error:\nGrant not executed: the object "
            f"'{ref.name}' has privileges granted to other roles; specify COPY "
            "CURRENT GRANTS or REVOKE CURRENT GRANTS.",
        )
    if c.current_grants == "REVOKE":
        s.grants.pop(ref.key, None)
    obj = find(stmt.catalog, ref) if ref.kind not in ("ROLE", "USER") else None
    if obj is not None:
        if obj.kind == "TASK":  # a task changing hands is suspended (SHOW TASKS: GRANT_OWNERSHIP)
            obj = obj.with_properties(state="suspended", suspended_reason="GRANT_OWNERSHIP")
        stmt.catalog.put(replaced_owner(obj, c.to_role))
    else:
        s.set_owner(ref, c.to_role)


def _alter_managed(
    stmt: Statement, ac: AccessControl, p: Principal, c: q.AlterManagedAccess
) -> Result:
    ref = _object_ref(stmt, "SCHEMA", c.schema.parts, None)
    raise_denial(check_privilege(ac.state, p, ref, OWNERSHIP))
    if c.enable:
        ac.state.managed.add(ref.name)
    else:
        ac.state.managed.discard(ref.name)
    return status(_OK)


_HANDLERS: dict[type, Callable[..., Result]] = {
    q.CreateRole: _create_role,
    q.DropRole: _drop_role,
    q.CreateUser: _create_user,
    q.DropUser: _drop_user,
    q.GrantRole: _grant_role,
    q.UseRole: _use_role,
    q.UseSecondaryRoles: _use_secondary,
    q.GrantPrivileges: _grant,
    q.GrantOwnership: _grant_ownership,
    q.AlterManagedAccess: _alter_managed,
}
