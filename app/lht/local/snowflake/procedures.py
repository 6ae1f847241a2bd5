"""Stored procedures: CREATE / SHOW / DESCRIBE / DROP PROCEDURE (CALL: ``procedure_call``).

Sources: docs.snowflake.com/en/sql-reference/sql/create-procedure, .../show-procedures,
.../desc-procedure, .../drop-procedure; what ``snow snowpark deploy`` sends and reads back:
snowflake-cli ``_plugins/snowpark/common.py`` (``create_or_replace``,
``_check_if_replace_is_required``, ``_convert_resource_details_to_dict``) and ``commands.py``
(``_find_existing_objects``: ``describe procedure <name>(<types>)``); Snowpark's
``session.call`` reads DESCRIBE's second row (``returns``) to tell TABLE procedures apart.

CREATE validates as Snowflake does before anything is stored: LANGUAGE PYTHON, a
RUNTIME_VERSION Snowflake offers and the sandbox runs, every PACKAGES entry a requirement
installed in the local sandbox (``sandbox.check_packages``; a ``# comment`` line fails here),
every IMPORTS file on its stage and the HANDLER defined in them (``procedure_code``), every
EXTERNAL_ACCESS_INTEGRATIONS entry an existing external access integration, every SECRETS entry
an existing secret that one of those integrations allows (ALLOWED_AUTHENTICATION_SECRETS). The
creator needs CREATE PROCEDURE on the schema, USAGE on each integration and READ (or USAGE) on
each secret (sql/create-procedure, access control requirements), OWNERSHIP of a procedure it
replaces. Overloads are kept per argument-type signature (``(VARCHAR, VARIANT)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lht.local.snowflake import integrations, sandbox, secret_objects
from lht.local.snowflake.catalog import CatalogObject
from lht.local.snowflake.objects import ShowFilter, parse_show, show_result
from lht.local.snowflake.procedure_code import StagedFile, check_handler, resolve_import
from lht.local.snowflake.procedure_sql import (
    ProcedureDef,
    parse_create_procedure,
    parse_reference,
    signature_text,
)
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DDL, DESCRIBE, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = ["KIND", "find_overloads", "register", "returns_text"]

KIND = "PROCEDURE"
TITLE = "Procedure"

SHOW_COLUMNS = (
    Column("created_on", "timestamp_ltz"), Column("name"), Column("schema_name"),
    Column("is_builtin"), Column("is_aggregate"), Column("is_ansi"),
    Column("min_num_arguments", "fixed"), Column("max_num_arguments", "fixed"),
    Column("arguments"), Column("description"), Column("catalog_name"),
    Column("is_table_function"), Column("valid_for_clustering"), Column("is_secure"),
    Column("secrets"), Column("external_access_integrations"),
)  # fmt: skip
DESCRIBE_COLUMNS = (Column("property"), Column("value"))


def register(registry: Registry) -> None:
    registry.add("CREATE", "PROCEDURE", create)
    registry.add("DROP", "PROCEDURE", drop)
    registry.add("DESCRIBE", "PROCEDURE", describe, lambda s: list(DESCRIBE_COLUMNS))
    registry.add("SHOW", "PROCEDURES", show, lambda s: list(SHOW_COLUMNS))
    registry.add("SHOW", "USER PROCEDURES", show, lambda s: list(SHOW_COLUMNS))


# -- CREATE --------------------------------------------------------------------------------------


def create(stmt: Statement) -> Result:
    definition = parse_create_procedure(stmt.sql)
    if definition.temporary:
        raise secret_objects.unsupported("CREATE TEMPORARY PROCEDURE")
    database, schema, name = stmt.qualify(definition.name, "CREATE PROCEDURE")
    stmt.authorize("CREATE PROCEDURE", "SCHEMA", (database, schema))
    signature = signature_text(definition.types)
    existing = stmt.catalog.get(KIND, database, schema, name, signature)
    if existing is not None and not definition.replace:
        if definition.if_not_exists:
            return status(f"{name} already exists, statement succeeded.", DDL)
        raise SqlError.already_exists(name)
    if existing is not None:
        stmt.authorize("OWNERSHIP", KIND, (database, schema, name, *definition.types))
    properties = _validated(stmt, definition, name)
    stmt.catalog.put(CatalogObject(KIND, database, schema, name, signature,
                                   owner=stmt.session.role,
                                   comment=definition.properties.get("COMMENT"),
                                   properties=properties))  # fmt: skip
    return status(f"Function {name} successfully created.", DDL)


def _validated(stmt: Statement, d: ProcedureDef, name: str) -> dict[str, Any]:
    """The catalog properties of a valid definition (SqlError at the first problem)."""
    props = d.properties
    if d.language != "PYTHON":
        raise secret_objects.unsupported(f"LANGUAGE {d.language}")
    if d.body is not None:
        raise secret_objects.unsupported("in-line handler code (AS '...')")
    for key in ("ARTIFACT_REPOSITORY", "RESOURCE_CONSTRAINT", "TARGET_PATH"):
        if key in props:
            raise secret_objects.unsupported(key)
    runtime = _runtime(props)
    missing = [k for k in ("HANDLER", "PACKAGES") if k not in props]
    if missing:
        raise SqlError(1003, "42000", "SQL compilation error:\nMissing option(s): "
                       f"[{', '.join(missing)}].")  # fmt: skip
    installed = sandbox.check_packages([str(p) for p in props["PACKAGES"]])
    imports = [resolve_import(stmt, str(text)) for text in props.get("IMPORTS", [])]
    check_handler(name, str(props["HANDLER"]), imports)
    bound_integrations = _integrations(stmt, props.get("EXTERNAL_ACCESS_INTEGRATIONS", []))
    secrets = _secrets(stmt, props.get("SECRETS", []), bound_integrations)
    return {
        "arguments": [[a.name, a.type, a.default] for a in d.arguments],
        "returns": d.returns,
        "columns": [list(c) for c in d.columns],
        "language": d.language,
        "runtime_version": runtime,
        "packages": [str(p) for p in props["PACKAGES"]],
        "installed_packages": installed,
        "imports": [_import_entry(i) for i in imports],
        "handler": str(props["HANDLER"]),
        "external_access_integrations": [i.name for i in bound_integrations],
        "secrets": secrets,
        "execute_as": d.execute_as,
        "null_handling": d.null_handling,
        "volatility": d.volatility,
    }


def _runtime(props: Any) -> str:
    version = str(props.get("RUNTIME_VERSION", ""))
    if not version:
        raise SqlError(1003, "42000", "SQL compilation error:\nMissing option(s): "
                       "[RUNTIME_VERSION].")  # fmt: skip
    if version not in sandbox.SNOWFLAKE_RUNTIMES:
        raise SqlError(391531, "22023", f"SQL compilation error: Unsupported runtime version "
                       f"'{version}' for LANGUAGE PYTHON. Supported versions are: "
                       f"{', '.join(sandbox.SNOWFLAKE_RUNTIMES)}.")  # fmt: skip
    if version != sandbox.RUNTIME_VERSION:
        raise secret_objects.unsupported(f"RUNTIME_VERSION = '{version}' (the local sandbox "
                                         f"runs Python {sandbox.RUNTIME_VERSION})")  # fmt: skip
    return version


def _import_entry(staged: StagedFile) -> dict[str, Any]:
    return {"text": staged.text, "stage": list(staged.stage), "path": staged.path}


def _integrations(stmt: Statement, names: Any) -> list[CatalogObject]:
    found: list[CatalogObject] = []
    for name in names:
        assert isinstance(name, ObjectName)
        integration = integrations.lookup(stmt, name.name) if len(name.parts) == 1 else None
        if integration is None:
            raise SqlError.does_not_exist("Integration", str(name))
        stmt.authorize("USAGE", integrations.KIND, (integration.name,))
        found.append(integration)
    return found


def _secrets(stmt: Statement, pairs: Any,
             bound: Sequence[CatalogObject]) -> list[list[str]]:  # fmt: skip
    """[alias, database, schema, name] per secret; each must be allowed by an integration."""
    resolved: list[list[str]] = []
    for alias, name in pairs:
        secret = secret_objects.lookup(stmt, name)
        if secret is None:
            raise SqlError.does_not_exist("Secret", str(name))
        parts = (secret.database, secret.schema, secret.name)
        stmt.authorize("USAGE", secret_objects.KIND, parts)
        if not any(integrations.allows_secret(i, secret) for i in bound):
            raise SqlError(
                2,
                "42601",
                "SQL compilation error:\nSecret "
                f"'{'.'.join(parts)}' is not allowed by any of the external access "
                "integrations of the procedure (ALLOWED_AUTHENTICATION_SECRETS).",
            )
        resolved.append([alias, *parts])
    return resolved


# -- lookups ------------------------------------------------------------------------------------


def find_overloads(stmt: Statement, name: ObjectName, action: str) -> list[CatalogObject]:
    database, schema, proc = stmt.qualify(name, action)
    return stmt.catalog.find(KIND, database=database, schema=schema, name=proc)


def _one(stmt: Statement, parser: Parser, action: str) -> tuple[CatalogObject | None, str]:
    """The overload a ``name(types)`` reference names, and the reference's text."""
    name, types = parse_reference(parser)
    database, schema, proc = stmt.qualify(name, action)
    text = f"{database}.{schema}.{proc}{signature_text(types)}"
    return stmt.catalog.get(KIND, database, schema, proc, signature_text(types)), text


