"""CREATE / SHOW / DESCRIBE / DROP PROCEDURE on the local Snowflake, through a real Snowpark
session: the definition is validated as Snowflake validates it before anything is stored."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.local.snowflake.helpers import error_of

Sql = Callable[[str], list[dict[str, Any]]]
HANDLER_SOURCE = "def run(session, name):\n    return {'hello': name}\n\nother = run\n"
CREATE = (
    "CREATE PROCEDURE HELLO(name VARCHAR) RETURNS VARIANT LANGUAGE PYTHON "
    "RUNTIME_VERSION = '3.11' PACKAGES = ({packages}) IMPORTS = ('@CODE/code.zip') "
    "HANDLER = '{handler}'{extra}"
)


def create(packages: str = "'snowflake-snowpark-python'", handler: str = "hello.run",
           extra: str = "") -> str:  # fmt: skip
    return CREATE.format(packages=packages, handler=handler, extra=extra)


@pytest.fixture
def code_stage(snowpark_session: Any, sql: Sql, tmp_path: Path) -> str:
    """Stage CODE in the test's schema holding code.zip with module ``hello``."""
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hello.py", HANDLER_SOURCE)
    sql("CREATE STAGE CODE")
    snowpark_session.file.put(str(archive), "@CODE", auto_compress=False, overwrite=True)
    return "CODE"


def test_procedure_create_show_describe_drop(sql: Sql, schema: str, code_stage: str) -> None:
    created = sql(create())
    sql(create(extra="").replace("HELLO(name VARCHAR)", "HELLO(name VARCHAR, n NUMBER)"))

    shown = sql("SHOW PROCEDURES LIKE 'HEL%' IN SCHEMA")
    described = {r["property"]: r["value"] for r in sql("DESCRIBE PROCEDURE HELLO(STRING)")}
    dropped = sql("DROP PROCEDURE HELLO(VARCHAR, NUMBER)")

    assert created == [{"status": "Function HELLO successfully created."}]
    assert [(r["name"], r["schema_name"], r["arguments"], r["min_num_arguments"],
             r["is_table_function"]) for r in shown] == [
        ("HELLO", schema, "HELLO(VARCHAR) RETURN VARIANT", 1, "N"),
        ("HELLO", schema, "HELLO(VARCHAR, NUMBER) RETURN VARIANT", 2, "N"),
    ]  # fmt: skip
    assert list(described)[:6] == ["signature", "returns", "language", "null handling",
                                   "volatility", "execute as"]  # fmt: skip
    assert described["signature"] == "(NAME VARCHAR)" and described["returns"] == "VARIANT"
    assert described["handler"] == "hello.run" and described["execute as"] == "OWNER"
    assert described["imports"] == f"[@LHT_LOCAL.{schema}.CODE/code.zip]"
    assert described["packages"] == "['snowflake-snowpark-python']"
    assert described["installed_packages"].startswith("['snowflake-snowpark-python==")
    assert dropped == [{"status": "HELLO successfully dropped."}]
    assert [r["arguments"] for r in sql("SHOW PROCEDURES IN SCHEMA")] == [
        "HELLO(VARCHAR) RETURN VARIANT"]  # fmt: skip


def test_procedure_replace_needs_or_replace_and_keeps_one_per_signature(
    sql: Sql, code_stage: str
) -> None:
    sql(create())
    duplicate = error_of(sql, create())
    kept = sql(create().replace("CREATE PROCEDURE", "CREATE PROCEDURE IF NOT EXISTS"))
    sql(create(handler="hello.other").replace("CREATE", "CREATE OR REPLACE", 1))

    described = {r["property"]: r["value"] for r in sql("DESC PROCEDURE HELLO(VARCHAR)")}
    assert "002002 (42710)" in duplicate and "Object 'HELLO' already exists." in duplicate
    assert kept == [{"status": "HELLO already exists, statement succeeded."}]
    assert described["handler"] == "hello.other"
    assert len(sql("SHOW PROCEDURES IN SCHEMA")) == 1


