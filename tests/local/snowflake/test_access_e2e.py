"""Access control on the running stand-in: roles, grants, future grants, managed access,
ownership, login roles — through real connector sessions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import snowflake.connector

from lht.local.runtime import LocalWarehouse

Run = Callable[[str], list[tuple[Any, ...]]]


def _connect(warehouse: LocalWarehouse, user: str, role: str | None = None) -> Any:
    configs = warehouse._configs(warehouse._port)  # the test's own stand-in
    configs = {**configs, "user": user}
    if role:
        configs["role"] = role
    return snowflake.connector.connect(**configs)


@pytest.fixture
def names() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6].upper()
    return {k: f"{k}_{tag}" for k in ("OWNER", "READER", "NOBODY", "S", "M", "OPS")}


@pytest.fixture
def admin(local_warehouse: LocalWarehouse, names: dict[str, str]) -> Iterator[Run]:
    """ACCOUNTADMIN (the local user); drops the test's roles, users and schemas afterwards."""
    conn = _connect(local_warehouse, "lht_local")

    def run(sql: str) -> list[tuple[Any, ...]]:
        return list(conn.cursor().execute(sql).fetchall())

    yield run
    for key in ("S", "M"):
        run(f"DROP SCHEMA IF EXISTS LHT_LOCAL.{names[key]} CASCADE")
    for key in ("OWNER", "READER", "NOBODY"):
        run(f"DROP ROLE IF EXISTS {names[key]}")
    run(f"DROP USER IF EXISTS {names['OPS']}")
    conn.close()


@pytest.fixture
def as_role(
    local_warehouse: LocalWarehouse, names: dict[str, str], admin: Run
) -> Iterator[Callable[[str], Run]]:
    """``as_role(role)`` → a runner on a session of user OPS (granted the test's roles)."""
    admin(f"CREATE USER {names['OPS']} PASSWORD = 'x' DEFAULT_SECONDARY_ROLES = ()")
    conns: list[Any] = []

    def open_as(role: str) -> Run:
        conn = _connect(local_warehouse, names["OPS"], role)
        conns.append(conn)
        return lambda sql: list(conn.cursor().execute(sql).fetchall())

    yield open_as
    for conn in conns:
        conn.close()


def _error(run: Run, sql: str) -> str:
    with pytest.raises(snowflake.connector.errors.ProgrammingError) as err:
        run(sql)
    return str(err.value.msg)  # the connector shows "002003 (02000): <message>"


def _roles(admin: Run, names: dict[str, str]) -> None:
    for key in ("OWNER", "READER", "NOBODY"):
        admin(f"CREATE ROLE {names[key]}")
        admin(f"GRANT ROLE {names[key]} TO USER {names['OPS']}")
    admin(f"GRANT ROLE {names['OWNER']} TO ROLE SYSADMIN")
    admin(f"CREATE SCHEMA LHT_LOCAL.{names['S']}")
    admin(f"GRANT OWNERSHIP ON SCHEMA LHT_LOCAL.{names['S']} TO ROLE {names['OWNER']}")
    admin(f"GRANT USAGE ON DATABASE LHT_LOCAL TO ROLE {names['OWNER']}")
    admin(f"GRANT USAGE ON DATABASE LHT_LOCAL TO ROLE {names['READER']}")


