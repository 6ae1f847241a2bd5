"""The real ``snow snowpark build`` + ``snow snowpark deploy --replace`` against the local
Snowflake, on a database set up by ``snow sql -f sql/setup.sql`` (as ``scripts/deploy`` runs
them): deploy exits 0, every entity of snowflake.yml is a procedure with its handler, a second
deploy replaces them, and the CREATE PROCEDURE text snow sends is the one
test_procedure_sql.py parses. A comment line in requirements.snowflake.txt (the #9 blocker:
snow copies every line into PACKAGES) or a misspelled handler fails the deploy with Snowflake's
message."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import snowflake.connector
import yaml

from lht.local.runtime import LocalWarehouse
from tests.local.snowflake.test_procedure_sql import SNOW_RENDERED

ROOT = Path(__file__).resolve().parents[3]
SNOW = ROOT / ".venv-snow" / "bin" / "snow"
IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", ".lht", "__pycache__", "*.pyc", "*.egg-info", "output", "*.zip", ".*_cache"
)

pytestmark = pytest.mark.skipif(not SNOW.exists(), reason=".venv-snow missing (scripts/_env.sh)")


class Snow:
    """``snow`` against the local Snowflake as one deploy user, in one project copy."""

    def __init__(self, warehouse: LocalWarehouse, home: Path, project: Path, user: str) -> None:
        self.port = warehouse.connection_parameters["port"]
        self.home, self.project, self.user = home, project, user

    def run(self, *args: str, connection: bool = True) -> subprocess.CompletedProcess[str]:
        conn = ["--temporary-connection", "--account", "LHT_LOCAL", "--user", self.user,
                "--host", "127.0.0.1", "--port", str(self.port), "--protocol", "http",
                "--warehouse", "COMPUTE_WH"] if connection else []  # fmt: skip
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SNOWFLAKE_HOME": str(self.home),
               "SNOWFLAKE_PASSWORD": "local", "SF_CLIENT_ID": "id",
               "SF_CLIENT_SECRET": "secret"}  # fmt: skip
        return subprocess.run([str(SNOW), *args, *conn], cwd=self.project, env=env,
                              capture_output=True, text=True, timeout=600, check=False)  # fmt: skip

    def setup(self, database: str) -> None:
        values = {"database": database, "warehouse": "COMPUTE_WH", "deploy_user": self.user,
                  "sf_login_url": "https://acme.my.salesforce.com",
                  "sf_network_hosts": "'acme.my.salesforce.com:443'"}  # fmt: skip
        variables = [a for k, v in values.items() for a in ("-D", f"{k}={v}")]
        done = self.run("sql", "-f", str(ROOT / "sql" / "setup.sql"), *variables)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    def build(self) -> None:
        done = self.run("snowpark", "build", connection=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    def deploy(self, database: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("snowpark", "deploy", "--replace", "--role", "LHT_ADMIN", "--database",
                        database, "--env", f"LHT_DATABASE={database}", *extra)  # fmt: skip


@pytest.fixture(scope="module")
def snow(local_warehouse: LocalWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Snow:
    base = tmp_path_factory.mktemp("snow-deploy")
    project = base / "lht"
    shutil.copytree(ROOT, project, ignore=IGNORE)
    runner = Snow(
        local_warehouse, base / "home", project, f"DEPLOYER_{uuid.uuid4().hex[:6].upper()}"
    )
    runner.build()
    return runner


@pytest.fixture(scope="module")
def database(snow: Snow) -> str:
    name = f"LHT_DEPLOY_{uuid.uuid4().hex[:6].upper()}"
    snow.setup(name)
    return name


@pytest.fixture
def admin(local_warehouse: LocalWarehouse) -> Iterator[Any]:
    conn = snowflake.connector.connect(**local_warehouse.connection_parameters)
    yield lambda sql: conn.cursor().execute(sql).fetchall()
    conn.close()


def _entities() -> dict[str, dict[str, Any]]:
    definition = yaml.safe_load((ROOT / "snowflake.yml").read_text(encoding="utf-8"))
    return {k: e for k, e in definition["entities"].items() if e["type"] == "procedure"}


def _types(entity: dict[str, Any]) -> str:
    synonyms = {"STRING": "VARCHAR", "FLOAT": "FLOAT", "VARIANT": "VARIANT", "BOOLEAN": "BOOLEAN"}
    return ", ".join(synonyms[a["type"].upper()] for a in entity.get("signature") or [])


def _imports_sorted(text: str) -> str:
    """snow lists IMPORTS from a set (commands.build_artifacts_mappings): order varies."""
    match = re.search(r"imports=\((.*)\)", text)
    assert match is not None
    items = sorted(i.strip() for i in match.group(1).split(","))
    return text.replace(match.group(0), f"imports=({', '.join(items)})")


def test_snow_deploy_creates_every_procedure_and_replaces_them(
    snow: Snow, database: str, admin: Any
) -> None:
    first = snow.deploy(database, "--debug")
    second = snow.deploy(database)

    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "definition updated" in second.stdout and "created" in first.stdout
    for key, entity in _entities().items():
        name = f"{database}.LHT.{entity['identifier']['name']}({_types(entity)})"
        described = dict(admin(f"DESCRIBE PROCEDURE {name}"))
        assert described["handler"] == entity["handler"], key
        assert described["execute as"] == "OWNER", key
    sent = re.search(r"Executing (create or replace procedure IDENTIFIER\('[^']+\.CHECK_SETUP'\)"
                     r".*?packages=\([^)]*\))", first.stderr, re.S)  # fmt: skip
    assert sent is not None
    expected = SNOW_RENDERED.replace("LHT.LHT.", f"{database}.LHT.").replace(
        "(LHT_SALESFORCE_ACCESS)", f"({database}_SALESFORCE_ACCESS)")  # fmt: skip
    assert _imports_sorted(sent.group(1)) == _imports_sorted(expected)
    owners = {r[1]: r[5] for r in admin(f"SHOW PROCEDURES IN SCHEMA {database}.LHT")}
    assert owners  # listed (SHOW's owner column is not part of its shape; grants say who owns)


def test_snow_deploy_fails_on_a_comment_line_in_requirements(snow: Snow, database: str) -> None:
    """As on a first deploy: --force-replace skips snow's comparison with existing objects
    (which itself stumbles on the comment line) and sends CREATE PROCEDURE."""
    requirements = snow.project / "requirements.snowflake.txt"
    original = requirements.read_text(encoding="utf-8")
    requirements.write_text("# Packages Snowflake installs for the procedures\n" + original,
                            encoding="utf-8")  # fmt: skip
    try:
        done = snow.deploy(database, "--force-replace")
    finally:
        requirements.write_text(original, encoding="utf-8")

    output = " ".join(re.sub(r"[│╭╮╰╯─]", " ", done.stdout + done.stderr).split())
    assert done.returncode == 1
    assert "Cannot create a Python function with the specified packages" in output
    assert "'# Packages Snowflake installs for the procedures' is not a requirement" in output


def test_snow_deploy_fails_on_a_misspelled_handler(snow: Snow, database: str) -> None:
    definition = snow.project / "snowflake.yml"
    original = definition.read_text(encoding="utf-8")
    definition.write_text(
        original.replace("handler: sync.sync_sobject\n", "handler: sync.sync_sobjekt\n"),
        encoding="utf-8",
    )
    try:
        done = snow.deploy(database)
    finally:
        definition.write_text(original, encoding="utf-8")

    output = " ".join(re.sub(r"[│╭╮╰╯─]", " ", done.stdout + done.stderr).split())
    assert done.returncode == 1
    assert "100357 (P0000)" in output
    assert "Python Interpreter Error: AttributeError: module 'sync' has no " \
        "attribute 'sync_sobjekt' in function SYNC_SOBJECT with handler sync.sync_sobjekt" \
        in output  # fmt: skip
