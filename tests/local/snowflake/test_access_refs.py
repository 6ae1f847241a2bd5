"""Needs and effects of plain SQL, read with sqlglot."""

from __future__ import annotations

import pytest

from lht.local.snowflake.access_refs import Effect, Need, analyze, resolve


def _needs(sql: str) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(n.privilege, n.kind, n.parts) for n in analyze(sql).needs}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            'SELECT * FROM "LHT"."SYNC_STATUS" ORDER BY 1',
            {("SELECT", "TABLE", ("LHT", "SYNC_STATUS"))},
        ),
        (
            "WITH c AS (SELECT * FROM a) SELECT * FROM c JOIN lht.b ON 1 = 1",
            {("SELECT", "TABLE", ("A",)), ("SELECT", "TABLE", ("LHT", "B"))},
        ),
        ("SELECT * FROM DB.INFORMATION_SCHEMA.COLUMNS", set()),
        ("SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())", set()),
        (
            'INSERT INTO "LHT"."SYNC_CONFIG" (SOBJECT) SELECT ?',
            {("INSERT", "TABLE", ("LHT", "SYNC_CONFIG"))},
        ),
        (
            "INSERT OVERWRITE INTO t SELECT * FROM s",
            {("INSERT", "TABLE", ("T",)), ("DELETE", "TABLE", ("T",)), ("SELECT", "TABLE", ("S",))},
        ),
        (
            "MERGE INTO raw.accounts t USING (SELECT * FROM raw.stg) s ON t.id = s.id "
            "WHEN MATCHED AND s.d THEN DELETE WHEN MATCHED THEN UPDATE SET t.a = s.a "
            "WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
            {
                ("DELETE", "TABLE", ("RAW", "ACCOUNTS")),
                ("UPDATE", "TABLE", ("RAW", "ACCOUNTS")),
                ("INSERT", "TABLE", ("RAW", "ACCOUNTS")),
                ("SELECT", "TABLE", ("RAW", "STG")),
            },
        ),
        (
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.a = s.a",
            {("UPDATE", "TABLE", ("T",)), ("SELECT", "TABLE", ("S",))},
        ),
        (
            "UPDATE x SET a = y.b FROM y WHERE x.id = y.id",
            {("UPDATE", "TABLE", ("X",)), ("SELECT", "TABLE", ("Y",))},
        ),
        (
            "DELETE FROM x USING y WHERE x.a = y.a",
            {("DELETE", "TABLE", ("X",)), ("SELECT", "TABLE", ("Y",))},
        ),
        ("TRUNCATE TABLE IF EXISTS x", {("TRUNCATE", "TABLE", ("X",))}),
        (
            "COPY INTO raw.x FROM @lht.lht_stage/abc/ FILE_FORMAT = (TYPE = CSV)",
            {("INSERT", "TABLE", ("RAW", "X")), ("READ", "STAGE", ("LHT", "LHT_STAGE"))},
        ),
        ("COPY INTO @s/x FROM t", {("WRITE", "STAGE", ("S",)), ("SELECT", "TABLE", ("T",))}),
        ("PUT file:///tmp/x '@LHT.LHT_STAGE/a'", {("WRITE", "STAGE", ("LHT", "LHT_STAGE"))}),
        ("LIST @lht_stage", {("READ", "STAGE", ("LHT_STAGE",))}),
        ("REMOVE @lht_stage/x", {("WRITE", "STAGE", ("LHT_STAGE",))}),
        ('SELECT $1 FROM @"LHT"."LHT_STAGE"/x/', {("READ", "STAGE", ("LHT", "LHT_STAGE"))}),
        ("LIST @~", set()),
        (
            "CREATE TABLE x AS SELECT * FROM y",
            {("CREATE", "TABLE", ("X",)), ("SELECT", "TABLE", ("Y",))},
        ),
        (
            "CREATE OR REPLACE TABLE t CLONE s",
            {("CREATE", "TABLE", ("T",)), ("SELECT", "TABLE", ("S",))},
        ),
        ("DROP TABLE a, b", {("OWNERSHIP", "TABLE", ("A",)), ("OWNERSHIP", "TABLE", ("B",))}),
        ("DROP SCHEMA IF EXISTS x.y CASCADE", {("OWNERSHIP", "SCHEMA", ("X", "Y"))}),
        ("ALTER TABLE x ADD COLUMN b INT", {("OWNERSHIP", "TABLE", ("X",))}),
        ("USE SCHEMA db.lht", {("ANY", "SCHEMA", ("DB", "LHT"))}),
        ("SHOW TABLES IN SCHEMA lht", {("ANY", "SCHEMA", ("LHT",))}),
        ("ALTER SESSION SET TIMEZONE = 'UTC'", set()),
        ("BEGIN TRANSACTION", set()),
        ("SELECT CURRENT_ROLE()", set()),
    ],
)
def test_needs(sql: str, expected: set[tuple[str, str, tuple[str, ...]]]) -> None:
    assert _needs(sql) == expected


def test_create_effects_carry_replace_copy_grants_and_managed_access() -> None:
    view = analyze('CREATE OR REPLACE VIEW "LHT"."V" COPY GRANTS AS SELECT 1 FROM t')
    assert view.effects == (
        Effect("create", "VIEW", ("LHT", "V"), or_replace=True, copy_grants=True),
    )
    assert Need("CREATE", "VIEW", ("LHT", "V")) in view.needs
    managed = analyze("CREATE SCHEMA IF NOT EXISTS lht.raw WITH MANAGED ACCESS")
    assert managed.effects == (
        Effect("create", "SCHEMA", ("LHT", "RAW"), if_not_exists=True, managed_access=True),
    )
    assert analyze("CREATE SCHEMA raw").effects[0].managed_access is False


def test_rename_and_drop_effects() -> None:
    assert analyze("ALTER TABLE x RENAME TO y").effects == (
        Effect("rename", "TABLE", ("X",), new_parts=("Y",)),
    )
    assert analyze("DROP VIEW IF EXISTS v").effects == (
        Effect("drop", "VIEW", ("V",), if_not_exists=True),
    )


def test_quoted_identifiers_keep_case() -> None:
    assert _needs('SELECT * FROM "my db"."Sch".t') == {("SELECT", "TABLE", ("my db", "Sch", "T"))}


def test_unparseable_is_left_to_fakesnow() -> None:
    assert analyze("SELECT * FROM (").parsed is False


def test_resolve_against_session_context() -> None:
    assert resolve(("T",), "TABLE", "DB", "S") == "DB.S.T"
    assert resolve(("X", "T"), "TABLE", "DB", "S") == "DB.X.T"
    assert resolve(("A", "B", "C"), "TABLE", None, None) == "A.B.C"
    assert resolve(("RAW",), "SCHEMA", "DB", "S") == "DB.RAW"
    assert resolve(("D",), "DATABASE", "DB", None) == "D"
    assert resolve(("T",), "TABLE", None, None) is None
    assert resolve(("a b",), "TABLE", "DB", "S") == 'DB.S."a b"'
