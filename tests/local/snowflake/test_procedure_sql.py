"""CREATE PROCEDURE, procedure references and CALL arguments, parsed (no catalog, no server)."""

from __future__ import annotations

import pytest

from lht.local.snowflake.call_sql import Value, parse_call
from lht.local.snowflake.procedure_sql import (
    canonical_type,
    parse_create_procedure,
    parse_reference,
)
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import Parser

#: What `snow snowpark deploy` (snowflake-cli 3.30.0) sent for CHECK_SETUP, captured by
#: tests/local/snowflake/test_snow_deploy.py from `snow --debug` against the local Snowflake.
SNOW_RENDERED = """create or replace procedure IDENTIFIER('LHT.LHT.CHECK_SETUP')()
copy grants
returns table(CHECK_NAME varchar, STATUS varchar, DETAIL varchar, HOW_TO_FIX varchar)
language python
runtime_version=3.11
imports=('@LHT.LHT.LHT_CODE_STAGE/app.zip', '@LHT.LHT.LHT_CODE_STAGE/procedures.zip')
handler='setup_check.check_setup'
external_access_integrations=(LHT_SALESFORCE_ACCESS)
secrets=('salesforce_oauth'=LHT.SALESFORCE_OAUTH)
packages=('snowflake-snowpark-python','requests')"""


def _error(sql: str) -> str:
    with pytest.raises(SqlError) as caught:
        parse_create_procedure(sql)
    return caught.value.message


def test_parse_create_procedure_reads_snows_rendering() -> None:
    d = parse_create_procedure(SNOW_RENDERED)

    assert d.name.parts == ("LHT", "LHT", "CHECK_SETUP") and d.replace and d.copy_grants
    assert d.arguments == () and d.returns == "TABLE"
    assert d.columns == (("CHECK_NAME", "VARCHAR"), ("STATUS", "VARCHAR"),
                         ("DETAIL", "VARCHAR"), ("HOW_TO_FIX", "VARCHAR"))  # fmt: skip
    assert d.language == "PYTHON" and d.execute_as == "OWNER"
    props = d.properties
    assert props["RUNTIME_VERSION"] == "3.11" and props["HANDLER"] == "setup_check.check_setup"
    assert props["IMPORTS"] == ["@LHT.LHT.LHT_CODE_STAGE/app.zip",
                                "@LHT.LHT.LHT_CODE_STAGE/procedures.zip"]  # fmt: skip
    assert props["PACKAGES"] == ["snowflake-snowpark-python", "requests"]
    assert [str(n) for n in props["EXTERNAL_ACCESS_INTEGRATIONS"]] == ["LHT_SALESFORCE_ACCESS"]
    assert [(a, str(n)) for a, n in props["SECRETS"]] == [("salesforce_oauth",
                                                           "LHT.SALESFORCE_OAUTH")]  # fmt: skip


