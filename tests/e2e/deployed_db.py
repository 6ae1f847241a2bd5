"""A fresh database set up by sql/setup.sql on the local Snowflake, rendered with the values
``scripts/deploy`` would pass (lht.deploy.settings) for a login URL on the emulator.

Every statement runs, roles and grants included (the local Snowflake enforces them, #10): the
session's user (the local account administrator) is the deploy user, the warehouse is the
account's COMPUTE_WH, and the session ends as LHT_ADMIN, which owns what setup.sql creates.
"""

from __future__ import annotations

import uuid
from typing import Any

from lht.deploy.settings import SetupSettings
from tests.sql.sqlfile import load


def create_deployed_database(
    session: Any, login_url: str, credentials: dict[str, str], prefix: str = "LHT_E2E"
) -> str:
    """Run setup.sql for a new database (``credentials``: SF_CLIENT_ID / SF_CLIENT_SECRET);
    ``session`` ends up in its schema LHT. Returns the database name."""
    database = f"{prefix}_{uuid.uuid4().hex[:8].upper()}"
    user = session.sql("SELECT CURRENT_USER()").collect()[0][0]
    env = {"LHT_DATABASE": database, "LHT_WAREHOUSE": "COMPUTE_WH", "LHT_DEPLOY_USER": user,
           "SF_LOGIN_URL": login_url, **credentials}  # fmt: skip
    values = SetupSettings.from_environ(env).template_variables()
    for statement in load("setup.sql", values, credentials):
        session.sql(statement.text).collect()
    session.sql(f"USE SCHEMA {database}.LHT").collect()
    return database
