"""A fresh database set up by sql/setup.sql on the local Snowflake, rendered with the values
``scripts/deploy`` would pass (lht.deploy.settings) for a login URL on the emulator.

Every statement runs except roles and grants: those need the local Snowflake's roles (#10);
until they land, the session's role owns what setup.sql creates.
"""

from __future__ import annotations

import uuid
from typing import Any

from lht.deploy.settings import SetupSettings
from tests.sql.sqlfile import load

NOT_YET = ("CREATE ROLE", "GRANT")


def create_deployed_database(
    session: Any, login_url: str, credentials: dict[str, str], prefix: str = "LHT_E2E"
) -> str:
    """Run setup.sql for a new database (``credentials``: SF_CLIENT_ID / SF_CLIENT_SECRET);
    ``session`` ends up in its schema LHT. Returns the database name."""
    database = f"{prefix}_{uuid.uuid4().hex[:8].upper()}"
    env = {"LHT_DATABASE": database, "LHT_WAREHOUSE": "LHT_WH", "LHT_DEPLOY_USER": "jane",
           "SF_LOGIN_URL": login_url, **credentials}  # fmt: skip
    values = SetupSettings.from_environ(env).template_variables()
    for statement in load("setup.sql", values, credentials):
        if not statement.kind.startswith(NOT_YET):
            session.sql(statement.text).collect()
    session.sql(f"USE SCHEMA {database}.LHT").collect()
    return database
