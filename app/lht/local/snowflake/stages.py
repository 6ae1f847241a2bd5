"""Stages and containers: what fakesnow runs, recorded so it survives a restart.

fakesnow executes CREATE STAGE / PUT / LIST / COPY itself; the local Snowflake records each
permanent stage it created in the catalog (``lht.local.snowflake.restore`` re-creates them on
the next start; the files live under ``<db_dir>/stages``) and answers DROP STAGE, which fakesnow
lacks (docs.snowflake.com/en/sql-reference/sql/drop-stage). DROP SCHEMA also forgets every
catalog object inside (network rules, secrets, procedures, stages), as Snowflake drops a
schema's objects with it. (fakesnow 0.12.1 cannot DROP DATABASE at all.)
"""

from __future__ import annotations

import re
import shutil

from lht.local import fakesnow_patch
from lht.local.snowflake.catalog import CatalogObject
from lht.local.snowflake.objects import parse_drop
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DDL, Result, SqlError, status
from lht.local.snowflake.sqltext import Parser, head

__all__ = ["KIND", "register", "stage_dir"]

KIND = "STAGE"
TITLE = "Stage"


_IDENTIFIER = re.compile(r"IDENTIFIER\s*\(\s*('(?:[^'\\]|''|\\.)*')\s*\)", re.I)


def register(registry: Registry) -> None:
    registry.rewriter(plain_identifier)
    registry.after("CREATE", "STAGE", record)
    registry.add("DROP", "STAGE", drop)
    registry.after("DROP", "SCHEMA", dropped_schema)


def stage_dir(database: str, schema: str, name: str) -> str:
    """Where fakesnow keeps a stage's files."""
    return fakesnow_patch.stage_directory(database, schema, name)


def plain_identifier(sql: str, stmt: Statement) -> str:
    """``CREATE STAGE IF NOT EXISTS IDENTIFIER('DB.SCHEMA.NAME')`` (what ``snow snowpark deploy``
    sends, snowflake-cli ``_plugins/stage/manager.py`` ``create``) → the plain name, which is
    all fakesnow reads (docs: identifier-literal)."""
    if "IDENTIFIER" not in sql.upper() or head(sql, 5)[:1] != ["CREATE"] or \
            "STAGE" not in head(sql, 5):  # fmt: skip
        return sql

    def plain(match: re.Match[str]) -> str:
        parser = Parser(match.group(1))
        return str(Parser(parser.string()).object_name())

    return _IDENTIFIER.sub(plain, sql)


def record(stmt: Statement) -> None:
    """After fakesnow created a stage: remember permanent ones."""
    parser = Parser(stmt.sql)
    parser.expect("CREATE")
    replace = parser.accept("OR", "REPLACE")
    if parser.accept("TEMPORARY") or parser.accept("TEMP"):
        return
    parser.expect("STAGE")
    parser.accept("IF", "NOT", "EXISTS")
    database, schema, name = stmt.qualify(parser.object_name(), "CREATE STAGE")
    if replace or stmt.catalog.get(KIND, database, schema, name) is None:
        stmt.catalog.put(CatalogObject(KIND, database, schema, name, owner=stmt.session.role))


def drop(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    if_exists, name = parse_drop(parser, ("STAGE",))
    parser.end()
    database, schema, stage = stmt.qualify(name, "DROP STAGE")
    known = fakesnow_patch.stage_exists(stmt.session.connection, database, schema, stage)
    if not known:
        if if_exists:
            return status(f"Drop statement executed successfully ({stage} already dropped).", DDL)
        raise SqlError.does_not_exist(TITLE, f"{database}.{schema}.{stage}")
    stmt.authorize("OWNERSHIP", KIND, (database, schema, stage))
    fakesnow_patch.forget_stage(stmt.session.connection, database, schema, stage)
    stmt.catalog.delete(KIND, database, schema, stage)
    shutil.rmtree(stage_dir(database, schema, stage), ignore_errors=True)
    return status(f"{stage} successfully dropped.")


def dropped_schema(stmt: Statement) -> None:
    parser = Parser(stmt.sql)
    _, name = parse_drop(parser, ("SCHEMA",))
    parts = name.parts
    database = parts[0] if len(parts) == 2 else stmt.session.database
    if database:
        _forget_stages(stmt, database, parts[-1])
        stmt.catalog.drop_container(database, parts[-1])


def _forget_stages(stmt: Statement, database: str, schema: str | None) -> None:
    for stage in stmt.catalog.find(KIND, database=database, schema=schema):
        fakesnow_patch.forget_stage(stmt.session.connection, database, stage.schema, stage.name)
        shutil.rmtree(stage_dir(database, stage.schema, stage.name), ignore_errors=True)