def test_procedure_table_returns_are_described_as_table(sql: Sql, code_stage: str) -> None:
    sql(create().replace("RETURNS VARIANT", "RETURNS TABLE(A VARCHAR, B NUMBER(38,0))"))

    described = {r["property"]: r["value"] for r in sql("DESCRIBE PROCEDURE HELLO(VARCHAR)")}
    shown = sql("SHOW USER PROCEDURES IN SCHEMA")

    assert described["returns"] == "TABLE (A VARCHAR, B NUMBER)"
    assert shown[0]["is_table_function"] == "Y"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (create(packages="'snowflake-snowpark-python', '# Packages Snowflake installs'"),
         "Cannot create a Python function with the specified packages. Please check your "
         "packages specification and try again. 'Invalid package specification: "
         "'# Packages Snowflake installs' is not a requirement"),
        (create(packages="'snowflake-snowpark-python', 'no-such-package-lht'"),
         "Packages not found: no-such-package-lht (not installed in the local sandbox"),
        (create(packages="'snowflake-snowpark-python==0.0.1'"),
         "Packages not found: snowflake-snowpark-python==0.0.1"),
        (create(packages="'requests'"),
         "snowflake-snowpark-python is required in PACKAGES for a stored procedure"),
        (create(packages="'snowflake-snowpark-python', 'lht'"), "Packages not found: lht"),
        (create(handler="helo.run"),
         "100357 (P0000): Python Interpreter Error:\nModuleNotFoundError: No module named "
         "'helo'\n in function HELLO with handler helo.run"),
        (create(handler="hello.runn"),
         "AttributeError: module 'hello' has no attribute 'runn'\n in function HELLO"),
        (create().replace("code.zip", "nope.zip"), "File '@CODE/nope.zip' does not exist"),
        (create().replace("@CODE/", "@NOSTAGE/"), "Stage 'LHT_LOCAL."),
        (create().replace("'3.11'", "'3.7'"), "Unsupported runtime version '3.7'"),
        (create().replace("'3.11'", "'3.12'"), "the local sandbox runs Python 3.11"),
        (create().replace("LANGUAGE PYTHON", "LANGUAGE JAVA"),
         "Unsupported feature 'LANGUAGE JAVA'"),
        (create(extra=" EXTERNAL_ACCESS_INTEGRATIONS = (NOPE_EAI)"),
         "Integration 'NOPE_EAI' does not exist or not authorized."),
        (create(extra=" SECRETS = ('cred' = NOPE_SECRET)"),
         "Secret 'NOPE_SECRET' does not exist or not authorized."),
    ],
)  # fmt: skip
def test_procedure_create_refuses_what_snowflake_refuses(
    sql: Sql, code_stage: str, statement: str, expected: str
) -> None:
    assert expected in error_of(sql, statement)
    assert sql("SHOW PROCEDURES IN SCHEMA") == []


def test_procedure_secret_must_be_allowed_by_one_of_its_integrations(
    sql: Sql, schema: str, code_stage: str
) -> None:
    sql("CREATE NETWORK RULE R MODE = EGRESS TYPE = HOST_PORT VALUE_LIST = ('a.example.com')")
    sql("CREATE SECRET S TYPE = GENERIC_STRING SECRET_STRING = 'x'")
    sql("CREATE SECRET OTHER TYPE = GENERIC_STRING SECRET_STRING = 'y'")
    eai = f"EAI_{schema}"
    sql(f"CREATE EXTERNAL ACCESS INTEGRATION {eai} ALLOWED_NETWORK_RULES = (R) "
        "ALLOWED_AUTHENTICATION_SECRETS = (S) ENABLED = TRUE")  # fmt: skip
    try:
        refused = error_of(sql, create(extra=f" EXTERNAL_ACCESS_INTEGRATIONS = ({eai}) "
                                             "SECRETS = ('cred' = OTHER)"))  # fmt: skip
        ok = sql(create(extra=f" EXTERNAL_ACCESS_INTEGRATIONS = ({eai}) SECRETS = ('cred' = S)"))
        described = {r["property"]: r["value"] for r in sql("DESCRIBE PROCEDURE HELLO(VARCHAR)")}
    finally:
        sql(f"DROP INTEGRATION IF EXISTS {eai}")

    assert f"Secret 'LHT_LOCAL.{schema}.OTHER' is not allowed by any of the external access " \
        "integrations" in refused  # fmt: skip
    assert ok == [{"status": "Function HELLO successfully created."}]
    assert described["external_access_integrations"] == f"[{eai}]"
    assert described["secrets"] == f'{{"cred":"\\"LHT_LOCAL\\".\\"{schema}\\".\\"S\\""}}'


def test_procedure_describe_and_drop_name_the_missing_overload(sql: Sql, code_stage: str) -> None:
    sql(create())

    describe = error_of(sql, "DESCRIBE PROCEDURE HELLO(NUMBER)")
    drop = error_of(sql, "DROP PROCEDURE HELLO()")
    quiet = sql("DROP PROCEDURE IF EXISTS HELLO(NUMBER)")

    assert "002003 (02000)" in describe and ".HELLO(NUMBER)' does not exist or not authorized" \
        in describe  # fmt: skip
    assert ".HELLO()' does not exist" in drop
    assert quiet == [{"status": "Drop statement executed successfully (HELLO(NUMBER) already "
                                "dropped)."}]  # fmt: skip
