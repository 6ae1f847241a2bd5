"""sql/setup.sql and sql/teardown.sql: templates, sqlglot parse, snapshots, run on the stand-in.

sqlglot is lenient and falls back to an opaque ``Command`` for roles, secrets, network rules and
integrations, so those statements must match a documented shape (sqlfile.COMMAND_SHAPES), and the
whole rendered output is snapshotted. Update snapshots after an intended change with
``LHT_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/sql`` and review the diff.

Only statement kinds the stand-in really implements are executed (an explicit allow-list); the
rest (roles, grants, secret, network rule, integration) cannot be emulated and are not no-op'ed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlglot import exp

from lht.deploy.settings import SetupSettings
from tests.sql.sqlfile import (
    COMMAND_SHAPES,
    ROOT,
    SAMPLE_ENV,
    SAMPLE_VARS,
    SNAPSHOT_DIR,
    SQL_DIR,
    Statement,
    env_variables,
    load,
    snapshot_text,
    variables,
)

FILES = ["setup.sql", "teardown.sql"]
EXECUTED_KINDS = {"CREATE DATABASE", "CREATE SCHEMA", "CREATE STAGE", "CREATE TABLE"}
NOT_EMULATED_KINDS = {
    "USE ROLE",
    "CREATE ROLE",
    "GRANT ROLE",
    "GRANT",
    "GRANT OWNERSHIP",
    "GRANT FUTURE",
    "CREATE NETWORK RULE",
    "ALTER NETWORK RULE",
    "CREATE SECRET",
    "ALTER SECRET",
    "CREATE EXTERNAL ACCESS INTEGRATION",
    "ALTER EXTERNAL ACCESS INTEGRATION",
}
STATE_COLUMNS = {
    "SYNC_STATE": [
        ("SOBJECT", "TEXT"),
        ("TARGET_SCHEMA", "TEXT"),
        ("TARGET_TABLE", "TEXT"),
        ("WATERMARK_FIELD", "TEXT"),
        ("WATERMARK", "TIMESTAMP_NTZ"),
        ("LAST_RUN_ID", "TEXT"),
        ("LAST_SUCCESS_AT", "TIMESTAMP_NTZ"),
        ("DELETES_CHECKED_TO", "TIMESTAMP_NTZ"),
        ("FORMULAS_REFRESHED_AT", "TIMESTAMP_NTZ"),
    ],
    "SYNC_RUNS": [
        (name, kind)
        for name, kind in [
            ("RUN_ID", "TEXT"),
            ("SOBJECT", "TEXT"),
            ("TARGET_SCHEMA", "TEXT"),
            ("TARGET_TABLE", "TEXT"),
            ("SYNC_METHOD", "TEXT"),
            ("STARTED_AT", "TIMESTAMP_NTZ"),
            ("ENDED_AT", "TIMESTAMP_NTZ"),
            ("STATUS", "TEXT"),
            ("ESTIMATED_RECORDS", "NUMBER"),
            ("ROWS_EXTRACTED", "NUMBER"),
            ("ROWS_INSERTED", "NUMBER"),
            ("ROWS_UPDATED", "NUMBER"),
            ("ROWS_DELETED", "NUMBER"),
            ("BYTES_STAGED", "NUMBER"),
            ("API_CALLS", "NUMBER"),
            ("WATERMARK_FROM", "TIMESTAMP_NTZ"),
            ("WATERMARK_TO", "TIMESTAMP_NTZ"),
            ("ERROR", "TEXT"),
            ("DELETE_CHECK", "TEXT"),
            ("FORMULA_COLUMNS", "TEXT"),
        ]
    ],
    "SYNC_LOCKS": [
        ("TARGET", "TEXT"),
        ("RUN_ID", "TEXT"),
        ("ACQUIRED_AT", "TIMESTAMP_NTZ"),
        ("EXPIRES_AT", "TIMESTAMP_NTZ"),
    ],
}
SNOW_PYTHON = ROOT / ".venv-snow" / "bin" / "python"


@pytest.mark.parametrize("name", FILES)
def test_sql_file_every_statement_parses_or_matches_known_shape(name: str) -> None:
    statements = load(name)

    assert statements
    for statement in statements:
        if isinstance(statement.parsed, exp.Command):
            shape = COMMAND_SHAPES.get(statement.kind)
            flat = re.sub(r"\s+", " ", statement.text)
            assert shape, f"{name}: sqlglot cannot parse {statement.kind}: {flat[:80]}"
            assert re.fullmatch(shape, flat), f"{name}: unexpected shape: {flat}"


@pytest.mark.parametrize("name", FILES)
def test_sql_file_rendered_statements_match_snapshot(name: str) -> None:
    actual = snapshot_text(load(name))
    snapshot = SNAPSHOT_DIR / f"{name}.snap"

    if os.environ.get("LHT_UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
    assert snapshot.exists(), f"missing {snapshot}: run with LHT_UPDATE_SNAPSHOTS=1"
    assert actual == snapshot.read_text(encoding="utf-8"), (
        f"{name} changed; review and re-run with LHT_UPDATE_SNAPSHOTS=1"
    )


def test_setup_sql_statement_kinds_all_executed_or_known_unemulated() -> None:
    kinds = {statement.kind for statement in load("setup.sql")}

    assert kinds == EXECUTED_KINDS | NOT_EMULATED_KINDS


def test_setup_sql_variables_are_exactly_the_documented_ones() -> None:
    text = (SQL_DIR / "setup.sql").read_text(encoding="utf-8")

    assert variables(text) == set(SAMPLE_VARS)
    assert env_variables(text) == set(SAMPLE_ENV)
    for name in [*SAMPLE_VARS, *SAMPLE_ENV]:
        assert re.search(rf"^--\s+{name}\s", text, re.MULTILINE), f"{name} undocumented"


def test_setup_sql_deploy_settings_render_every_variable() -> None:
    """scripts/deploy's values (python -m lht.deploy setup-vars) are exactly setup.sql's."""
    settings = SetupSettings.from_environ(
        {"LHT_WAREHOUSE": "WH", "LHT_DEPLOY_USER": "jane", "SF_LOGIN_URL": "https://a.my.salesforce.com",
         **SAMPLE_ENV}
    )  # fmt: skip

    assert set(settings.template_variables()) == set(SAMPLE_VARS)


def _secret_json(statement: Statement) -> Any:
    literal = re.search(r"SECRET_STRING = '((?:[^']|'')*)'", statement.text)
    assert literal, statement.text
    return json.loads(literal.group(1).replace("''", "'"))


def test_setup_sql_secret_holds_client_app_json_from_the_environment() -> None:
    env = {"SF_CLIENT_ID": "3MVG9OTHER", "SF_CLIENT_SECRET": "ROTATED42"}
    secrets = [s for s in load("setup.sql", env=env) if s.kind.endswith(" SECRET")]

    assert [s.kind for s in secrets] == ["CREATE SECRET", "ALTER SECRET"]
    for statement in secrets:  # the ALTER makes a rerun with a rotated secret take effect
        assert _secret_json(statement) == {
            "login_url": "https://acme.my.salesforce.com",
            "client_id": "3MVG9OTHER",
            "client_secret": "ROTATED42",
        }


def _rule_values(statements: list[Statement]) -> list[list[str]]:
    return [
        re.findall(r"'([^']+)'", s.text.split("COMMENT")[0])
        for s in statements
        if s.kind.endswith("NETWORK RULE")
    ]


@pytest.mark.parametrize(
    ("login_url", "instance_url", "expected"),
    [
        ("https://acme.my.salesforce.com", None, ["acme.my.salesforce.com:443"]),
        ("https://acme-dev-ed.develop.my.salesforce.com/", None,
         ["acme-dev-ed.develop.my.salesforce.com:443"]),
        ("https://acme--uat.sandbox.my.salesforce.com", None,
         ["acme--uat.sandbox.my.salesforce.com:443"]),
        ("https://speed-fun-1234-dev-ed.scratch.my.salesforce.com", None,
         ["speed-fun-1234-dev-ed.scratch.my.salesforce.com:443"]),
        ("https://curious-bear-abc.trailblaze.my.salesforce.com", None,
         ["curious-bear-abc.trailblaze.my.salesforce.com:443"]),
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com",
         ["acme.my.salesforce.com:443"]),
        ("https://login.acme.example", "https://acme.my.salesforce.com",
         ["login.acme.example:443", "acme.my.salesforce.com:443"]),
        ("http://127.0.0.1:54321", None, ["127.0.0.1:54321"]),
        ("http://localhost:8080", "http://127.0.0.1:8081", ["localhost:8080", "127.0.0.1:8081"]),
        ("https://acme.my.salesforce.com:8443", None, ["acme.my.salesforce.com:8443"]),
    ],
)  # fmt: skip
def test_setup_sql_network_rule_allows_login_and_instance_hosts(
    login_url: str, instance_url: str | None, expected: list[str]
) -> None:
    env = {"LHT_WAREHOUSE": "WH", "LHT_DEPLOY_USER": "JANE", "SF_LOGIN_URL": login_url,
           "SF_INSTANCE_URL": instance_url or "", **SAMPLE_ENV}  # fmt: skip
    values = SetupSettings.from_environ(env).template_variables()

    assert _rule_values(load("setup.sql", values)) == [expected, expected]  # CREATE, then ALTER


def test_setup_sql_rerun_brings_rule_secret_and_integration_up_to_date() -> None:
    """Each CREATE ... IF NOT EXISTS of a value-bearing object is followed by an ALTER ... SET."""
    kinds = [s.kind for s in load("setup.sql")]

    for thing in ("NETWORK RULE", "SECRET", "EXTERNAL ACCESS INTEGRATION"):
        created = kinds.index(f"CREATE {thing}")
        assert kinds[created + 1] == f"ALTER {thing}", thing


def test_setup_sql_deploy_user_is_quoted_for_email_style_names() -> None:
    grant = next(s for s in load("setup.sql") if s.text.startswith("GRANT ROLE LHT_ADMIN TO USER"))

    assert grant.text == 'GRANT ROLE LHT_ADMIN TO USER "jane.doe@acme.com"'


def _roles_in_effect(statements: list[Statement]) -> list[tuple[str, Statement]]:
    role, result = "", []
    for statement in statements:
        if statement.kind == "USE ROLE":
            role = statement.text.split()[-1]
        result.append((role, statement))
    return result


def test_setup_sql_future_grants_run_as_accountadmin() -> None:
    """Future grants need MANAGE GRANTS (LHT_ADMIN has it nowhere: schema LHT is not managed)."""
    roles = _roles_in_effect(load("setup.sql"))
    futures = [(role, s) for role, s in roles if s.kind == "GRANT FUTURE"]
    schema = next(s for s in load("setup.sql") if s.kind == "CREATE SCHEMA")

    assert len(futures) == 4
    assert {role for role, _ in futures} == {"ACCOUNTADMIN"}
    assert "MANAGED ACCESS" not in schema.text.upper()


def test_setup_sql_future_grants_never_name_one_object_type_at_both_levels() -> None:
    """Schema-level future grants on a type shadow the database-level ones for that schema."""
    levels: dict[str, set[str]] = {}
    for statement in load("setup.sql"):
        if statement.kind == "GRANT FUTURE":
            found = re.search(r"ON FUTURE (\w+) IN (DATABASE|SCHEMA)", statement.text)
            assert found
            levels.setdefault(found.group(1), set()).add(found.group(2))

    assert all(len(where) == 1 for where in levels.values()), levels


def test_setup_sql_integration_is_per_database_with_that_databases_rule_and_secret() -> None:
    statements = load("setup.sql", {**SAMPLE_VARS, "database": "LHT_DEV"})
    texts = [s.text for s in statements if "INTEGRATION" in s.kind or " INTEGRATION " in s.text]

    assert texts and all("LHT_DEV_SALESFORCE_ACCESS" in t for t in texts), texts
    for text in texts[:2]:  # CREATE and ALTER
        assert "ALLOWED_NETWORK_RULES = (LHT_DEV.LHT.SALESFORCE_API)" in text
        assert "ALLOWED_AUTHENTICATION_SECRETS = (LHT_DEV.LHT.SALESFORCE_OAUTH)" in text
    yml = (ROOT / "snowflake.yml").read_text(encoding="utf-8")
    assert "<% ctx.env.LHT_DATABASE %>_SALESFORCE_ACCESS" in yml
    assert "salesforce_oauth: LHT.SALESFORCE_OAUTH" in yml


def test_teardown_sql_drops_what_setup_creates_outside_the_schema() -> None:
    text = " ".join(s.text for s in load("teardown.sql", {**SAMPLE_VARS, "database": "LHT_DEV"}))

    for dropped in (
        "DROP EXTERNAL ACCESS INTEGRATION IF EXISTS LHT_DEV_SALESFORCE_ACCESS",
        "DROP SCHEMA IF EXISTS LHT_DEV.LHT CASCADE",
        "DROP ROLE IF EXISTS LHT_OPERATOR",
        "DROP ROLE IF EXISTS LHT_ADMIN",
    ):
        assert dropped in text
    assert "DROP DATABASE" not in text  # synced data stays unless the user drops it


@pytest.mark.skipif(not SNOW_PYTHON.exists(), reason=".venv-snow missing (scripts/_env.sh)")
@pytest.mark.parametrize("name", FILES)
def test_sql_file_snow_cli_renderer_gives_same_text(name: str, tmp_path: Path) -> None:
    probe = (  # snow's own renderer and its ctx.env (environment first, like snow sql)
        "import json, sys\n"
        "from snowflake.cli.api.rendering.sql_templates import "
        "choose_sql_jinja_env_based_on_template_syntax as choose\n"
        "from snowflake.cli.api.utils.models import ProjectEnvironment\n"
        "text, data = json.loads(sys.stdin.read())\n"
        "data['ctx'] = {'env': ProjectEnvironment({}, {})}\n"
        "sys.stdout.write(choose(text).from_string(text).render(data))\n"
    )
    raw = (SQL_DIR / name).read_text(encoding="utf-8")
    done = subprocess.run(
        [str(SNOW_PYTHON), "-c", probe],
        input=json.dumps([raw, SAMPLE_VARS]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **SAMPLE_ENV},
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    expected = "".join(s.text for s in load(name))
    from tests.sql.sqlfile import split  # noqa: PLC0415

    assert "".join(split(done.stdout)) == expected


def _columns(session: Any, database: str, table: str) -> list[tuple[str, str]]:
    rows = session.sql(
        f"SELECT COLUMN_NAME, DATA_TYPE FROM {database}.INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'LHT' AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        params=[table],
    ).collect()
    return [(r[0], r[1]) for r in rows]


def test_setup_sql_supported_statements_run_twice_on_stand_in(
    local_warehouse: Any, snowpark_session: Any
) -> None:
    database = f"LHT_SETUP_{uuid.uuid4().hex[:6].upper()}"
    statements = [
        s for s in load("setup.sql", {**SAMPLE_VARS, "database": database})
        if s.kind in EXECUTED_KINDS
    ]  # fmt: skip
    try:
        for _ in range(2):  # idempotent: every CREATE is IF NOT EXISTS
            for statement in statements:
                snowpark_session.sql(statement.text).collect()
        tables = {table: _columns(snowpark_session, database, table) for table in STATE_COLUMNS}
        stages = snowpark_session.sql(f"SHOW STAGES IN SCHEMA {database}.LHT").collect()
    finally:  # CREATE DATABASE/SCHEMA switch the session's context, as in Snowflake
        snowpark_session.sql(
            f"USE SCHEMA {local_warehouse.database}.{local_warehouse.schema}"
        ).collect()

    assert tables == STATE_COLUMNS
    assert sorted(row["name"] for row in stages) == ["LHT_CODE_STAGE", "LHT_STAGE"]


def _table_columns(parsed: exp.Expr) -> tuple[str, list[tuple[str, str]]]:
    schema = parsed.this
    assert isinstance(schema, exp.Schema)
    table = schema.this.name.upper()
    columns = [
        (col.name.upper(), col.args["kind"].sql(dialect="snowflake"))
        for col in schema.expressions
        if isinstance(col, exp.ColumnDef)
    ]
    return table, columns


def test_setup_sql_state_tables_match_the_runtime_builders() -> None:
    """setup.sql and lht.warehouse.state_statements both create the tables (IF NOT EXISTS)."""
    import sqlglot  # noqa: PLC0415

    from lht.warehouse import state_statements as sst  # noqa: PLC0415

    tables = sst.StateTables()
    runtime = dict(
        _table_columns(sqlglot.parse_one(build(tables).text, read="snowflake"))
        for build in (sst.create_state_table, sst.create_runs_table, sst.create_locks_table)
    )
    deployed = dict(_table_columns(s.parsed) for s in load("setup.sql") if s.kind == "CREATE TABLE")

    assert {name: deployed.get(name) for name in STATE_COLUMNS} == runtime