def test_parse_create_procedure_arguments_types_and_clauses() -> None:
    d = parse_create_procedure(
        "CREATE SECURE PROCEDURE p(a STRING, b NUMBER(38, 0), c DOUBLE PRECISION, d VARIANT) "
        "RETURNS VARCHAR NOT NULL LANGUAGE PYTHON RUNTIME_VERSION = '3.11' PACKAGES = () "
        "HANDLER = 'm.f' STRICT IMMUTABLE COMMENT = 'x' EXECUTE AS CALLER"
    )

    assert d.types == ("VARCHAR", "NUMBER", "FLOAT", "VARIANT") and d.returns == "VARCHAR"
    assert (d.null_handling, d.volatility, d.execute_as) == (
        "RETURNS NULL ON NULL INPUT", "IMMUTABLE", "CALLER")  # fmt: skip
    assert d.properties["COMMENT"] == "x" and not d.replace


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE PROCEDURE p() RETURNS VARIANT RUNTIME_VERSION = '3.11' HANDLER = 'm.f'",
         "Missing option(s): [LANGUAGE]"),
        ("CREATE PROCEDURE p() RETURNS VARIANT LANGUAGE PYTHON HANDLER = 'a.b' HANDLER = 'c.d'",
         "unexpected 'HANDLER'"),
        ("CREATE PROCEDURE p() RETURNS VARIANT LANGUAGE PYTHON PORTS = 1", "unexpected 'PORTS'"),
        ("CREATE PROCEDURE p(a WIBBLE) RETURNS VARIANT LANGUAGE PYTHON", "unexpected 'WIBBLE'"),
        ("CREATE OR REPLACE PROCEDURE IF NOT EXISTS p() RETURNS VARIANT LANGUAGE PYTHON",
         "mutually exclusive"),
        ("CREATE PROCEDURE p() RETURNS VARIANT LANGUAGE PYTHON EXECUTE AS CALLER EXECUTE AS OWNER",
         "unexpected 'EXECUTE'"),
    ],
)  # fmt: skip
def test_parse_create_procedure_refuses_bad_syntax(sql: str, expected: str) -> None:
    assert expected in _error(sql)


def test_canonical_type_maps_synonyms_and_refuses_unknown_types() -> None:
    assert [canonical_type(t) for t in ("string", "TEXT", "int", "Double", "DATETIME")] == [
        "VARCHAR", "VARCHAR", "NUMBER", "FLOAT", "TIMESTAMP_NTZ"]  # fmt: skip
    with pytest.raises(SqlError):
        canonical_type("GEOGRAPHYX")


def test_parse_reference_reads_identifier_and_types() -> None:
    name, types = parse_reference(Parser("IDENTIFIER('LHT.LHT.SYNC_SOBJECT')(string, variant)"))

    assert name.parts == ("LHT", "LHT", "SYNC_SOBJECT") and types == ("VARCHAR", "VARIANT")


def test_parse_call_reads_what_snowpark_renders() -> None:
    """Snowpark's session.call (udf_utils.generate_call_python_sp_sql + to_sql)."""
    spec = parse_call("CALL LHT.SYNC_ALL('NIGHTLY', '0.8' :: FLOAT, 5 :: INT, True :: BOOLEAN, "
                      "PARSE_JSON('{\"a\": [1, 2.5]}') :: OBJECT, NULL)")  # fmt: skip

    assert spec.name.parts == ("LHT", "SYNC_ALL") and spec.names == ()
    assert spec.arguments == (Value("VARCHAR", "NIGHTLY"), Value("FLOAT", 0.8),
                              Value("NUMBER", 5), Value("BOOLEAN", True),
                              Value("OBJECT", {"a": [1, 2.5]}), Value("NULL", None))  # fmt: skip


def test_parse_call_object_constants_named_arguments_and_bindings() -> None:
    spec = parse_call("call p(options => {'force_full_sync': true, 'n': -2, 'skip': NULL}, "
                      "sobject => ?)", {"1": {"type": "TEXT", "value": "Account"}})  # fmt: skip

    assert spec.names == ("OPTIONS", "SOBJECT")
    assert spec.arguments == (Value("OBJECT", {"force_full_sync": True, "n": -2}),
                              Value("VARCHAR", "Account"))  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CALL p(a => 1, 2)", "Cannot mix named and positional"),
        ("CALL p(CURRENT_DATE())", "Unsupported feature 'CALL argument CURRENT_DATE'"),
        ("CALL p(PARSE_JSON('{nope'))", "Error parsing JSON"),
        ("CALL p('x' :: NUMBER)", "Numeric value 'x' is not recognized"),
        ("CALL p(1", "unexpected '<EOF>'"),
    ],
)
def test_parse_call_refuses_what_it_cannot_evaluate(sql: str, expected: str) -> None:
    with pytest.raises(SqlError) as caught:
        parse_call(sql)
    assert expected in caught.value.message
