"""LIST / REMOVE with a path and PATTERN on the local Snowflake (docs: sql/list, sql/remove)."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import snowflake.connector

from lht.local.runtime import LocalWarehouse
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.stage_files import StageLocation, parse_location
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter
from tests.local.snowflake.helpers import error_of

Sql = Callable[[str], list[dict[str, Any]]]
FILES = ("a/r1/f1.csv.gz", "a/r1/f2.csv.gz", "a/r10/f1.csv.gz", "b/x.csv.gz", "b/y.json")


@pytest.fixture
def staged(snowpark_session: Any, sql: Sql, schema: str) -> str:
    """A stage ``<schema>.ST`` holding :data:`FILES`; its fully qualified name."""
    sql("CREATE STAGE ST")
    for path in FILES:
        data = io.BytesIO(path.encode())
        snowpark_session.file.put_stream(data, f"@{schema}.ST/{path}", auto_compress=False)
    return f"LHT_LOCAL.{schema}.ST"


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(r["name"] for r in rows)


def test_remove_path_removes_only_that_prefix(sql: Sql, staged: str) -> None:
    removed = sql(f"REMOVE @{staged}/a/r1/")
    left = sql(f"LIST @{staged}")

    assert removed == [{"name": "st/a/r1/f1.csv.gz", "result": "removed"},
                       {"name": "st/a/r1/f2.csv.gz", "result": "removed"}]  # fmt: skip
    assert _names(left) == ["st/a/r10/f1.csv.gz", "st/b/x.csv.gz", "st/b/y.json"]


def test_path_is_a_name_prefix_not_a_folder(sql: Sql, staged: str) -> None:
    removed = sql(f"RM @{staged}/a/r1")

    assert _names(removed) == ["st/a/r1/f1.csv.gz", "st/a/r1/f2.csv.gz", "st/a/r10/f1.csv.gz"]
    assert _names(sql(f"LS @{staged}")) == ["st/b/x.csv.gz", "st/b/y.json"]


def test_pattern_must_match_the_whole_listed_name(sql: Sql, staged: str) -> None:
    listed = sql(f"LIST @{staged}/b/ PATTERN = '.*[.]json'")
    unanchored = sql(f"LIST @{staged} PATTERN = 'json'")
    removed = sql(f"REMOVE '@{staged}/a/' PATTERN='.*f1[.]csv[.]gz'")

    assert [(r["name"], r["size"]) for r in listed] == [("st/b/y.json", len(b"b/y.json"))]
    assert listed[0]["md5"] == hashlib.md5(b"b/y.json").hexdigest()
    assert listed[0]["last_modified"].endswith(" GMT")
    assert unanchored == []
    assert _names(removed) == ["st/a/r1/f1.csv.gz", "st/a/r10/f1.csv.gz"]


def test_remove_of_nothing_answers_no_rows(sql: Sql, staged: str, schema: str) -> None:
    assert sql(f"REMOVE @{schema}.ST/nothing/here/") == []
    assert sql("REMOVE @ST/a/ PATTERN = '.*[.]parquet'") == []
    assert len(sql(f"LIST @{staged}")) == len(FILES)


def test_unknown_stage_and_user_stage_fail_clearly(sql: Sql, schema: str) -> None:
    missing = error_of(sql, f"REMOVE @{schema}.NO_SUCH/x/")
    user = error_of(sql, "LIST @~/x")
    bad = error_of(sql, f"REMOVE @{schema}.ST/x/ PATTERN .*")

    assert f"Stage 'LHT_LOCAL.{schema}.NO_SUCH' does not exist or not authorized." in missing
    assert "Unsupported feature '@~'" in user
    assert "syntax error" in bad


def test_stage_writer_removes_a_run_prefix(snowpark_session: Any, sql: Sql, staged: str) -> None:
    stage = StageWriter(snowpark_session, staged.split(".", 1)[1])
    runner = StatementRunner(snowpark_session)

    done = stage.remove_prefix(runner, "b")

    assert done is True
    assert _names(sql(f"LIST @{staged}")) == [f"st/{p}" for p in FILES[:3]]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("REMOVE @LHT.LHT_STAGE/push/r1/", StageLocation(("LHT", "LHT_STAGE"), "push/r1/", None)),
        ("rm @s", StageLocation(("S",), "", None)),
        (
            "LIST '@\"my stage\"/Dir/x' PATTERN = '.*a''b.*';",
            StageLocation(("my stage",), "Dir/x", ".*a'b.*"),
        ),
        ('ls @db."Sch.x".st/p', StageLocation(("DB", "Sch.x", "ST"), "p", None)),
    ],
)
def test_parse_location_reads_names_paths_and_patterns(sql: str, expected: StageLocation) -> None:
    assert parse_location(sql) == expected


@pytest.mark.parametrize("sql", ["REMOVE", "REMOVE x", "REMOVE @a.b.c.d/x", "LIST @s PATTERN"])
def test_parse_location_refuses_malformed_locations(sql: str) -> None:
    with pytest.raises(SqlError):
        parse_location(sql)


def test_remove_needs_write_list_needs_read(local_warehouse: LocalWarehouse) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    role, user, schema = f"R_{tag}", f"U_{tag}", f"S_{tag}"
    configs = local_warehouse._configs(local_warehouse._port)
    admin = snowflake.connector.connect(**{**configs, "user": "lht_local"})
    run = admin.cursor().execute
    run(f"CREATE SCHEMA LHT_LOCAL.{schema}")
    run(f"CREATE STAGE LHT_LOCAL.{schema}.ST")
    for stmt in (f"CREATE ROLE {role}", f"CREATE USER {user} PASSWORD = 'x'",
                 f"GRANT ROLE {role} TO USER {user}", f"GRANT USAGE ON DATABASE LHT_LOCAL TO "
                 f"ROLE {role}", f"GRANT USAGE ON SCHEMA LHT_LOCAL.{schema} TO ROLE {role}",
                 f"GRANT READ ON STAGE LHT_LOCAL.{schema}.ST TO ROLE {role}"):  # fmt: skip
        run(stmt)
    ops = snowflake.connector.connect(**{**configs, "user": user, "role": role})
    try:
        listed = ops.cursor().execute(f"LIST @LHT_LOCAL.{schema}.ST").fetchall()
        with pytest.raises(snowflake.connector.errors.ProgrammingError) as refused:
            ops.cursor().execute(f"REMOVE @LHT_LOCAL.{schema}.ST/x/")
        run(f"GRANT WRITE ON STAGE LHT_LOCAL.{schema}.ST TO ROLE {role}")
        removed = ops.cursor().execute(f"REMOVE @LHT_LOCAL.{schema}.ST/x/").fetchall()
    finally:
        ops.close()
        for stmt in (f"DROP SCHEMA LHT_LOCAL.{schema} CASCADE", f"DROP USER {user}",
                     f"DROP ROLE {role}"):  # fmt: skip
            run(stmt)
        admin.close()

    assert listed == []
    assert "Insufficient privileges" in str(refused.value.msg)
    assert removed == []
