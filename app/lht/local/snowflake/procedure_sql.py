"""Reading CREATE PROCEDURE and procedure references: pure parsing, no catalog.

Grammar (docs.snowflake.com/en/sql-reference/sql/create-procedure, Python, staged handler)::

    CREATE [ OR REPLACE ] [ { TEMP | TEMPORARY } ] [ SECURE ] PROCEDURE [ IF NOT EXISTS ] <name> (
        [ <arg_name> <arg_data_type> [ DEFAULT <default> ] ] [ , ... ] )
      [ COPY GRANTS ]
      RETURNS { <result_data_type> [ [ NOT ] NULL ] | TABLE ( [ <col> <col_type> [ , ... ] ] ) }
      LANGUAGE PYTHON
      RUNTIME_VERSION = '<python_version>'
      PACKAGES = ( 'snowflake-snowpark-python[==<version>]' [ , '<package>[==<version>]' ... ] )
      [ IMPORTS = ( '<stage_path_and_file_name_to_read>' [ , ... ] ) ]
      HANDLER = '<function_name>'
      [ EXTERNAL_ACCESS_INTEGRATIONS = ( <name_of_integration> [ , ... ] ) ]
      [ SECRETS = ( '<secret_variable_name>' = <secret_name> [ , ... ] ) ]
      [ { CALLED ON NULL INPUT | { RETURNS NULL ON NULL INPUT | STRICT } } ]
      [ { VOLATILE | IMMUTABLE } ]
      [ COMMENT = '<string_literal>' ]
      [ EXECUTE AS { OWNER | CALLER | RESTRICTED CALLER } ]
      [ AS '<procedure_definition>' ]

``snow snowpark deploy`` renders it lower case, one clause a line, ``runtime_version=3.11``
unquoted (snowflake-cli ``_plugins/snowpark/common.py``, ``create_or_replace``); a number is
accepted there as Snowflake does. Properties may come in any order, each at most once.

References (DESCRIBE / DROP / GRANT): ``<name> ( [ <arg_data_type> [ , ... ] ] )``
(docs: desc-procedure, drop-procedure). CALL's arguments: ``call_sql``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lht.local.snowflake.objects import exclusive_clauses, names_or, string
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = [
    "Argument",
    "ProcedureDef",
    "canonical_type",
    "parse_create_procedure",
    "parse_reference",
    "read_type",
    "signature_text",
]

#: Type names and what Snowflake stores them as (docs: intro-summary-data-types).
_SYNONYMS = {
    "VARCHAR": "VARCHAR", "STRING": "VARCHAR", "TEXT": "VARCHAR", "CHAR": "VARCHAR",
    "CHARACTER": "VARCHAR", "NCHAR": "VARCHAR", "NVARCHAR": "VARCHAR", "NVARCHAR2": "VARCHAR",
    "CHAR VARYING": "VARCHAR", "NCHAR VARYING": "VARCHAR",
    "NUMBER": "NUMBER", "DECIMAL": "NUMBER", "DEC": "NUMBER", "NUMERIC": "NUMBER",
    "INT": "NUMBER", "INTEGER": "NUMBER", "BIGINT": "NUMBER", "SMALLINT": "NUMBER",
    "TINYINT": "NUMBER", "BYTEINT": "NUMBER",
    "FLOAT": "FLOAT", "FLOAT4": "FLOAT", "FLOAT8": "FLOAT", "DOUBLE": "FLOAT",
    "DOUBLE PRECISION": "FLOAT", "REAL": "FLOAT",
    "BOOLEAN": "BOOLEAN", "VARIANT": "VARIANT", "OBJECT": "OBJECT", "ARRAY": "ARRAY",
    "DATE": "DATE", "TIME": "TIME", "DATETIME": "TIMESTAMP_NTZ", "TIMESTAMP": "TIMESTAMP_NTZ",
    "TIMESTAMP_NTZ": "TIMESTAMP_NTZ", "TIMESTAMP_LTZ": "TIMESTAMP_LTZ",
    "TIMESTAMP_TZ": "TIMESTAMP_TZ", "BINARY": "BINARY", "VARBINARY": "BINARY",
}  # fmt: skip
_TWO_WORD = {"DOUBLE": "PRECISION", "CHAR": "VARYING", "NCHAR": "VARYING"}


def canonical_type(name: str) -> str:
    """A type name as Snowflake stores it in a signature (``STRING`` → ``VARCHAR``)."""
    key = " ".join(name.upper().split("(")[0].split())
    found = _SYNONYMS.get(key)
    if found is None:
        raise SqlError(2040, "42601", f"SQL compilation error:\nUnsupported data type '{key}'.")
    return found


def read_type(parser: Parser) -> str:
    """One data type (``VARCHAR``, ``NUMBER(38, 0)``, ``DOUBLE PRECISION``) → canonical name."""
    token = parser.peek()
    word = parser.identifier().upper()
    second = _TWO_WORD.get(word)
    if second and parser.accept(second):
        word = f"{word} {second}"
    if word not in _SYNONYMS:
        raise parser.error(token)
    if parser.at_punct("("):
        parser.parenthesized(parser.number)
    return _SYNONYMS[word]


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    default: str | None = None  # the default's SQL text, when declared


@dataclass(frozen=True)
class ProcedureDef:
    """A parsed CREATE PROCEDURE (names as written; resolved by the procedures module)."""

    name: ObjectName
    arguments: tuple[Argument, ...]
    returns: str  # canonical scalar type, or "TABLE"
    columns: tuple[tuple[str, str], ...]  # RETURNS TABLE (name, type)
    language: str
    properties: Mapping[str, Any]
    replace: bool = False
    if_not_exists: bool = False
    copy_grants: bool = False
    temporary: bool = False
    execute_as: str = "OWNER"
    null_handling: str = "CALLED ON NULL INPUT"
    volatility: str = "VOLATILE"
    body: str | None = None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(a.type for a in self.arguments)


def signature_text(types: Sequence[str]) -> str:
    """The catalog signature of an overload: ``(VARCHAR, VARIANT)``."""
    return "(" + ", ".join(types) + ")"


def parse_create_procedure(sql: str) -> ProcedureDef:
    parser = Parser(sql)
    parser.expect("CREATE")
    replace = parser.accept("OR", "REPLACE")
    temporary = parser.accept("TEMPORARY") or parser.accept("TEMP")
    parser.accept("SECURE")
    parser.expect("PROCEDURE")
    if_not_exists = parser.accept("IF", "NOT", "EXISTS")
    if replace and if_not_exists:
        raise exclusive_clauses()
    name = parser.object_name()
    arguments = tuple(parser.parenthesized(lambda: _argument(parser), allow_empty=True))
    copy_grants = parser.accept("COPY", "GRANTS")
    parser.expect("RETURNS")
    returns, columns = _returns(parser)
    if parser.accept("NOT"):
        parser.expect("NULL")
    else:
        parser.accept("NULL")
    clauses: dict[str, Any] = {}
    props: dict[str, object] = {}
    while _one_property(parser, props) or _clause(parser, clauses):
        pass
    if parser.accept("AS"):
        clauses["body"] = parser.string()
    parser.end()
    if "LANGUAGE" not in props:
        raise SqlError(1003, "42000", "SQL compilation error:\nMissing option(s): [LANGUAGE].")
    return ProcedureDef(
        name, arguments, returns, columns, str(props.pop("LANGUAGE")), props, replace,
        if_not_exists, copy_grants, temporary, clauses.get("execute_as", "OWNER"),
        clauses.get("null_handling", "CALLED ON NULL INPUT"),
        clauses.get("volatility", "VOLATILE"), clauses.get("body"),
    )  # fmt: skip


def _argument(parser: Parser) -> Argument:
    name = parser.identifier()
    kind = read_type(parser)
    default = None
    if parser.accept("DEFAULT"):
        token = parser.next()
        default = token.text
    return Argument(name, kind, default)


def _returns(parser: Parser) -> tuple[str, tuple[tuple[str, str], ...]]:
    if parser.accept("TABLE"):
        columns = parser.parenthesized(lambda: (parser.identifier(), read_type(parser)),
                                       allow_empty=True)  # fmt: skip
        return "TABLE", tuple(columns)
    return read_type(parser), ()


def _string_or_number(parser: Parser) -> object:
    return parser.number() if parser.peek().kind == "number" else parser.string()


def _strings(parser: Parser) -> object:
    return parser.parenthesized(parser.string, allow_empty=True)


def _secrets(parser: Parser) -> object:
    def pair() -> tuple[str, ObjectName]:
        alias = parser.string()
        parser.expect_punct("=")
        return alias, parser.object_name()

    return parser.parenthesized(pair, allow_empty=True)


def _word(parser: Parser) -> object:
    return parser.identifier().upper()


def _constraints(parser: Parser) -> object:
    def pair() -> tuple[str, str]:
        key = parser.identifier()
        parser.expect_punct("=")
        return key, parser.string()

    return parser.parenthesized(pair)


_READERS = {"LANGUAGE": _word, "RUNTIME_VERSION": _string_or_number, "PACKAGES": _strings,
            "IMPORTS": _strings, "HANDLER": string, "EXTERNAL_ACCESS_INTEGRATIONS": names_or(),
            "SECRETS": _secrets, "COMMENT": string, "TARGET_PATH": string,
            "ARTIFACT_REPOSITORY": _word, "RESOURCE_CONSTRAINT": _constraints}  # fmt: skip


def _one_property(parser: Parser, props: dict[str, object]) -> bool:
    """Read the next ``KEY = value`` (LANGUAGE takes no ``=``) into ``props``; False when the
    next word is not a property. A repeated property is a syntax error."""
    token = parser.peek()
    if token.kind != "word" or token.value not in _READERS:
        return False
    if token.value in props:
        raise parser.error(token)
    parser.next()
    if token.value != "LANGUAGE":
        parser.expect_punct("=")
    props[token.value] = _READERS[token.value](parser)
    return True


def _clause(parser: Parser, clauses: dict[str, Any]) -> bool:
    """The keyword clauses: null handling, volatility, EXECUTE AS (each at most once)."""
    start = parser.peek()
    if parser.accept("CALLED", "ON", "NULL", "INPUT"):
        key, value = "null_handling", "CALLED ON NULL INPUT"
    elif parser.accept("RETURNS", "NULL", "ON", "NULL", "INPUT") or parser.accept("STRICT"):
        key, value = "null_handling", "RETURNS NULL ON NULL INPUT"
    elif parser.at("VOLATILE") or parser.at("IMMUTABLE"):
        key, value = "volatility", parser.next().value
    elif parser.accept("EXECUTE", "AS"):
        key = "execute_as"
        value = "RESTRICTED CALLER" if parser.accept("RESTRICTED", "CALLER") else \
            parser.one_of("OWNER", "CALLER")  # fmt: skip
    else:
        return False
    if key in clauses:
        raise parser.error(start)
    clauses[key] = value
    return True


# -- references --------------------------------------------------------------------------------


def parse_reference(parser: Parser) -> tuple[ObjectName, tuple[str, ...]]:
    """``<name> ( [ <type> [ , ... ] ] )`` → (name, canonical types)."""
    name = parser.object_name()
    types = tuple(parser.parenthesized(lambda: read_type(parser), allow_empty=True))
    return name, types
