"""Parsing GRANT/REVOKE, roles, users, USE ROLE and SHOW GRANTS."""

from __future__ import annotations

import pytest

from lht.local.snowflake.access_sql import (
    AlterManagedAccess,
    CreateRole,
    CreateUser,
    DropRole,
    GrantOwnership,
    GrantPrivileges,
    GrantRole,
    On,
    ShowGrants,
    UseRole,
    UseSecondaryRoles,
    parse,
)
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import ObjectName


def _n(*parts: str) -> ObjectName:
    return ObjectName(parts)


def test_setup_sql_statements_parse() -> None:
    assert parse("CREATE ROLE IF NOT EXISTS LHT_ADMIN COMMENT = 'LHT: owns'") == CreateRole(
        "LHT_ADMIN", if_not_exists=True, comment="LHT: owns"
    )
    assert parse("GRANT ROLE LHT_OPERATOR TO ROLE LHT_ADMIN;") == GrantRole(
        "LHT_OPERATOR", "ROLE", "LHT_ADMIN"
    )
    assert parse("GRANT ROLE LHT_ADMIN TO USER jane") == GrantRole("LHT_ADMIN", "USER", "JANE")
    assert parse("GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE LHT_ADMIN") == GrantPrivileges(
        ("USAGE",), On("WAREHOUSE", _n("COMPUTE_WH")), "LHT_ADMIN"
    )
    assert parse("GRANT OWNERSHIP ON DATABASE LHT TO ROLE LHT_ADMIN COPY CURRENT GRANTS") == (
        GrantOwnership(On("DATABASE", _n("LHT")), "LHT_ADMIN", "COPY")
    )
    assert parse("GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE LHT_ADMIN") == GrantPrivileges(
        ("EXECUTE MANAGED TASK",), On("ACCOUNT"), "LHT_ADMIN"
    )
    assert parse("GRANT USAGE ON FUTURE SCHEMAS IN DATABASE LHT TO ROLE LHT_OPERATOR") == (
        GrantPrivileges(
            ("USAGE",),
            On("SCHEMA", scope="future", container_kind="DATABASE", container=_n("LHT")),
            "LHT_OPERATOR",
        )
    )
    assert parse("GRANT SELECT ON FUTURE VIEWS IN SCHEMA LHT.LHT TO ROLE LHT_OPERATOR") == (
        GrantPrivileges(
            ("SELECT",),
            On("VIEW", scope="future", container_kind="SCHEMA", container=_n("LHT", "LHT")),
            "LHT_OPERATOR",
        )
    )
    assert parse("GRANT SELECT ON TABLE LHT.LHT.SYNC_RUNS TO ROLE LHT_OPERATOR") == (
        GrantPrivileges(("SELECT",), On("TABLE", _n("LHT", "LHT", "SYNC_RUNS")), "LHT_OPERATOR")
    )
    assert parse("USE ROLE ACCOUNTADMIN;") == UseRole("ACCOUNTADMIN")


def test_privilege_lists_all_and_grant_option() -> None:
    command = parse("GRANT USAGE, CREATE TABLE ON SCHEMA db.raw TO lht_admin WITH GRANT OPTION")
    assert command == GrantPrivileges(
        ("USAGE", "CREATE TABLE"), On("SCHEMA", _n("DB", "RAW")), "LHT_ADMIN", grant_option=True
    )
    assert parse("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA s TO ROLE r") == GrantPrivileges(
        ("ALL",), On("TABLE", scope="all", container_kind="SCHEMA", container=_n("S")), "R"
    )


def test_procedure_signature_and_revoke() -> None:
    command = parse("GRANT USAGE ON PROCEDURE lht.p(VARCHAR, NUMBER(38, 0), OBJECT) TO ROLE r")
    assert command == GrantPrivileges(
        ("USAGE",), On("PROCEDURE", _n("LHT", "P"), ("VARCHAR", "NUMBER(38,0)", "OBJECT")), "R"
    )
    assert parse("REVOKE GRANT OPTION FOR SELECT ON VIEW v FROM ROLE r CASCADE") == (
        GrantPrivileges(("SELECT",), On("VIEW", _n("V")), "R", revoke=True)
    )
    assert parse("REVOKE ROLE a FROM USER b") == GrantRole("A", "USER", "B", revoke=True)


def test_show_use_secondary_alter_drop_create_user() -> None:
    assert parse("SHOW GRANTS ON SCHEMA lht.lht") == ShowGrants("on", "SCHEMA", _n("LHT", "LHT"))
    assert parse("SHOW GRANTS ON ACCOUNT") == ShowGrants("on", "ACCOUNT")
    assert parse("SHOW GRANTS TO ROLE r") == ShowGrants("to_role", "ROLE", _n("R"))
    assert parse("SHOW GRANTS TO USER u") == ShowGrants("to_user", "USER", _n("U"))
    assert parse("SHOW GRANTS OF ROLE r") == ShowGrants("of_role", "ROLE", _n("R"))
    assert parse("SHOW FUTURE GRANTS IN SCHEMA lht.lht") == ShowGrants(
        "future", "SCHEMA", _n("LHT", "LHT")
    )
    assert parse("SHOW GRANTS") == ShowGrants("mine")
    assert parse("USE SECONDARY ROLES ALL") == UseSecondaryRoles(True)
    assert parse("ALTER SCHEMA lht.lht ENABLE MANAGED ACCESS") == AlterManagedAccess(
        _n("LHT", "LHT"), True
    )
    assert parse("DROP ROLE IF EXISTS LHT_OPERATOR") == DropRole("LHT_OPERATOR", True)
    assert parse("CREATE USER ops PASSWORD = 'x' DEFAULT_ROLE = LHT_OPERATOR") == CreateUser(
        "OPS", default_role="LHT_OPERATOR"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "GRANT SELECT ON TABLE t",
        "GRANT ON TABLE t TO ROLE r",
        "GRANT SELECT ON GIZMO g TO ROLE r",
        "USE ROLE",
        "GRANT ROLE r TO GROUP g",
    ],
)
def test_syntax_errors_are_snowflakes(sql: str) -> None:
    with pytest.raises(SqlError) as err:
        parse(sql)
    assert err.value.errno == 1003 and "syntax error line 1 at position" in err.value.message


def test_use_secondary_roles_list() -> None:
    assert parse("USE SECONDARY ROLES a, b") == UseSecondaryRoles(False, ("A", "B"))
    assert parse("USE SECONDARY ROLES NONE") == UseSecondaryRoles(False)
    assert parse("CREATE USER u DEFAULT_SECONDARY_ROLES = ()") == CreateUser(
        "U", secondary_all=False
    )
    assert parse("CREATE USER u DEFAULT_SECONDARY_ROLES = ('ALL')") == CreateUser("U")