def returns_text(procedure: CatalogObject) -> str:
    props = procedure.properties
    if props["returns"] != "TABLE":
        return str(props["returns"])
    return "TABLE (" + ", ".join(f"{n} {t}" for n, t in props["columns"]) + ")"


# -- DROP / DESCRIBE / SHOW ---------------------------------------------------------------------


def drop(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("DROP", "PROCEDURE")
    if_exists = parser.accept("IF", "EXISTS")
    found, text = _one(stmt, parser, "DROP PROCEDURE")
    parser.end()
    if found is None:
        if if_exists:
            return status("Drop statement executed successfully "
                          f"({text.rsplit('.', 1)[-1]} already dropped).")  # fmt: skip
        raise SqlError.does_not_exist(TITLE, text)
    stmt.authorize("OWNERSHIP", KIND, (found.database, found.schema, found.name,
                                       *_types(found)))  # fmt: skip
    stmt.catalog.delete(KIND, found.database, found.schema, found.name, found.signature)
    return status(f"{found.name} successfully dropped.")


def _types(procedure: CatalogObject) -> list[str]:
    return [str(a[1]) for a in procedure.properties["arguments"]]


def describe(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.one_of("DESCRIBE", "DESC")
    parser.expect("PROCEDURE")
    found, text = _one(stmt, parser, "DESCRIBE PROCEDURE")
    parser.end()
    if found is None:
        raise SqlError.does_not_exist(TITLE, text)
    stmt.authorize("USAGE", KIND, (found.database, found.schema, found.name, *_types(found)))
    return Result(DESCRIBE_COLUMNS, describe_rows(found), DESCRIBE)


def describe_rows(p: CatalogObject) -> list[list[str]]:
    """DESCRIBE PROCEDURE's property/value rows (docs example order: signature, returns,
    language, null handling, volatility, execute as; then the Python properties)."""
    props = p.properties
    signature = "(" + ", ".join(f"{a[0]} {a[1]}" for a in props["arguments"]) + ")"
    imports = "[" + ",".join("@" + ".".join(i["stage"]) + "/" + i["path"]
                             for i in props["imports"]) + "]"  # fmt: skip
    secrets = "{" + ",".join(f'"{s[0]}":"\\"{s[1]}\\".\\"{s[2]}\\".\\"{s[3]}\\""'
                             for s in props["secrets"]) + "}"  # fmt: skip
    return [
        ["signature", signature],
        ["returns", returns_text(p)],
        ["language", props["language"]],
        ["null handling", props["null_handling"]],
        ["volatility", props["volatility"]],
        ["execute as", props["execute_as"]],
        ["imports", imports],
        ["handler", props["handler"]],
        ["runtime_version", props["runtime_version"]],
        ["packages", _list(props["packages"])],
        ["installed_packages", _list(props["installed_packages"])],
        ["is_aggregate", "false"],
        ["external_access_integrations", "[" + ",".join(props["external_access_integrations"])
         + "]"],
        ["secrets", secrets],
    ]  # fmt: skip


def _list(items: Sequence[str]) -> str:
    """A Python-style list the CLI reads back with ``json.loads(text.replace("'", '"'))``."""
    return "[" + ",".join(f"'{item}'" for item in items) + "]"


def show(stmt: Statement) -> Result:
    words = ("USER", "PROCEDURES") if "USER" in stmt.words[1:3] else ("PROCEDURES",)
    flt: ShowFilter = parse_show(stmt, words, schema_objects=True)
    found = flt.apply(stmt.catalog.find(KIND, database=flt.database, schema=flt.schema))
    rows = [_show_row(p) for p in found]
    return show_result(SHOW_COLUMNS, rows)


def _show_row(p: CatalogObject) -> list[object]:
    props = p.properties
    args = props["arguments"]
    required = sum(1 for a in args if a[2] is None)
    arguments = f"{p.name}({', '.join(str(a[1]) for a in args)}) RETURN {returns_text(p)}"
    secrets = "[" + ",".join(".".join(s[1:]) for s in props["secrets"]) + "]" \
        if props["secrets"] else None  # fmt: skip
    eais = "[" + ",".join(props["external_access_integrations"]) + "]" \
        if props["external_access_integrations"] else None  # fmt: skip
    return [p.created_on, p.name, p.schema, "N", "N", "N", required, len(args), arguments,
            p.comment or "user-defined procedure", p.database,
            "Y" if props["returns"] == "TABLE" else "N", "N", "N", secrets, eais]  # fmt: skip
