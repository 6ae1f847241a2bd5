"""Role boundaries of a deployment (#10 item 3): on a database set up by all of sql/setup.sql
under the roles it names, what LHT_OPERATOR and a role with no grants may and may not do.

The deployment is set up as the README says: setup.sql as the deploy user, then one object
synced, the Snowsight views created and a SYNC_CONFIG entry stored by LHT_ADMIN (what the
owner's-rights procedures do; the session has no secondary roles, so it acts as LHT_ADMIN
alone). The operator is a user holding only LHT_OPERATOR, "whoever should run syncs" (README,
"Snowflake: roles and objects"); NOBODY is a role granted nothing.

The documented design for SYNC_CONFIG: the operator stores entries through
``CALL LHT.SET_SYNC_CONFIG`` (an owner's-rights procedure); plain SQL on the table is for
LHT_ADMIN (README, "Scheduling many objects": "plain SQL works too (as LHT_ADMIN)"), so the
operator holds SELECT only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import snowflake.connector

from lht.orchestrate import config
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.sync.options import SyncRequest
from lht.sync.service import run_sync
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse.runner import StatementRunner
from tests.e2e.deployed_db import create_deployed_database

Run = Callable[[str], list[tuple[Any, ...]]]

TABLES = ("SYNC_RUNS", "SYNC_STATE", "SYNC_CONFIG", "SYNC_GRAPH_RUNS", "PUSH_RUNS", "PUSH_RESULTS")
VIEWS = ("SYNC_STATUS", "SYNC_HISTORY", "API_USAGE", "PUSH_HISTORY")


class Deployment:
    """The deployed database, and sessions on it as a user with exactly one role."""

    operator: Run  # a user holding LHT_OPERATOR only
    nobody: Run  # a user holding a role granted nothing
    accounts: int  # rows synced into RAW.ACCOUNTS

    def __init__(self, warehouse: Any, database: str, admin: Run) -> None:
        self.warehouse, self.database, self.admin = warehouse, database, admin
        self.connections: list[Any] = []

    def as_user(self, user: str, role: str) -> Run:
        configs = {**self.warehouse._configs(self.warehouse._port), "user": user, "role": role,
                   "database": self.database, "schema": "LHT"}  # fmt: skip
        conn = snowflake.connector.connect(**configs)
        self.connections.append(conn)
        return lambda sql: list(conn.cursor().execute(sql).fetchall())


@pytest.fixture(scope="module")
def deployment(local_warehouse: Any, emu_server: Any) -> Iterator[Deployment]:
    emu_server.reset()
    tag = uuid.uuid4().hex[:6].upper()
    session = local_warehouse.new_session()
    users = (f"OPERATOR_{tag}", f"NOBODY_{tag}")
    account = snowflake.connector.connect(**local_warehouse._configs(local_warehouse._port))

    def admin(sql: str) -> list[tuple[Any, ...]]:  # the account administrator
        return list(account.cursor().execute(sql).fetchall())

    try:
        database = create_deployed_database(session, emu_server.base_url, {
            "SF_CLIENT_ID": emu_server.client_id, "SF_CLIENT_SECRET": emu_server.client_secret,
        }, "LHT_ROLES")  # fmt: skip
        session.sql("USE SECONDARY ROLES NONE").collect()  # LHT_ADMIN alone, as a procedure
        assert session.sql("SELECT CURRENT_ROLE()").collect()[0][0] == "LHT_ADMIN"
        creds = Credentials(emu_server.base_url, emu_server.client_id, emu_server.client_secret)
        client = SalesforceClient(creds, sleeper=lambda _s: None)
        result = run_sync(session, client, SyncRequest("Account", "RAW", "ACCOUNTS"))
        assert result["success"], result["error"]
        config.ensure_orchestration_objects(StatementRunner(session), ost.OrchestrateTables())
        config.set_config(session, "Account", "RAW", "ACCOUNTS")
        admin(f"CREATE USER {users[0]} PASSWORD = 'x'")
        admin(f"GRANT ROLE LHT_OPERATOR TO USER {users[0]}")
        admin(f"CREATE ROLE NOBODY_{tag}")
        admin(f"CREATE USER {users[1]} PASSWORD = 'x'")
        admin(f"GRANT ROLE NOBODY_{tag} TO USER {users[1]}")
        deployment = Deployment(local_warehouse, database, admin)
        deployment.operator = deployment.as_user(users[0], "LHT_OPERATOR")
        deployment.nobody = deployment.as_user(users[1], f"NOBODY_{tag}")
        deployment.accounts = result["actual_records"]
        yield deployment
        for conn in deployment.connections:
            conn.close()
    finally:
        for user in users:
            admin(f"DROP USER IF EXISTS {user}")
        admin(f"DROP ROLE IF EXISTS NOBODY_{tag}")
        account.close()
        local_warehouse.close_session(session)


def _error(run: Run, sql: str) -> str:
    with pytest.raises(snowflake.connector.errors.ProgrammingError) as err:
        run(sql)
    return " ".join(str(err.value.msg).split())


def _insufficient(kind: str, name: str) -> str:
    return (
        "003001 (42501): SQL access control error: Insufficient privileges to operate on "
        f"{kind} '{name}'."
    )


def test_operator_reads_state_tables_views_and_synced_tables(deployment: Any) -> None:
    operator = deployment.operator
    assert operator("SELECT CURRENT_ROLE()") == [("LHT_OPERATOR",)]
    for name in (*TABLES, *VIEWS):
        operator(f"SELECT COUNT(*) FROM LHT.{name}")  # raises when not granted
    assert operator("SELECT COUNT(*) FROM RAW.ACCOUNTS") == [(deployment.accounts,)]
    assert deployment.accounts > 0
    history = operator("SELECT SOBJECT, STATUS FROM LHT.SYNC_HISTORY")
    assert history == [("Account", "SUCCESS")]
    assert operator("SELECT SOBJECT, TARGET_TABLE FROM LHT.SYNC_CONFIG") == [
        ("Account", "ACCOUNTS")
    ]


def test_operator_cannot_see_or_describe_the_salesforce_secret(deployment: Any) -> None:
    secret = f"{deployment.database}.LHT.SALESFORCE_OAUTH"
    assert _error(deployment.operator, "DESCRIBE SECRET LHT.SALESFORCE_OAUTH") == (
        f"002003 (02000): SQL compilation error: Secret '{secret}' does not exist or not "
        "authorized."
    )
    assert deployment.operator("SHOW SECRETS IN SCHEMA LHT") == []
    shown = deployment.admin(f"SHOW SECRETS IN SCHEMA {deployment.database}.LHT")
    assert [(r[1], r[4]) for r in shown] == [("SALESFORCE_OAUTH", "LHT_ADMIN")]
    assert "does not exist or not authorized" in _error(
        deployment.operator, "SHOW GRANTS ON SECRET LHT.SALESFORCE_OAUTH"
    )


def test_operator_show_lists_only_what_it_holds_a_privilege_on(deployment: Any) -> None:
    """SHOW lists an object only for a role holding a privilege on it (sql/show)."""
    operator, admin, database = deployment.operator, deployment.admin, deployment.database
    assert operator("SHOW NETWORK RULES IN SCHEMA LHT") == []
    assert [r[1] for r in admin(f"SHOW NETWORK RULES IN SCHEMA {database}.LHT")] == [
        "SALESFORCE_API"
    ]
    integration = f"{database}_SALESFORCE_ACCESS"
    assert integration not in {r[0] for r in operator("SHOW INTEGRATIONS")}
    assert integration in {r[0] for r in admin("SHOW INTEGRATIONS")}
    assert "COMPUTE_WH" in {r[0] for r in operator("SHOW WAREHOUSES")}  # setup.sql: USAGE


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO LHT.SYNC_CONFIG (SOBJECT, TARGET_SCHEMA, TARGET_TABLE, SYNC_GROUP, ENABLED) "
        "VALUES ('Lead', 'RAW', 'LEADS', 'DEFAULT', TRUE)",
        "UPDATE LHT.SYNC_CONFIG SET ENABLED = FALSE",
        "DELETE FROM LHT.SYNC_CONFIG",
        "TRUNCATE TABLE LHT.SYNC_CONFIG",
        "MERGE INTO LHT.SYNC_CONFIG c USING (SELECT 'RAW' AS S) n ON c.TARGET_SCHEMA = n.S "
        "WHEN MATCHED THEN UPDATE SET ENABLED = FALSE",
        "DROP TABLE LHT.SYNC_CONFIG",
        "ALTER TABLE LHT.SYNC_CONFIG ADD COLUMN X INT",
    ],
)
def test_operator_changes_sync_config_only_through_the_procedures(
    deployment: Any, sql: str
) -> None:
    before = deployment.admin(f"SELECT * FROM {deployment.database}.LHT.SYNC_CONFIG")
    assert _error(deployment.operator, sql) == _insufficient("table", "SYNC_CONFIG")
    assert deployment.admin(f"SELECT * FROM {deployment.database}.LHT.SYNC_CONFIG") == before


@pytest.mark.parametrize(
    ("sql", "kind", "name"),
    [
        ("UPDATE LHT.SYNC_STATE SET WATERMARK = NULL", "table", "SYNC_STATE"),
        ("DELETE FROM LHT.SYNC_RUNS", "table", "SYNC_RUNS"),
        ("INSERT INTO RAW.ACCOUNTS (\"Id\") VALUES ('001000000000000AAA')", "table", "ACCOUNTS"),
        ("DELETE FROM RAW.ACCOUNTS", "table", "ACCOUNTS"),
        ("DROP TABLE RAW.ACCOUNTS", "table", "ACCOUNTS"),
        ("CREATE OR REPLACE VIEW LHT.SYNC_STATUS AS SELECT 1 AS X", "schema", "LHT"),
    ],
)
def test_operator_cannot_change_state_runs_synced_rows_or_views(
    deployment: Any, sql: str, kind: str, name: str
) -> None:
    assert _error(deployment.operator, sql).startswith(_insufficient(kind, name))


@pytest.mark.parametrize(
    ("sql", "privilege"),
    [
        ("CREATE TABLE LHT.T (A INT)", "CREATE TABLE"),
        ("CREATE STAGE LHT.S", "CREATE STAGE"),
        ("CREATE SECRET LHT.S TYPE = GENERIC_STRING SECRET_STRING = 'x'", "CREATE SECRET"),
        ("CREATE TASK LHT.T WAREHOUSE = COMPUTE_WH AS SELECT 1", "CREATE TASK"),
        ("CREATE SCHEMA RAW2", "CREATE SCHEMA"),
    ],
)
def test_operator_cannot_create_objects(deployment: Any, sql: str, privilege: str) -> None:
    database = deployment.database
    on = f"DATABASE {database}" if privilege == "CREATE SCHEMA" else f"SCHEMA {database}.LHT"
    message = _error(deployment.operator, sql)
    assert f"Your primary role LHT_OPERATOR must have {privilege} granted on {on}." in message
    assert message.startswith("003001 (42501): SQL access control error:")


def test_operator_cannot_read_or_write_the_stages(deployment: Any) -> None:
    stage = f"{deployment.database}.LHT.LHT_STAGE"
    missing = (
        f"002003 (02000): SQL compilation error: Stage '{stage}' does not exist or not authorized."
    )
    assert _error(deployment.operator, "LIST @LHT.LHT_STAGE") == missing
    assert _error(deployment.operator, "REMOVE @LHT.LHT_STAGE") == missing


@pytest.mark.parametrize(
    "sql",
    [
        "USE DATABASE {db}",
        "SELECT * FROM {db}.LHT.SYNC_RUNS",
        "SELECT * FROM {db}.LHT.SYNC_STATUS",
        "SELECT * FROM {db}.RAW.ACCOUNTS",
        "DESCRIBE SECRET {db}.LHT.SALESFORCE_OAUTH",
        "UPDATE {db}.LHT.SYNC_CONFIG SET ENABLED = FALSE",
        "CREATE TABLE {db}.LHT.T (A INT)",
        "LIST @{db}.LHT.LHT_STAGE",
    ],
)
def test_a_role_without_grants_can_do_none_of_it(deployment: Any, sql: str) -> None:
    message = _error(deployment.nobody, sql.format(db=deployment.database))
    assert message == (
        f"002003 (02000): SQL compilation error: Database '{deployment.database}' does not "
        "exist or not authorized."
    )
    assert deployment.nobody(f"SHOW SECRETS IN DATABASE {deployment.database}") == []
