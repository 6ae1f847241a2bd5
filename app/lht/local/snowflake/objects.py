"""What the object statements share: CREATE/DROP heads, SHOW filters, LIKE, result columns.

Grammar (docs.snowflake.com/en/sql-reference/sql/create, .../show, .../drop):

- ``CREATE [ OR REPLACE ] <kind> [ IF NOT EXISTS ] <name> ...`` — "The OR REPLACE and IF NOT
  EXISTS clauses are mutually exclusive" (each CREATE page, usage notes).
- ``DROP <kind> [ IF EXISTS ] <name>``
- ``SHOW <kinds> [ LIKE '<pattern>' ] [ IN { ACCOUNT | DATABASE [ <db> ] | [ SCHEMA ]
  [ <schema> ] } ] [ STARTS WITH '<prefix>' ] [ LIMIT <rows> [ FROM '<name>' ] ]``; LIKE is
  case-insensitive with ``%`` and ``_``; without IN, schema objects are listed for the current
  database (the whole account when there is none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lht.local.snowflake.catalog import ACCOUNT, CatalogObject
from lht.local.snowflake.registry import Statement
from lht.local.snowflake.responses import DDL, SHOW, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = [
    "Create",
    "Reader",
    "ShowFilter",
    "created",
    "drop_statement",
    "exclusive_clauses",
    "names_or",
    "parse_create",
    "parse_drop",
    "parse_properties",
    "parse_show",
    "require",
    "show_result",
    "single_name",
    "words",
]


@dataclass(frozen=True)
class Create:
    replace: bool
    if_not_exists: bool
    name: ObjectName


def parse_create(parser: Parser, kind: Sequence[str]) -> Create:
    """Read ``CREATE [OR REPLACE] <kind> [IF NOT EXISTS] <name>``."""
    parser.expect("CREATE")
    replace = parser.accept("OR", "REPLACE")
    parser.expect(*kind)
    if_not_exists = parser.accept("IF", "NOT", "EXISTS")
    if replace and if_not_exists:
        raise exclusive_clauses()
    return Create(replace, if_not_exists, parser.object_name())


def exclusive_clauses() -> SqlError:
    """Both OR REPLACE and IF NOT EXISTS: "mutually exclusive" (each CREATE page)."""
    return SqlError(1003, "42000", "SQL compilation error:\nThe OR REPLACE and IF NOT EXISTS "
                    "clauses are mutually exclusive.")  # fmt: skip


def parse_drop(parser: Parser, kind: Sequence[str]) -> tuple[bool, ObjectName]:
    """Read ``DROP <kind> [IF EXISTS] <name>``; returns (if_exists, name)."""
    parser.expect("DROP", *kind)
    if_exists = parser.accept("IF", "EXISTS")
    return if_exists, parser.object_name()


Reader = Callable[[Parser], object]


def parse_properties(parser: Parser, readers: Mapping[str, Reader]) -> dict[str, object]:
    """``KEY = value`` pairs in any order, each key at most once; stops at the first word that
    is not a known key (the caller's ``parser.end()`` then reports it as a syntax error)."""
    props: dict[str, object] = {}
    while parser.peek().kind == "word" and parser.peek().value in readers:
        key = parser.next().value
        if key in props:
            raise parser.error(parser.tokens[parser.index - 1])
        parser.expect_punct("=")
        props[key] = readers[key](parser)
    return props


def require(props: Mapping[str, object], *keys: str) -> None:
    missing = [k for k in keys if k not in props]
    if missing:
        raise SqlError(1003, "42000", "SQL compilation error:\nMissing option(s): "
                       f"[{', '.join(missing)}].")  # fmt: skip


def words(*choices: str) -> Reader:
    """A reader for one of ``choices``."""
    return lambda parser: parser.one_of(*choices)


def names_or(*keywords: str) -> Reader:
    """A reader for ``( name [, name ...] )`` or ``( <keyword> )`` (e.g. ALL, NONE); returns a
    list of ObjectName or the keyword string."""

    def read(parser: Parser) -> object:
        if (
            parser.peek(1).kind == "word"
            and parser.peek(1).value in keywords
            and (parser.peek(2).kind == "punct" and parser.peek(2).value == ")")
        ):
            parser.expect_punct("(")
            keyword = parser.next().value
            parser.expect_punct(")")
            return keyword
        return parser.parenthesized(parser.object_name)

    return read


def string(parser: Parser) -> object:
    return parser.string()


def boolean(parser: Parser) -> object:
    return parser.boolean()


def string_list(parser: Parser) -> object:
    return parser.parenthesized(parser.string, allow_empty=True)


def single_name(name: ObjectName) -> str:
    """An account-level object's name (it may not be qualified)."""
    if len(name.parts) != 1:
        raise SqlError(2003, "02000", f"SQL compilation error:\nInvalid identifier '{name}'.")
    return name.parts[0]


def created(kind_title: str, name: str, existed: bool) -> Result:
    """``<Kind> <NAME> successfully created.`` (or the IF NOT EXISTS no-op message)."""
    if existed:
        return status(f"{name} already exists, statement succeeded.", DDL)
    return status(f"{kind_title} {name} successfully created.", DDL)


def drop_statement(stmt: Statement, kind: Sequence[str], title: str,
                   lookup: Callable[[ObjectName], CatalogObject | None]) -> Result:  # fmt: skip
    """Parse and run ``DROP <kind> [IF EXISTS] <name>`` for one catalog object."""
    parser = Parser(stmt.sql)
    if_exists, name = parse_drop(parser, kind)
    parser.end()
    found = lookup(name)
    if found is None:
        if if_exists:
            return status("Drop statement executed successfully "
                          f"({name.name} already dropped).")  # fmt: skip
        raise SqlError.does_not_exist(title, str(name))
    stmt.authorize("OWNERSHIP", found.kind, _parts(found))
    stmt.catalog.delete(found.kind, found.database, found.schema, found.name, found.signature)
    return status(f"{found.name} successfully dropped.")


def _parts(obj: CatalogObject) -> tuple[str, ...]:
    return tuple(p for p in (obj.database, obj.schema, obj.name) if p)


@dataclass(frozen=True)
class ShowFilter:
    like: str | None = None
    database: str | None = None
    schema: str | None = None
    starts_with: str | None = None
    limit: int | None = None

    def keep(self, name: str) -> bool:
        if self.like is not None and not _like(self.like).match(name):
            return False
        return self.starts_with is None or name.startswith(self.starts_with)

    def apply(self, objects: Sequence[CatalogObject]) -> list[CatalogObject]:
        kept = [o for o in objects if self.keep(o.name)]
        return kept[: self.limit] if self.limit is not None else kept


def parse_show(stmt: Statement, kinds: Sequence[str], *, schema_objects: bool) -> ShowFilter:
    """Read ``SHOW <kinds> [LIKE] [IN ...] [STARTS WITH] [LIMIT]`` and the default scope."""
    parser = Parser(stmt.sql)
    parser.expect("SHOW")
    parser.accept("TERSE")
    parser.expect(*kinds)
    like = parser.string() if parser.accept("LIKE") else None
    database = schema = None
    if parser.accept("IN"):
        if not schema_objects:
            parser.expect("ACCOUNT")
        else:
            database, schema = _scope(parser, stmt)
    elif schema_objects:
        database = stmt.session.database
    starts = parser.string() if parser.accept("STARTS", "WITH") else None
    limit = int(parser.number()) if parser.accept("LIMIT") else None
    if limit is not None and parser.accept("FROM"):
        parser.string()
    parser.end()
    return ShowFilter(like, database, schema, starts, limit)


def _scope(parser: Parser, stmt: Statement) -> tuple[str | None, str | None]:
    if parser.accept("ACCOUNT"):
        return None, None
    if parser.accept("DATABASE"):
        named = parser.peek().kind in ("word", "qident")
        return (parser.identifier() if named else stmt.session.database), None
    parser.accept("SCHEMA")
    if parser.peek().kind not in ("word", "qident"):
        return stmt.session.database, stmt.session.schema
    name = parser.object_name()
    if len(name.parts) == 1:
        return stmt.session.database, name.parts[0]
    return name.parts[-2], name.parts[-1]


def show_result(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> Result:
    return Result(columns, rows, SHOW)


def _like(pattern: str) -> re.Pattern[str]:
    regex = "".join(
        ".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern
    )  # fmt: skip
    return re.compile(f"^{regex}$", re.I | re.S)


def scoped(stmt: Statement, kind: str, flt: ShowFilter) -> list[CatalogObject]:
    """Catalog objects of ``kind`` inside the filter's database/schema that the role may see,
    filtered."""
    found = stmt.catalog.find(kind, database=flt.database, schema=flt.schema)
    return flt.apply([o for o in found if stmt.visible(kind, _parts(o))])


def account_objects(stmt: Statement, kind: str, flt: ShowFilter) -> list[CatalogObject]:
    """Account-level catalog objects of ``kind`` that the role may see, filtered."""
    found = stmt.catalog.find(kind, database=ACCOUNT, schema=ACCOUNT)
    return flt.apply([o for o in found if stmt.visible(kind, _parts(o))])
