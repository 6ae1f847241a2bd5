"""sql/setup.sql through ``snow sql -f`` under the roles it names, with access control on.

The original setup.sql (commit 35a2ed1) defined the schema-level future grants as LHT_ADMIN,
which owns the schema but has no MANAGE GRANTS: Snowflake refuses that with 003001. The
current file defines every future grant as ACCOUNTADMIN. Whether the original failed on a real
account depends on the deploying user's secondary roles: with DEFAULT_SECONDARY_ROLES =
('ALL') (Snowflake's default since BCR 2024_08) a user who also holds ACCOUNTADMIN has MANAGE
GRANTS through it even under ``USE ROLE LHT_ADMIN`` (only CREATE is limited to the primary
role), so both cases are shown.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import snowflake.connector

from lht.local.runtime import LocalWarehouse
from lht.local.snow_connection import SnowConnection, snow_env, write_connection

ROOT = Path(__file__).resolve().parents[3]
SNOW = ROOT / ".venv-snow" / "bin" / "snow"
#: sql/setup.sql as of commit 35a2ed1, before the future-grant fix (#16 item 2), verbatim
ORIGINAL = Path(__file__).parent / "fixtures" / "setup_35a2ed1.sql"

pytestmark = pytest.mark.skipif(not SNOW.exists(), reason=".venv-snow missing (scripts/_env.sh)")


def _snow_sql(warehouse: LocalWarehouse, home: Path, user: str, *args: str) -> str:
    """Run ``snow sql`` as ``user``; returns stdout + stderr, raises on a non-zero exit."""
    port = warehouse.connection_parameters["port"]
    write_connection(home, SnowConnection("deployer", port, user=user))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **snow_env(home),
           "SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "secret"}  # fmt: skip
    done = subprocess.run([str(SNOW), "sql", *args, "--connection", "deployer"],
                          capture_output=True, text=True, env=env, timeout=300,
                          check=False)  # fmt: skip
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise AssertionError(output)
    return output


@pytest.fixture
def admin(local_warehouse: LocalWarehouse) -> Iterator[Any]:
    conn = snowflake.connector.connect(**local_warehouse.connection_parameters)
    yield lambda sql: conn.cursor().execute(sql).fetchall()
    conn.close()


def _deployer(admin: Any, secondary: str) -> str:
    """A user holding ACCOUNTADMIN (setup.sql is run "as a user that may use ACCOUNTADMIN")."""
    user = f"DEPLOYER_{uuid.uuid4().hex[:6].upper()}"
    admin(f"CREATE USER {user} PASSWORD = 'x' DEFAULT_SECONDARY_ROLES = {secondary}")
    admin(f"GRANT ROLE ACCOUNTADMIN TO USER {user}")
    return user


def _original_vars(database: str, user: str) -> list[str]:
    values = {"database": database, "warehouse": "COMPUTE_WH", "deploy_user": user,
              "sf_my_domain": "acme", "sf_login_url": "https://acme.my.salesforce.com",
              "sf_client_id": "id", "sf_client_secret": "secret"}  # fmt: skip
    return [a for k, v in values.items() for a in ("-D", f"{k}={v}")]


def test_original_future_grants_as_lht_admin_fail_with_snowflakes_privilege_error(
    local_warehouse: LocalWarehouse, admin: Any, tmp_path: Path
) -> None:
    user = _deployer(admin, "()")
    database = f"LHT_ORIG_{uuid.uuid4().hex[:6].upper()}"
    script = ORIGINAL
    with pytest.raises(AssertionError) as failed:
        _snow_sql(local_warehouse, tmp_path, user, "-f", str(script),
                  *_original_vars(database, user))  # fmt: skip
    output = str(failed.value)
    ran, error = output.split("╭─ Error", 1)
    assert ran.rstrip().splitlines()[-1] == (
        f"GRANT USAGE ON FUTURE PROCEDURES IN SCHEMA {database}.LHT TO ROLE LHT_OPERATOR;"
    )  # the first future grant, run as LHT_ADMIN: everything before it succeeded
    flat = " ".join(re.sub(r"[│╰╯─]", " ", error).split())
    assert "003001 (42501):" in flat
    assert "SQL access control error: Insufficient privileges to operate on schema 'LHT'." in flat


def test_original_passes_for_a_deployer_with_secondary_roles_all(
    local_warehouse: LocalWarehouse, admin: Any, tmp_path: Path
) -> None:
    """Snowflake's default since BCR 2024_08: ACCOUNTADMIN is active as a secondary role."""
    user = _deployer(admin, "('ALL')")
    database = f"LHT_ORIG_{uuid.uuid4().hex[:6].upper()}"
    output = _snow_sql(local_warehouse, tmp_path, user, "-f", str(ORIGINAL),
                       *_original_vars(database, user))  # fmt: skip
    assert f"GRANT SELECT ON FUTURE VIEWS IN SCHEMA {database}.LHT TO ROLE LHT_OPERATOR" in output


def test_current_setup_sql_runs_under_its_roles_and_leaves_lht_admin_owning_the_schema(
    local_warehouse: LocalWarehouse, admin: Any, tmp_path: Path
) -> None:
    user = _deployer(admin, "()")
    database = f"LHT_SETUP_{uuid.uuid4().hex[:6].upper()}"
    values = {"database": database, "warehouse": "COMPUTE_WH", "deploy_user": user,
              "sf_login_url": "https://acme.my.salesforce.com",
              "sf_network_hosts": "'acme.my.salesforce.com:443'"}  # fmt: skip
    variables = [a for k, v in values.items() for a in ("-D", f"{k}={v}")]
    _snow_sql(local_warehouse, tmp_path, user, "-f", str(ROOT / "sql" / "setup.sql"), *variables)
    _snow_sql(local_warehouse, tmp_path, user, "-f", str(ROOT / "sql" / "setup.sql"), *variables)
    owners = {(r[1], r[5]) for r in admin(f"SHOW GRANTS ON SCHEMA {database}.LHT")}
    assert ("OWNERSHIP", "LHT_ADMIN") in owners and ("USAGE", "LHT_OPERATOR") in owners
    future = {(r[1], r[2], r[5]) for r in admin(f"SHOW FUTURE GRANTS IN SCHEMA {database}.LHT")}
    assert future == {("USAGE", "PROCEDURE", "LHT_OPERATOR"), ("SELECT", "VIEW", "LHT_OPERATOR")}
    secret = {(r[1], r[5]) for r in admin(f"SHOW GRANTS ON SECRET {database}.LHT.SALESFORCE_OAUTH")}
    assert secret == {("OWNERSHIP", "LHT_ADMIN")}  # the operator holds nothing on it
