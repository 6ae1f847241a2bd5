"""Network rules, secrets, integrations and warehouses on the local Snowflake, through a real
Snowpark session (the seam in front of fakesnow answers them; fakesnow never sees them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lht.local.runtime import LocalWarehouse
from tests.local.snowflake.helpers import error_of

Sql = Callable[[str], list[dict[str, Any]]]
RULE = (
    "CREATE NETWORK RULE {name} MODE = EGRESS TYPE = HOST_PORT "
    "VALUE_LIST = ('acme.my.salesforce.com', 'api.example.com:8443') COMMENT = 'sf'"
)


def test_network_rule_create_show_describe_alter_drop(sql: Sql, schema: str) -> None:
    assert sql(RULE.format(name="SF")) == [{"status": "Network rule SF successfully created."}]

    shown = sql("SHOW NETWORK RULES IN SCHEMA")
    described = sql("DESCRIBE NETWORK RULE SF")
    sql("ALTER NETWORK RULE SF SET VALUE_LIST = ('other.example.com')")
    altered = sql(f"DESC NETWORK RULE LHT_LOCAL.{schema}.SF")
    dropped = sql("DROP NETWORK RULE SF")

    assert [(r["name"], r["schema_name"], r["type"], r["mode"], r["entries_in_valuelist"])
            for r in shown] == [("SF", schema, "HOST_PORT", "EGRESS", 2)]  # fmt: skip
    assert described[0]["value_list"] == "acme.my.salesforce.com,api.example.com:8443"
    assert described[0]["comment"] == "sf"
    assert altered[0]["value_list"] == "other.example.com"
    assert dropped == [{"status": "SF successfully dropped."}]
    assert sql("SHOW NETWORK RULES IN SCHEMA") == []


def test_network_rule_rejects_what_snowflake_rejects(sql: Sql) -> None:
    sql(RULE.format(name="SF"))

    unknown = error_of(sql, "CREATE NETWORK RULE R2 MODE = EGRESS TYPE = HOST_PORT "
                            "VALUE_LIST = ('a.com') PORTS = 1")  # fmt: skip
    missing = error_of(sql, "CREATE NETWORK RULE R2 TYPE = HOST_PORT VALUE_LIST = ('a.com')")
    ingress = error_of(sql, "CREATE NETWORK RULE R2 MODE = INGRESS TYPE = HOST_PORT "
                            "VALUE_LIST = ('a.com')")  # fmt: skip
    bad_port = error_of(sql, "CREATE NETWORK RULE R2 MODE = EGRESS TYPE = HOST_PORT "
                             "VALUE_LIST = ('a.com:70000')")  # fmt: skip
    duplicate = error_of(sql, RULE.format(name="SF"))
    absent = error_of(sql, "DROP NETWORK RULE NOPE")

    assert "001003 (42000)" in unknown and "unexpected 'PORTS'" in unknown
    assert "Missing option(s): [MODE]" in missing
    assert "must have MODE EGRESS" in ingress
    assert "Invalid port" in bad_port
    assert "002002 (42710)" in duplicate and "Object 'SF' already exists." in duplicate
    assert "002003 (02000)" in absent and "Network rule 'NOPE' does not exist" in absent
    assert sql(RULE.format(name="SF").replace("CREATE", "CREATE OR REPLACE"))
    assert sql(RULE.format(name="SF").replace("RULE SF", "RULE IF NOT EXISTS SF")) == [
        {"status": "SF already exists, statement succeeded."}
    ]


def test_secret_value_is_never_shown(sql: Sql) -> None:
    sql("CREATE SECRET S TYPE = GENERIC_STRING SECRET_STRING = 'hunter2-value' COMMENT = 'c'")

    listed = sql("SHOW SECRETS IN SCHEMA")
    described = sql("DESCRIBE SECRET S")

    assert [(r["name"], r["secret_type"]) for r in listed] == [("S", "GENERIC_STRING")]
    assert described[0]["secret_type"] == "GENERIC_STRING"
    assert "hunter2-value" not in repr(listed) + repr(described)
    assert "Missing option(s): [SECRET_STRING]" in error_of(
        sql, "CREATE SECRET S2 TYPE = GENERIC_STRING"
    )
    assert "invalid property 'USERNAME'" in error_of(
        sql, "CREATE SECRET S2 TYPE = GENERIC_STRING SECRET_STRING = 'x' USERNAME = 'u'"
    )
    assert "Unsupported feature" in error_of(
        sql, "CREATE SECRET S2 TYPE = OAUTH2 API_AUTHENTICATION = i")  # fmt: skip


def test_integration_needs_existing_rules_and_secrets(sql: Sql, schema: str) -> None:
    sql(RULE.format(name="SF"))
    sql("CREATE SECRET S TYPE = GENERIC_STRING SECRET_STRING = '{}'")
    name = f"I_{schema}"

    missing_rule = error_of(sql, f"CREATE EXTERNAL ACCESS INTEGRATION {name} "
                                 "ALLOWED_NETWORK_RULES = (NOPE) ENABLED = TRUE")  # fmt: skip
    sql(f"CREATE EXTERNAL ACCESS INTEGRATION {name} ALLOWED_NETWORK_RULES = (SF) "
        f"ALLOWED_AUTHENTICATION_SECRETS = (LHT_LOCAL.{schema}.S) ENABLED = TRUE")  # fmt: skip
    shown = sql(f"SHOW INTEGRATIONS LIKE '{name.lower()}'")
    described = {r["property"]: r["property_value"]
                 for r in sql(f"DESCRIBE INTEGRATION {name}")}  # fmt: skip
    dropped = sql(f"DROP EXTERNAL ACCESS INTEGRATION IF EXISTS {name}")

    assert "Network rule 'LHT_LOCAL." in missing_rule and "NOPE' does not exist" in missing_rule
    assert [(r["name"], r["type"], r["enabled"]) for r in shown] == [
        (name, "EXTERNAL_ACCESS", True)]  # fmt: skip
    assert described["ALLOWED_NETWORK_RULES"] == f"[LHT_LOCAL.{schema}.SF]"
    assert described["ALLOWED_AUTHENTICATION_SECRETS"] == f"[LHT_LOCAL.{schema}.S]"
    assert dropped == [{"status": f"{name} successfully dropped."}]


def test_context_functions_come_from_the_session(sql: Sql) -> None:
    before = sql("SELECT CURRENT_WAREHOUSE(), CURRENT_ROLE(), 'current_role()' AS TEXT")
    sql("USE WAREHOUSE COMPUTE_WH")
    after = sql("SELECT CURRENT_WAREHOUSE() AS W")
    unknown = error_of(sql, "USE WAREHOUSE NO_SUCH_WH")

    assert before == [{"CURRENT_WAREHOUSE()": None, "CURRENT_ROLE()": "ACCOUNTADMIN",
                       "TEXT": "current_role()"}]  # fmt: skip
    assert after == [{"W": "COMPUTE_WH"}]
    assert "002043 (02000)" in unknown


def test_catalog_objects_and_stage_files_survive_a_restart(tmp_path: Path) -> None:
    with LocalWarehouse(data_dir=tmp_path) as wh:
        session = wh.session
        session.sql(RULE.format(name="LHT.KEPT")).collect()
        session.sql("CREATE STAGE LHT.CODE").collect()
        session.file.put_stream(_bytes(b"hello"), "@LHT.CODE/dir/a.txt", auto_compress=False)
    with LocalWarehouse(data_dir=tmp_path) as wh:
        rules = wh.session.sql("SHOW NETWORK RULES IN SCHEMA LHT").collect()
        files = wh.session.sql("LIST @LHT.CODE").collect()
        wh.session.sql("DROP STAGE LHT.CODE").collect()
        stages = wh.session.sql("SHOW STAGES IN SCHEMA LHT").collect()
    with LocalWarehouse(data_dir=tmp_path) as wh:
        after_drop = wh.session.sql("SHOW STAGES IN SCHEMA LHT").collect()

    assert [r["name"] for r in rules] == ["KEPT"]
    assert [r["name"] for r in files] == ["code/dir/a.txt"]
    assert "CODE" not in [r["name"] for r in stages]
    assert "CODE" not in [r["name"] for r in after_drop]


def test_drop_schema_forgets_its_objects(snowpark_session: Any, sql: Sql, schema: str) -> None:
    sql(RULE.format(name="SF"))
    sql("CREATE SECRET S TYPE = GENERIC_STRING SECRET_STRING = 'x'")

    sql(f"DROP SCHEMA LHT_LOCAL.{schema}")
    sql(f"CREATE SCHEMA LHT_LOCAL.{schema}")

    assert sql("SHOW NETWORK RULES IN SCHEMA") == []
    assert sql("SHOW SECRETS IN SCHEMA") == []


def _bytes(data: bytes) -> Any:
    import io  # noqa: PLC0415

    return io.BytesIO(data)


def test_database_named_like_its_schema_can_be_created_again(sql: Sql, schema: str) -> None:
    name = f"D{schema}"
    sql(f"CREATE DATABASE {name}")
    sql(f"CREATE SCHEMA {name}.{name}")  # current: <name>.<name>, as LHT.LHT after setup.sql

    again = sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    sql(f"CREATE TABLE {name}.{name}.T (A INT)")
    tables = sql(f"SELECT TABLE_NAME FROM {name}.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'T'")

    assert again and tables == [{"TABLE_NAME": "T"}]
