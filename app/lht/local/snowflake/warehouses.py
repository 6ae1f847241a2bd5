"""Warehouses: accepted and recorded (there is no compute to size), and USE WAREHOUSE.

Grammar (docs.snowflake.com/en/sql-reference/sql/create-warehouse, .../alter-warehouse,
.../use-warehouse, .../show-warehouses, .../drop-warehouse): ``CREATE [ OR REPLACE ] WAREHOUSE
[ IF NOT EXISTS ] <name> [ [ WITH ] <property> = <value> ... ]`` with the documented properties
(WAREHOUSE_SIZE, WAREHOUSE_TYPE, AUTO_SUSPEND, AUTO_RESUME, INITIALLY_SUSPENDED, ...); ``ALTER
WAREHOUSE [ IF EXISTS ] <name> { SUSPEND | RESUME [ IF SUSPENDED ] | SET ... | UNSET ... }``;
``USE WAREHOUSE <name>`` (an unknown warehouse is "Object does not exist, or operation cannot
be performed.", 002043). A new account has COMPUTE_WH (``lht.local.snowflake.catalog``).
"""

from __future__ import annotations

from dataclasses import replace

from lht.local.snowflake.catalog import ACCOUNT, CatalogObject
from lht.local.snowflake.objects import (
    account_objects,
    created,
    parse_create,
    parse_properties,
    parse_show,
    show_result,
    single_name,
)
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DDL, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import Parser

__all__ = ["KIND", "register"]

KIND = "WAREHOUSE"
TITLE = "Warehouse"
PROPERTIES = ("WAREHOUSE_SIZE", "WAREHOUSE_TYPE", "MAX_CLUSTER_COUNT", "MIN_CLUSTER_COUNT",
              "SCALING_POLICY", "AUTO_SUSPEND", "AUTO_RESUME", "INITIALLY_SUSPENDED",
              "RESOURCE_MONITOR", "COMMENT", "ENABLE_QUERY_ACCELERATION",
              "QUERY_ACCELERATION_MAX_SCALE_FACTOR", "MAX_CONCURRENCY_LEVEL",
              "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "STATEMENT_TIMEOUT_IN_SECONDS",
              "RESOURCE_CONSTRAINT", "GENERATION")  # fmt: skip


def _scalar(parser: Parser) -> object:
    token = parser.next()
    if token.kind in ("word", "string", "number", "qident"):
        return token.value
    raise parser.error(token)


_READERS = {name: _scalar for name in PROPERTIES}


def register(registry: Registry) -> None:
    registry.add("CREATE", "WAREHOUSE", create)
    registry.add("ALTER", "WAREHOUSE", alter)
    registry.add("DROP", "WAREHOUSE", drop)
    registry.add("USE", "WAREHOUSE", use)
    registry.add("SHOW", "WAREHOUSES", show, lambda s: list(SHOW_COLUMNS))


def _get(stmt: Statement, name: str) -> CatalogObject | None:
    return stmt.catalog.get(KIND, ACCOUNT, ACCOUNT, name)


