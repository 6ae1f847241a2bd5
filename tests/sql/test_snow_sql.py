"""The real Snowflake CLI runs setup.sql's emulatable statements against the local stand-in.

``snow sql -f FILE -D name=value`` is how the README deploys. Here snow itself renders the
templates (its own ``<% %>`` handling and statement splitting) and executes the statements the
stand-in implements (database, schema, stages, tables), taken verbatim from sql/setup.sql, over
loopback against the session-scoped fakesnow server.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from lht.local.snow_connection import SnowConnection, snow_env, write_connection
from tests.sql.sqlfile import ROOT, SAMPLE_ENV, SAMPLE_VARS, SQL_DIR, kind_of, split

SNOW = ROOT / ".venv-snow" / "bin" / "snow"
EXECUTED_KINDS = {"CREATE DATABASE", "CREATE SCHEMA", "CREATE STAGE", "CREATE TABLE"}

pytestmark = pytest.mark.skipif(not SNOW.exists(), reason=".venv-snow missing (scripts/_env.sh)")


def _snow_sql(
    port: int, home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    write_connection(home, SnowConnection("local", port))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **snow_env(home), **(env or {})}
    return subprocess.run(
        [str(SNOW), "sql", *args, "--connection", "local", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_snow_sql_file_with_variables_creates_lht_objects(
    local_warehouse: Any, tmp_path: Path
) -> None:
    raw = (SQL_DIR / "setup.sql").read_text(encoding="utf-8")
    subset = [s for s in split(raw) if kind_of(s) in EXECUTED_KINDS]
    script = tmp_path / "setup_subset.sql"
    script.write_text(";\n".join(subset) + ";\n", encoding="utf-8")
    database = f"LHT_SNOWCLI_{uuid.uuid4().hex[:6].upper()}"
    values = {**SAMPLE_VARS, "database": database}
    variables = [arg for name, value in values.items() for arg in ("-D", f"{name}={value}")]
    port = local_warehouse.connection_parameters["port"]

    created = _snow_sql(port, tmp_path, "-f", str(script), *variables)
    listed = _snow_sql(
        port,
        tmp_path,
        "-q",
        f"SELECT TABLE_NAME FROM {database}.INFORMATION_SCHEMA.TABLES "
        "WHERE TABLE_SCHEMA = 'LHT' ORDER BY TABLE_NAME",
    )

    assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-2000:]
    assert created.stdout.count("successfully created") == len(subset)
    assert listed.returncode == 0, listed.stderr[-2000:]
    tables = [row["TABLE_NAME"] for row in json.loads(listed.stdout)]
    assert {"SYNC_STATE", "SYNC_RUNS", "SYNC_LOCKS"} <= set(tables)


def test_snow_sql_setup_reads_credentials_from_the_environment_not_argv(
    local_warehouse: Any, tmp_path: Path
) -> None:
    """snow renders <% ctx.env.SF_CLIENT_SECRET %> from its environment (and refuses to run
    without it); all of setup.sql runs on the local Snowflake, roles and grants included (#10),
    with snow's own user as the deploy user."""
    database = f"LHT_SNOWENV_{uuid.uuid4().hex[:6].upper()}"
    values = {**SAMPLE_VARS, "database": database, "sf_network_hosts": "'127.0.0.1:5555'",
              "deploy_user": "LHT_LOCAL"}  # fmt: skip
    variables = [arg for name, value in values.items() for arg in ("-D", f"{name}={value}")]
    port = local_warehouse.connection_parameters["port"]
    script = SQL_DIR / "setup.sql"

    missing = _snow_sql(port, tmp_path, "-f", str(script), *variables)
    first = _snow_sql(port, tmp_path, "-f", str(script), *variables, env=SAMPLE_ENV)
    rule = _snow_sql(port, tmp_path, "-q", f"DESCRIBE NETWORK RULE {database}.LHT.SALESFORCE_API")

    assert missing.returncode != 0 and "SQL rendering error" in missing.stderr
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert rule.returncode == 0, rule.stderr[-2000:]
    assert json.loads(rule.stdout)[0]["value_list"] == "127.0.0.1:5555"
    assert SAMPLE_ENV["SF_CLIENT_SECRET"] not in first.stdout + first.stderr