def test_reading_needs_usage_and_select_with_snowflakes_errors(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner, reader = as_role(names["OWNER"]), as_role(names["READER"])
    s = names["S"]
    owner(f"CREATE TABLE LHT_LOCAL.{s}.T (A INT)")
    owner(f"INSERT INTO LHT_LOCAL.{s}.T VALUES (1)")
    assert _error(reader, f"SELECT * FROM LHT_LOCAL.{s}.T") == (
        f"002003 (02000): SQL compilation error:\nSchema 'LHT_LOCAL.{s}' does not exist or not "
        "authorized."
    )
    owner(f"GRANT USAGE ON SCHEMA LHT_LOCAL.{s} TO ROLE {names['READER']}")
    assert _error(reader, f"SELECT * FROM LHT_LOCAL.{s}.T") == (
        f"002003 (42S02): SQL compilation error:\nObject 'LHT_LOCAL.{s}.T' does not exist or "
        "not authorized."
    )
    owner(f"GRANT SELECT ON TABLE LHT_LOCAL.{s}.T TO ROLE {names['READER']}")
    assert reader(f"SELECT A FROM LHT_LOCAL.{s}.T") == [(1,)]
    assert _error(reader, f"INSERT INTO LHT_LOCAL.{s}.T VALUES (2)") == (
        "003001 (42501): SQL access control error:\nInsufficient privileges to operate on "
        "table 'T'."
    )
    assert "Your primary role" in _error(reader, f"CREATE TABLE LHT_LOCAL.{s}.U (A INT)")
    nobody = as_role(names["NOBODY"])
    assert "Database 'LHT_LOCAL' does not exist or not authorized." in _error(
        nobody, f"SELECT * FROM LHT_LOCAL.{s}.T"
    )


def test_created_objects_are_owned_by_the_creating_role(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner = as_role(names["OWNER"])
    s = names["S"]
    owner(f"CREATE TABLE LHT_LOCAL.{s}.T (A INT)")
    rows = admin(f"SHOW GRANTS ON TABLE LHT_LOCAL.{s}.T")
    assert [(r[1], r[5]) for r in rows] == [("OWNERSHIP", names["OWNER"])]
    owner(f"DROP TABLE LHT_LOCAL.{s}.T")


def test_future_grants_need_manage_grants_unless_managed_schema_owner(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner, reader = as_role(names["OWNER"]), as_role(names["READER"])
    s, m = names["S"], names["M"]
    grant = f"GRANT SELECT ON FUTURE TABLES IN SCHEMA LHT_LOCAL.{{}} TO ROLE {names['READER']}"
    assert _error(owner, grant.format(s)) == (
        "003001 (42501): SQL access control error:\nInsufficient privileges to operate on "
        f"schema '{s}'."
    )
    admin(grant.format(s))  # ACCOUNTADMIN holds MANAGE GRANTS (through SECURITYADMIN)
    owner(f"GRANT USAGE ON SCHEMA LHT_LOCAL.{s} TO ROLE {names['READER']}")
    owner(f"CREATE TABLE LHT_LOCAL.{s}.LATER (A INT)")
    assert reader(f"SELECT COUNT(*) FROM LHT_LOCAL.{s}.LATER") == [(0,)]
    admin(f"CREATE SCHEMA LHT_LOCAL.{m} WITH MANAGED ACCESS")
    admin(f"GRANT OWNERSHIP ON SCHEMA LHT_LOCAL.{m} TO ROLE {names['OWNER']} COPY CURRENT GRANTS")
    owner(grant.format(m))  # the managed-access schema's owner may
    rows = admin(f"SHOW FUTURE GRANTS IN SCHEMA LHT_LOCAL.{m}")
    assert [(r[1], r[2], r[5]) for r in rows] == [("SELECT", "TABLE", names["READER"])]


def test_use_role_and_login_role_must_be_granted(
    local_warehouse: LocalWarehouse,
    admin: Run,
    as_role: Callable[[str], Run],
    names: dict[str, str],
) -> None:
    _roles(admin, names)
    admin(f"REVOKE ROLE {names['NOBODY']} FROM USER {names['OPS']}")
    reader = as_role(names["READER"])
    assert _error(reader, f"USE ROLE {names['NOBODY']}") == (
        f"003013 (42501): SQL access control error:\nRequested role '{names['NOBODY']}' is not "
        "assigned to the executing user.  Specify another role to activate."
    )
    reader(f"USE ROLE {names['READER']}")
    assert reader("SELECT CURRENT_ROLE()") == [(names["READER"],)]
    with pytest.raises(snowflake.connector.errors.Error) as err:
        _connect(local_warehouse, names["OPS"], names["NOBODY"])
    assert "is not granted to this user" in str(err.value)


def test_grant_ownership_copy_current_grants_keeps_grants(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    s = names["S"]
    admin(f"CREATE TABLE LHT_LOCAL.{s}.T (A INT)")
    admin(f"GRANT SELECT ON TABLE LHT_LOCAL.{s}.T TO ROLE {names['READER']}")
    assert "COPY CURRENT GRANTS" in _error(
        admin, f"GRANT OWNERSHIP ON TABLE LHT_LOCAL.{s}.T TO ROLE {names['OWNER']}"
    )
    admin(f"GRANT OWNERSHIP ON TABLE LHT_LOCAL.{s}.T TO ROLE {names['OWNER']} COPY CURRENT GRANTS")
    rows = {(r[1], r[5]) for r in admin(f"SHOW GRANTS ON TABLE LHT_LOCAL.{s}.T")}
    assert rows == {("OWNERSHIP", names["OWNER"]), ("SELECT", names["READER"])}


def test_views_are_read_with_select_on_the_view_only(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner, reader = as_role(names["OWNER"]), as_role(names["READER"])
    s = names["S"]
    owner(f"CREATE TABLE LHT_LOCAL.{s}.BASE (A INT)")
    owner(f"CREATE VIEW LHT_LOCAL.{s}.V AS SELECT A FROM LHT_LOCAL.{s}.BASE")
    owner(f"GRANT USAGE ON SCHEMA LHT_LOCAL.{s} TO ROLE {names['READER']}")
    owner(f"GRANT SELECT ON VIEW LHT_LOCAL.{s}.V TO ROLE {names['READER']}")
    assert reader(f"SELECT COUNT(*) FROM LHT_LOCAL.{s}.V") == [(0,)]
    assert "does not exist or not authorized" in _error(reader, f"SELECT * FROM LHT_LOCAL.{s}.BASE")


def test_secondary_roles_all_add_the_users_other_roles_except_for_create(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner, reader = as_role(names["OWNER"]), as_role(names["READER"])
    s = names["S"]
    owner(f"CREATE TABLE LHT_LOCAL.{s}.T (A INT)")
    owner(f"GRANT USAGE ON SCHEMA LHT_LOCAL.{s} TO ROLE {names['READER']}")
    assert "does not exist or not authorized" in _error(reader, f"SELECT * FROM LHT_LOCAL.{s}.T")
    reader("USE SECONDARY ROLES ALL")  # OWNER is granted to the same user
    assert reader(f"SELECT COUNT(*) FROM LHT_LOCAL.{s}.T") == [(0,)]
    assert "Your primary role" in _error(reader, f"CREATE TABLE LHT_LOCAL.{s}.U (A INT)")
    reader("USE SECONDARY ROLES NONE")
    assert "does not exist or not authorized" in _error(reader, f"SELECT * FROM LHT_LOCAL.{s}.T")


def test_a_secret_is_invisible_to_a_role_without_privileges(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner, reader = as_role(names["OWNER"]), as_role(names["READER"])
    s = names["S"]
    owner(f"CREATE SECRET LHT_LOCAL.{s}.CRED TYPE = GENERIC_STRING SECRET_STRING = 'x'")
    owner(f"GRANT USAGE ON SCHEMA LHT_LOCAL.{s} TO ROLE {names['READER']}")
    assert owner(f"DESCRIBE SECRET LHT_LOCAL.{s}.CRED")
    assert _error(reader, f"DESCRIBE SECRET LHT_LOCAL.{s}.CRED") == (
        f"002003 (02000): SQL compilation error:\nSecret 'LHT_LOCAL.{s}.CRED' does not exist or "
        "not authorized."
    )
    assert "does not exist or not authorized" in _error(reader, f"DROP SECRET LHT_LOCAL.{s}.CRED")


def test_a_failed_create_records_nothing(
    admin: Run, as_role: Callable[[str], Run], names: dict[str, str]
) -> None:
    _roles(admin, names)
    owner = as_role(names["OWNER"])
    s = names["S"]
    assert _error(owner, f"CREATE TABLE LHT_LOCAL.{s}.T (A NO_SUCH_TYPE)")
    assert "does not exist or not authorized" in _error(
        admin, f"SHOW GRANTS ON TABLE LHT_LOCAL.{s}.T"
    )
    admin(f"CREATE TABLE LHT_LOCAL.{s}.T (A INT)")  # and ACCOUNTADMIN's table is its own
    assert [(r[1], r[5]) for r in admin(f"SHOW GRANTS ON TABLE LHT_LOCAL.{s}.T")] == [
        ("OWNERSHIP", "ACCOUNTADMIN")
    ]