def create(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    head = parse_create(parser, ("WAREHOUSE",))
    parser.accept("WITH")
    props = parse_properties(parser, _READERS)
    parser.end()
    name = single_name(head.name)
    stmt.authorize("CREATE WAREHOUSE", "ACCOUNT")
    if _get(stmt, name) is not None and not head.replace:
        if head.if_not_exists:
            return created(TITLE, name, existed=True)
        raise SqlError.already_exists(name)
    state = "SUSPENDED" if str(props.get("INITIALLY_SUSPENDED", "")).upper() == "TRUE" \
        else "STARTED"  # fmt: skip
    values = {k.lower(): v for k, v in props.items() if k != "COMMENT"}
    stmt.catalog.put(CatalogObject(KIND, ACCOUNT, ACCOUNT, name, owner=stmt.session.role,
                                   comment=_text(props.get("COMMENT")),
                                   properties={"state": state, **values}))  # fmt: skip
    stmt.session.warehouse = name  # CREATE WAREHOUSE makes it the session's warehouse
    return created(TITLE, name, existed=False)


def alter(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("ALTER", "WAREHOUSE")
    if_exists = parser.accept("IF", "EXISTS")
    name = single_name(parser.object_name())
    found = _get(stmt, name)
    action = parser.one_of("SET", "UNSET", "SUSPEND", "RESUME", "ABORT", "RENAME")
    if found is None:
        if if_exists:
            return status("Statement executed successfully.")
        raise SqlError.does_not_exist(TITLE, name)
    stmt.authorize("MODIFY", KIND, (name,))
    if action == "SET":
        props = parse_properties(parser, _READERS)
        found = found.with_properties(**{k.lower(): v for k, v in props.items()})
    elif action == "SUSPEND":
        found = found.with_properties(state="SUSPENDED")
    elif action == "RESUME":
        parser.accept("IF", "SUSPENDED")
        found = found.with_properties(state="STARTED")
    elif action == "UNSET":
        key = parser.one_of(*PROPERTIES).lower()
        found = replace(found, properties={k: v for k, v in found.properties.items() if k != key})
    else:
        raise SqlError(2, "0A000", f"Unsupported feature 'ALTER WAREHOUSE {action}' (not "
                       "emulated by the local Snowflake).")  # fmt: skip
    parser.end()
    stmt.catalog.put(found)
    return status("Statement executed successfully.")


def drop(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("DROP", "WAREHOUSE")
    if_exists = parser.accept("IF", "EXISTS")
    name = single_name(parser.object_name())
    parser.end()
    if _get(stmt, name) is None:
        if if_exists:
            return status(f"Drop statement executed successfully ({name} already dropped).", DDL)
        raise SqlError.does_not_exist(TITLE, name)
    stmt.authorize("OWNERSHIP", KIND, (name,))
    stmt.catalog.delete(KIND, ACCOUNT, ACCOUNT, name)
    if stmt.session.warehouse == name:
        stmt.session.warehouse = None
    return status(f"{name} successfully dropped.")


def use(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("USE", "WAREHOUSE")
    name = single_name(parser.object_name())
    parser.end()
    if _get(stmt, name) is None:
        raise SqlError(2043, "02000", "SQL compilation error:\nObject does not exist, or "
                       "operation cannot be performed.")  # fmt: skip
    stmt.authorize("USAGE", KIND, (name,))
    stmt.session.warehouse = name
    return status("Statement executed successfully.", 0x4300)


SHOW_COLUMNS = (Column("name"), Column("state"), Column("type"), Column("size"),
                Column("min_cluster_count", "fixed"), Column("max_cluster_count", "fixed"),
                Column("started_clusters", "fixed"), Column("running", "fixed"),
                Column("queued", "fixed"), Column("is_default"), Column("is_current"),
                Column("auto_suspend", "fixed"), Column("auto_resume"),
                Column("created_on", "timestamp_ltz"), Column("owner"), Column("comment"),
                Column("scaling_policy"), Column("owner_role_type"))  # fmt: skip


def show(stmt: Statement) -> Result:
    flt = parse_show(stmt, ("WAREHOUSES",), schema_objects=False)
    rows = []
    for w in account_objects(stmt, KIND, flt):
        p = w.properties
        running = p.get("state") == "STARTED"
        rows.append([w.name, p.get("state", "STARTED"), p.get("warehouse_type", "STANDARD"),
                     p.get("warehouse_size", p.get("size", "X-Small")),
                     p.get("min_cluster_count", 1), p.get("max_cluster_count", 1),
                     1 if running else 0, 0, 0, "N",
                     "Y" if stmt.session.warehouse == w.name else "N",
                     p.get("auto_suspend", 600), str(p.get("auto_resume", True)).lower(),
                     w.created_on, w.owner, w.comment or "", p.get("scaling_policy", "STANDARD"),
                     "ROLE"])  # fmt: skip
    return show_result(SHOW_COLUMNS, rows)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
