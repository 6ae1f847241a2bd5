"""Secrets: CREATE / ALTER / DROP / SHOW / DESCRIBE SECRET (values never shown or logged).

Grammar (docs.snowflake.com/en/sql-reference/sql/create-secret, .../alter-secret,
.../show-secrets, .../desc-secret):

- ``CREATE [ OR REPLACE ] SECRET [ IF NOT EXISTS ] <name> TYPE = GENERIC_STRING
  SECRET_STRING = '<string>' [ COMMENT = '<string>' ]``
- ``... TYPE = PASSWORD USERNAME = '<user>' PASSWORD = '<password>' [ COMMENT = ... ]``
- ``ALTER SECRET [ IF EXISTS ] <name> SET { SECRET_STRING | USERNAME | PASSWORD | COMMENT } =
  '...'`` / ``UNSET COMMENT``

The other types (OAUTH2, CLOUD_PROVIDER_TOKEN, SYMMETRIC_KEY) need a security integration or a
cloud provider; the local Snowflake refuses them as an unsupported feature. SHOW/DESCRIBE list
the metadata only — as on Snowflake, a secret's value is readable only through ``_snowflake``
inside a procedure or function that binds it.
"""

from __future__ import annotations

from dataclasses import replace

from lht.local.snowflake.catalog import CatalogObject
from lht.local.snowflake.objects import (
    created,
    drop_statement,
    parse_create,
    parse_properties,
    parse_show,
    require,
    scoped,
    show_result,
    string,
    words,
)
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DESCRIBE, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = ["KIND", "lookup", "register", "unsupported"]

KIND = "SECRET"
TITLE = "Secret"
SUPPORTED = ("GENERIC_STRING", "PASSWORD")
TYPES = (*SUPPORTED, "OAUTH2", "CLOUD_PROVIDER_TOKEN", "SYMMETRIC_KEY")
_CREATE = {"TYPE": words(*TYPES), "SECRET_STRING": string, "USERNAME": string,
           "PASSWORD": string, "COMMENT": string}  # fmt: skip
_NEEDS = {"GENERIC_STRING": ("SECRET_STRING",), "PASSWORD": ("USERNAME", "PASSWORD")}


def unsupported(what: str) -> SqlError:
    """Snowflake's 000002 (0A000) "Unsupported feature" for what the stand-in cannot emulate."""
    return SqlError(2, "0A000", f"Unsupported feature '{what}' (not emulated by the local "
                    "Snowflake).")  # fmt: skip


def register(registry: Registry) -> None:
    registry.add("CREATE", "SECRET", create)
    registry.add("ALTER", "SECRET", alter)
    registry.add("DROP", "SECRET", drop)
    registry.add("SHOW", "SECRETS", show, lambda s: list(SHOW_COLUMNS))
    registry.add("DESCRIBE", "SECRET", describe, lambda s: list(DESCRIBE_COLUMNS))


def lookup(stmt: Statement, name: ObjectName) -> CatalogObject | None:
    database, schema, secret = stmt.qualify(name, "this operation")
    return stmt.catalog.get(KIND, database, schema, secret)


def create(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    head = parse_create(parser, ("SECRET",))
    props = parse_properties(parser, _CREATE)
    secret_type = str(props.get("TYPE", ""))
    if props.get("TYPE") and secret_type not in SUPPORTED:
        raise unsupported(f"SECRET TYPE = {secret_type}")
    parser.end()
    require(props, "TYPE")
    require(props, *_NEEDS[secret_type])
    extra = set(props) - {"TYPE", "COMMENT", *_NEEDS[secret_type]}
    if extra:
        raise SqlError(1003, "42000", "SQL compilation error:\ninvalid property "
                       f"'{sorted(extra)[0]}' for 'SECRET' of TYPE = {secret_type}")  # fmt: skip
    database, schema, name = stmt.qualify(head.name, "CREATE SECRET")
    stmt.authorize("CREATE SECRET", "SCHEMA", (database, schema))
    if stmt.catalog.get(KIND, database, schema, name) is not None and not head.replace:
        if head.if_not_exists:
            return created(TITLE, name, existed=True)
        raise SqlError.already_exists(name)
    values = {k.lower(): v for k, v in props.items() if k not in ("TYPE", "COMMENT")}
    stmt.catalog.put(CatalogObject(KIND, database, schema, name, owner=stmt.session.role,
                                   comment=_text(props.get("COMMENT")),
                                   properties={"type": secret_type, **values}))  # fmt: skip
    return created(TITLE, name, existed=False)


def alter(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("ALTER", "SECRET")
    if_exists = parser.accept("IF", "EXISTS")
    name = parser.object_name()
    secret = lookup(stmt, name)
    action = parser.one_of("SET", "UNSET")
    if secret is None:
        if if_exists:
            return status("Statement executed successfully.")
        raise SqlError.does_not_exist(TITLE, str(name))
    stmt.authorize("OWNERSHIP", KIND, (secret.database, secret.schema, secret.name))
    if action == "UNSET":
        parser.expect("COMMENT")
        secret = replace(secret, comment=None)
    else:
        allowed = {k: _CREATE[k] for k in ("COMMENT", *_NEEDS[secret.properties["type"]])}
        props = parse_properties(parser, allowed)
        if not props:
            raise parser.error()
        values = {k.lower(): v for k, v in props.items() if k != "COMMENT"}
        secret = secret.with_properties(**values)
        if "COMMENT" in props:
            secret = replace(secret, comment=_text(props["COMMENT"]))
    parser.end()
    stmt.catalog.put(secret)
    return status("Statement executed successfully.")


def drop(stmt: Statement) -> Result:
    return drop_statement(stmt, ("SECRET",), TITLE, lambda name: lookup(stmt, name))


SHOW_COLUMNS = (Column("created_on", "timestamp_ltz"), Column("name"), Column("schema_name"),
                Column("database_name"), Column("owner"), Column("comment"),
                Column("secret_type"), Column("oauth_scopes"),
                Column("owner_role_type"))  # fmt: skip
DESCRIBE_COLUMNS = (Column("created_on", "timestamp_ltz"), Column("name"), Column("schema_name"),
                    Column("database_name"), Column("owner"), Column("comment"),
                    Column("secret_type"), Column("username"),
                    Column("oauth_access_token_expiry_time", "timestamp_ltz"),
                    Column("oauth_refresh_token_expiry_time", "timestamp_ltz"),
                    Column("oauth_scopes"), Column("integration_name"))  # fmt: skip


def show(stmt: Statement) -> Result:
    flt = parse_show(stmt, ("SECRETS",), schema_objects=True)
    rows = [[s.created_on, s.name, s.schema, s.database, s.owner, s.comment or "",
             s.properties["type"], None, "ROLE"] for s in scoped(stmt, KIND, flt)]  # fmt: skip
    return show_result(SHOW_COLUMNS, rows)


def describe(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.one_of("DESCRIBE", "DESC")
    parser.expect("SECRET")
    name = parser.object_name()
    parser.end()
    secret = lookup(stmt, name)
    if secret is None:
        raise SqlError.does_not_exist(TITLE, str(name))
    row = [secret.created_on, secret.name, secret.schema, secret.database, secret.owner,
           secret.comment or "", secret.properties["type"], secret.properties.get("username"),
           None, None, None, None]  # fmt: skip
    return Result(DESCRIBE_COLUMNS, [row], DESCRIBE)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
