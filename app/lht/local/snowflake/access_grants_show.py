"""SHOW GRANTS / SHOW FUTURE GRANTS / SHOW ROLES: Snowflake's result columns, our rows.

Columns as docs.snowflake.com/en/sql-reference/sql/show-grants lists them: ``SHOW GRANTS ON``
and ``TO ROLE`` → created_on, privilege, granted_on, name, granted_to, grantee_name,
grant_option, granted_by; ``TO USER`` and ``OF ROLE`` → created_on, role, granted_to,
grantee_name, granted_by; ``SHOW FUTURE GRANTS IN`` → created_on, privilege, grant_on, name,
grant_to, grantee_name, grant_option. ``SHOW GRANTS`` alone lists the current user's roles.
Showing the grants on an object needs some privilege on it (or MANAGE GRANTS).
"""

from __future__ import annotations

from datetime import UTC, datetime

from lht.local.snowflake import access_sql as q
from lht.local.snowflake.access import control, principal, raise_denial
from lht.local.snowflake.access_checks import active_roles, not_found
from lht.local.snowflake.access_types import ACCOUNT, Grant, Ref
from lht.local.snowflake.registry import Statement
from lht.local.snowflake.responses import SHOW, Column, Result

__all__ = ["show_grants", "show_roles"]

ON_COLUMNS = (
    Column("created_on", "timestamp_ltz"),
    Column("privilege"),
    Column("granted_on"),
    Column("name"),
    Column("granted_to"),
    Column("grantee_name"),
    Column("grant_option", "boolean"),
    Column("granted_by"),
)
OF_COLUMNS = (
    Column("created_on", "timestamp_ltz"),
    Column("role"),
    Column("granted_to"),
    Column("grantee_name"),
    Column("granted_by"),
)
FUTURE_COLUMNS = (
    Column("created_on", "timestamp_ltz"),
    Column("privilege"),
    Column("grant_on"),
    Column("name"),
    Column("grant_to"),
    Column("grantee_name"),
    Column("grant_option", "boolean"),
)
ROLE_COLUMNS = (
    Column("created_on", "timestamp_ltz"),
    Column("name"),
    Column("is_default"),
    Column("is_current"),
    Column("is_inherited"),
    Column("assigned_to_users", "fixed"),
    Column("granted_to_roles", "fixed"),
    Column("granted_roles", "fixed"),
    Column("owner"),
    Column("comment"),
)


def _ts(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC) if text else None


def _row(g: Grant) -> list[object]:
    return [
        _ts(g.created_on),
        g.privilege,
        g.on.kind,
        g.on.name,
        "ROLE",
        g.grantee,
        g.grant_option,
        g.granted_by,
    ]


def show_grants(stmt: Statement) -> Result:
    from lht.local.snowflake.access_statements import (  # noqa: PLC0415
        _object_exists,
        _object_ref,
    )

    command = q.parse(stmt.sql)
    assert isinstance(command, q.ShowGrants)
    ac = control(stmt.catalog)
    p = principal(stmt.session)
    s = ac.state
    with ac.lock:
        if command.mode == "on":
            if command.kind == ACCOUNT:
                ref = Ref(ACCOUNT, s.account)
            else:
                assert command.name is not None
                ref = _object_ref(stmt, command.kind, command.name.parts, command.signature)
                if not _object_exists(stmt, ref):
                    raise_denial(not_found(ref))
                roles = active_roles(s, p)
                if not s.any_privilege(roles, ref) and not s.has(
                    roles, "MANAGE GRANTS", Ref(ACCOUNT, s.account)
                ):
                    raise_denial(not_found(ref))
            rows = [
                _row(g)
                for g in s.grants_on(ref)
                if ref.kind != ACCOUNT or g.privilege != "OWNERSHIP"
            ]
            return Result(ON_COLUMNS, rows, SHOW)
        if command.mode == "to_role":
            assert command.name is not None
            role = command.name.parts[0]
            return Result(ON_COLUMNS, [_row(g) for g in s.grants_to(role)], SHOW)
        if command.mode == "future":
            assert command.name is not None
            container = _object_ref(stmt, command.kind, command.name.parts, None)
            rows = [
                [
                    _ts(f.created_on),
                    f.privilege,
                    f.kind,
                    f"{f.container.name}.<{f.kind}>",
                    "ROLE",
                    f.grantee,
                    f.grant_option,
                ]
                for f in s.future_in(container)
            ]
            return Result(FUTURE_COLUMNS, rows, SHOW)
        return Result(OF_COLUMNS, _role_rows(stmt, command), SHOW)


def _role_rows(stmt: Statement, command: q.ShowGrants) -> list[list[object]]:
    s = control(stmt.catalog).state
    if command.mode in ("to_user", "mine"):
        user = command.name.parts[0] if command.name else (stmt.session.user or "")
        return [
            [None, role, "USER", user, by]
            for role, by in sorted(s.user_roles.get(user, {}).items())
        ]
    assert command.name is not None
    role = command.name.parts[0]
    rows: list[list[object]] = [
        [None, role, "ROLE", parent, by] for parent, by in sorted(s.parents.get(role, {}).items())
    ]
    rows += [
        [None, role, "USER", user, roles[role]]
        for user, roles in sorted(s.user_roles.items())
        if role in roles
    ]
    return rows


def show_roles(stmt: Statement) -> Result:
    s = control(stmt.catalog).state
    user = stmt.session.user or ""
    mine = s.user_roles.get(user, {})
    inherited = s.user_roles_closure(user)
    default = s.users[user].default_role if user in s.users else None
    rows = []
    for name, role in sorted(s.roles.items()):
        users = sum(1 for roles in s.user_roles.values() if name in roles)
        granted_to = len(s.parents.get(name, {}))
        granted = sum(1 for parents in s.parents.values() if name in parents)
        rows.append(
            [
                _ts(role.created_on),
                name,
                "Y" if name == default else "N",
                "Y" if name == stmt.session.role else "N",
                "Y" if name in inherited and name not in mine else "N",
                users,
                granted_to,
                granted,
                role.owner,
                role.comment,
            ]
        )
    return Result(ROLE_COLUMNS, rows, SHOW)
