"""External access integrations: CREATE / ALTER / DROP / SHOW / DESCRIBE.

Grammar and rules (docs.snowflake.com/en/sql-reference/sql/create-external-access-integration,
.../alter-external-access-integration, .../show-integrations, .../desc-integration):

- ``CREATE [ OR REPLACE ] EXTERNAL ACCESS INTEGRATION [ IF NOT EXISTS ] <name>
  ALLOWED_NETWORK_RULES = ( <rule> [, ...] ) [ ALLOWED_API_AUTHENTICATION_INTEGRATIONS = (
  { <integration> [, ...] | NONE } ) ] [ ALLOWED_AUTHENTICATION_SECRETS = ( { <secret> [, ...]
  | ALL | NONE } ) ] ENABLED = { TRUE | FALSE } [ COMMENT = '<string>' ]``; ALLOWED_NETWORK_RULES
  and ENABLED are required. Every named rule and secret must exist (names resolve against the
  session's current database and schema, as for any object name). Integrations are account
  objects (no database/schema).
- ``SHOW [ EXTERNAL ACCESS ] INTEGRATIONS [ LIKE '<pattern>' ]``: name, type
  (``EXTERNAL_ACCESS``), category (``SECURITY``), enabled, comment, created_on — the CLI's
  ``snow snowpark deploy`` reads ``name`` and ``type`` to check the integrations exist.
- ``DESCRIBE [ EXTERNAL ACCESS ] INTEGRATION <name>``: property, property_type, property_value,
  property_default.
- ``DROP [ EXTERNAL ACCESS ] INTEGRATION [ IF EXISTS ] <name>``.

A procedure may bind a secret only if one of its integrations allows it (ALL or named) — checked
at CREATE PROCEDURE, as Snowflake does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from lht.local.snowflake import network_rules, secret_objects
from lht.local.snowflake.catalog import ACCOUNT, CatalogObject
from lht.local.snowflake.objects import (
    account_objects,
    boolean,
    created,
    names_or,
    parse_create,
    parse_properties,
    parse_show,
    require,
    show_result,
    single_name,
    string,
)
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DDL, DESCRIBE, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = ["KIND", "allows_secret", "lookup", "register", "rules_of"]

KIND = "INTEGRATION"
TITLE = "Integration"
_WORDS = ("EXTERNAL", "ACCESS", "INTEGRATION")
_PROPS = {"ALLOWED_NETWORK_RULES": names_or(), "ALLOWED_API_AUTHENTICATION_INTEGRATIONS":
          names_or("NONE"), "ALLOWED_AUTHENTICATION_SECRETS": names_or("ALL", "NONE"),
          "ENABLED": boolean, "COMMENT": string}  # fmt: skip


def register(registry: Registry) -> None:
    registry.add("CREATE", "EXTERNAL ACCESS INTEGRATION", create)
    registry.add("ALTER", "EXTERNAL ACCESS INTEGRATION", alter)
    for kind in ("EXTERNAL ACCESS INTEGRATION", "INTEGRATION"):
        registry.add("DROP", kind, drop)
        registry.add("DESCRIBE", kind, describe, lambda s: list(DESCRIBE_COLUMNS))
    for kind in ("EXTERNAL ACCESS INTEGRATIONS", "INTEGRATIONS"):
        registry.add("SHOW", kind, show, lambda s: list(SHOW_COLUMNS))


def lookup(catalog_stmt: Statement, name: str) -> CatalogObject | None:
    return catalog_stmt.catalog.get(KIND, ACCOUNT, ACCOUNT, name)


def rules_of(stmt: Statement, integration: CatalogObject) -> list[CatalogObject]:
    """The network rules an integration names (those still existing)."""
    found = []
    for parts in integration.properties["allowed_network_rules"]:
        rule = stmt.catalog.get(network_rules.KIND, *parts)
        if rule is not None:
            found.append(rule)
    return found


def allows_secret(integration: CatalogObject, secret: CatalogObject) -> bool:
    allowed = integration.properties["allowed_authentication_secrets"]
    if allowed == "ALL":
        return True
    return isinstance(allowed, list) and [secret.database, secret.schema, secret.name] in allowed


def create(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    head = parse_create(parser, _WORDS)
    props = parse_properties(parser, _PROPS)
    parser.end()
    require(props, "ALLOWED_NETWORK_RULES", "ENABLED")
    name = single_name(head.name)
    stmt.authorize("CREATE INTEGRATION", "ACCOUNT")
    if lookup(stmt, name) is not None and not head.replace:
        if head.if_not_exists:
            return created(TITLE, name, existed=True)
        raise SqlError.already_exists(name)
    stmt.catalog.put(CatalogObject(KIND, ACCOUNT, ACCOUNT, name, owner=stmt.session.role,
                                   comment=_text(props.get("COMMENT")),
                                   properties=_resolved(stmt, props, None)))  # fmt: skip
    return created(TITLE, name, existed=False)


def alter(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("ALTER", *_WORDS)
    if_exists = parser.accept("IF", "EXISTS")
    name = single_name(parser.object_name())
    action = parser.one_of("SET", "UNSET")
    found = lookup(stmt, name)
    if found is None:
        if if_exists:
            return status("Statement executed successfully.")
        raise SqlError.does_not_exist(TITLE, name)
    stmt.authorize("OWNERSHIP", KIND, (name,))
    if action == "SET":
        props = parse_properties(parser, _PROPS)
        if not props:
            raise parser.error()
        updated = replace(found, properties=_resolved(stmt, props, found))
        if "COMMENT" in props:
            updated = replace(updated, comment=_text(props["COMMENT"]))
    else:
        key = parser.one_of("ALLOWED_AUTHENTICATION_SECRETS", "COMMENT",
                            "ALLOWED_API_AUTHENTICATION_INTEGRATIONS")  # fmt: skip
        updated = replace(found, comment=None) if key == "COMMENT" else \
            found.with_properties(**{key.lower(): "NONE"})  # fmt: skip
    parser.end()
    stmt.catalog.put(updated)
    return status("Statement executed successfully.")


def drop(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("DROP")
    if not parser.accept(*_WORDS):
        parser.expect("INTEGRATION")
    if_exists = parser.accept("IF", "EXISTS")
    name = single_name(parser.object_name())
    parser.end()
    if lookup(stmt, name) is None:
        if if_exists:
            return status(f"Drop statement executed successfully ({name} already dropped).", DDL)
        raise SqlError.does_not_exist(TITLE, name)
    stmt.authorize("OWNERSHIP", KIND, (name,))
    stmt.catalog.delete(KIND, ACCOUNT, ACCOUNT, name)
    return status(f"{name} successfully dropped.")


SHOW_COLUMNS = (Column("name"), Column("type"), Column("category"), Column("enabled", "boolean"),
                Column("comment"), Column("created_on", "timestamp_ltz"))  # fmt: skip
DESCRIBE_COLUMNS = (Column("property"), Column("property_type"), Column("property_value"),
                    Column("property_default"))  # fmt: skip


def show(stmt: Statement) -> Result:
    parser_kinds = ("EXTERNAL", "ACCESS", "INTEGRATIONS") if "EXTERNAL" in stmt.words[1:3] \
        else ("INTEGRATIONS",)  # fmt: skip
    flt = parse_show(stmt, parser_kinds, schema_objects=False)
    rows = [[i.name, "EXTERNAL_ACCESS", "SECURITY", i.properties["enabled"], i.comment,
             i.created_on] for i in account_objects(stmt, KIND, flt)]  # fmt: skip
    return show_result(SHOW_COLUMNS, rows)


def describe(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.one_of("DESCRIBE", "DESC")
    if not parser.accept(*_WORDS):
        parser.expect("INTEGRATION")
    name = single_name(parser.object_name())
    parser.end()
    found = lookup(stmt, name)
    if found is None:
        raise SqlError.does_not_exist(TITLE, name)
    props = found.properties
    rows = [
        ["ENABLED", "Boolean", str(props["enabled"]).lower(), "false"],
        ["ALLOWED_NETWORK_RULES", "List", _names(props["allowed_network_rules"]), "[]"],
        ["ALLOWED_API_AUTHENTICATION_INTEGRATIONS", "List",
         _names(props["allowed_api_authentication_integrations"]), "[]"],
        ["ALLOWED_AUTHENTICATION_SECRETS", "List",
         _names(props["allowed_authentication_secrets"]), "[]"],
        ["COMMENT", "String", found.comment or "", ""],
    ]  # fmt: skip
    return Result(DESCRIBE_COLUMNS, rows, DESCRIBE)


def _resolved(stmt: Statement, props: dict[str, object],
              old: CatalogObject | None) -> dict[str, object]:  # fmt: skip
    """Properties with every rule/secret name checked and fully qualified."""
    base: dict[str, object] = dict(old.properties) if old else {
        "allowed_network_rules": [], "allowed_authentication_secrets": "NONE",
        "allowed_api_authentication_integrations": "NONE", "enabled": False}  # fmt: skip
    if "ENABLED" in props:
        base["enabled"] = bool(props["ENABLED"])
    if "ALLOWED_NETWORK_RULES" in props:
        base["allowed_network_rules"] = _existing(
            stmt, props["ALLOWED_NETWORK_RULES"], network_rules.KIND, "Network rule"
        )
    if "ALLOWED_AUTHENTICATION_SECRETS" in props:
        base["allowed_authentication_secrets"] = _existing(
            stmt, props["ALLOWED_AUTHENTICATION_SECRETS"], secret_objects.KIND, "Secret"
        )
    if "ALLOWED_API_AUTHENTICATION_INTEGRATIONS" in props:
        value = props["ALLOWED_API_AUTHENTICATION_INTEGRATIONS"]
        if value != "NONE":
            raise secret_objects.unsupported("ALLOWED_API_AUTHENTICATION_INTEGRATIONS")
    return base


def _existing(stmt: Statement, value: object, kind: str, title: str) -> object:
    if isinstance(value, str):  # ALL / NONE
        return value
    assert isinstance(value, list)
    qualified: list[list[str]] = []
    for name in value:
        assert isinstance(name, ObjectName)
        parts = stmt.qualify(name, f"CREATE EXTERNAL ACCESS INTEGRATION ({title.lower()})")
        if stmt.catalog.get(kind, *parts) is None:
            raise SqlError.does_not_exist(title, ".".join(parts))
        qualified.append(list(parts))
    return qualified


def _names(value: object) -> str:
    if isinstance(value, str):
        return value
    assert isinstance(value, Sequence)
    return "[" + ", ".join(".".join(parts) for parts in value) + "]"


def _text(value: object) -> str | None:
    return None if value is None else str(value)
