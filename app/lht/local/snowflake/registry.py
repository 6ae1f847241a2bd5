"""Who answers which statement: routes, hooks, and what a handler is given.

A :class:`Registry` maps a statement's leading words to a handler. Dispatch is by the first
word (a dict lookup), then the longest registered object kind after the modifiers Snowflake
allows there (``OR REPLACE``, ``OR ALTER``, ``TEMPORARY``, ``SECURE``, ``TERSE``, ...), so
ordinary SQL (SELECT, INSERT, MERGE, COPY, ...) costs one regex match and one dict miss.

Three kinds of route:

- ``add(verb, kind, handler)`` — the statement is answered here: ``handler(statement) ->
  Result`` (raise :class:`~lht.local.snowflake.responses.SqlError` to fail it). fakesnow never
  sees it. ``describe`` (optional) returns the result columns for a ``describeOnly`` request
  without running anything; without one, describe-only answers a DDL ``status`` column.
- ``after(verb, kind, hook)`` — fakesnow runs the statement; when it succeeded,
  ``hook(statement)`` runs (e.g. DROP SCHEMA also drops the catalog's objects in it).
- ``before_statement(hook)`` — ``hook(statement)`` runs before *every* statement, owned or
  forwarded (raise SqlError to refuse it). For checks on SQL fakesnow executes.

Plus ``authorizer`` (see :meth:`Registry.set_authorizer`), ``visibility`` (which objects a SHOW
lists, :meth:`Registry.set_visibility`), login hooks, and context functions (``CURRENT_ROLE()``
& co., substituted into forwarded SQL).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lht.local.snowflake.catalog import Catalog
from lht.local.snowflake.responses import Column, Result, SqlError
from lht.local.snowflake.sqltext import ObjectName

__all__ = [
    "Access",
    "Handler",
    "Registry",
    "Route",
    "SessionState",
    "Statement",
    "allow_all",
    "see_all",
]

#: Words allowed between a verb and the object kind (CREATE OR REPLACE SECURE PROCEDURE ...).
MODIFIERS = frozenset({"TEMPORARY", "TEMP", "TRANSIENT", "SECURE", "TERSE", "VOLATILE", "LOCAL",
                       "GLOBAL", "RECURSIVE"})  # fmt: skip
ALIASES = {"DESC": "DESCRIBE"}
_MAX_KIND_WORDS = 4


@dataclass
class SessionState:
    """One logged-in session, as the local Snowflake sees it.

    ``connection`` is fakesnow's ``FakeSnowflakeConnection`` for the session (its
    ``database``/``schema`` are the session's current ones). ``call`` is set for the session a
    procedure's child process opened (the procedure's :class:`~lht.local.snowflake.procedures.
    CallFrame`: owner role, bound secrets, ...). ``attributes`` is free for other modules'
    per-session state (e.g. secondary roles)."""

    token: str
    user: str
    role: str | None
    warehouse: str | None
    db_path: str | None
    connection: Any
    call: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)
    catalog: Any = None  # the session's Catalog (login hooks get no Statement)

    @property
    def database(self) -> str | None:
        return getattr(self.connection, "database", None) or None

    @property
    def schema(self) -> str | None:
        schema = getattr(self.connection, "schema", None)
        return schema if schema and schema != "main" else None


@dataclass(frozen=True)
class Access:
    """What a statement needs: ``privilege`` (CREATE NETWORK RULE, USAGE, OWNERSHIP, ...) on
    ``kind`` (SCHEMA, INTEGRATION, PROCEDURE, ...) called ``name`` (fully qualified parts;
    empty for the account)."""

    privilege: str
    kind: str
    name: tuple[str, ...] = ()


@dataclass
class Statement:
    """What a handler receives: the statement, its session, the catalog, and fakesnow."""

    sql: str
    words: tuple[str, ...]
    session: SessionState
    catalog: Catalog
    registry: Registry
    server: Any  # the LocalSnowflake seam: host, port, data paths
    bindings: Any = None
    describe_only: bool = False
    #: Called in order once the statement succeeded (owned or forwarded): hooks append what
    #: must happen only then (e.g. recording the owner of a table just created).
    on_success: list[Callable[[], None]] = field(default_factory=list)

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run ``sql`` on fakesnow in this session (same transaction and current schema)."""
        cursor = self.session.connection.cursor()
        cursor.execute(sql, params)
        try:
            return list(cursor.fetchall())
        except Exception:  # fakesnow: statements without a result set
            return []

    def authorize(self, privilege: str, kind: str, name: tuple[str, ...] = ()) -> None:
        """Ask the registry's authorizer; raises SqlError when the current role may not."""
        self.registry.authorizer(self, Access(privilege, kind, name))

    def visible(self, kind: str, name: tuple[str, ...]) -> bool:
        """Whether the current role may see ``kind`` ``name`` in a SHOW (registry.visibility)."""
        return self.registry.visibility(self, kind, name)

    def qualify(self, name: ObjectName, action: str) -> tuple[str, str, str]:
        """(database, schema, name) of a schema object; Snowflake's 090105 error when the
        session has no current database/schema for an unqualified name."""
        parts = name.parts
        database = parts[0] if len(parts) == 3 else self.session.database
        schema = parts[-2] if len(parts) >= 2 else self.session.schema
        if not database or not schema:
            missing = "database" if not database else "schema"
            raise SqlError(90105, "22000", f"Cannot perform {action}. This session does not "
                           f"have a current {missing}. Call 'USE {missing.upper()}', or use a "
                           "qualified name.")  # fmt: skip
        return database, schema, parts[-1]


Handler = Callable[[Statement], Result]
Describe = Callable[[Statement], list[Column]]
Hook = Callable[[Statement], None]


def allow_all(statement: Statement, access: Access) -> None:
    """The default authorizer: every role may do everything (no access control)."""


def see_all(statement: Statement, kind: str, name: tuple[str, ...]) -> bool:
    """The default visibility: every role sees every object."""
    return True


@dataclass(frozen=True)
class Route:
    verb: str
    kind: tuple[str, ...]
    handler: Handler | None = None
    describe: Describe | None = None
    after: Hook | None = None


class Registry:
    """Statement routes plus the hooks other modules plug into."""

    _FIRST_WORD = re.compile(r"(?:\s+|--[^\n]*|//[^\n]*|/\*.*?\*/)*([A-Za-z]+)", re.S)

    def __init__(self) -> None:
        self._routes: dict[str, list[Route]] = {}
        self.authorizer: Callable[[Statement, Access], None] = allow_all
        self.visibility: Callable[[Statement, str, tuple[str, ...]], bool] = see_all
        self.statement_hooks: list[Hook] = []
        self.login_hooks: list[Callable[[SessionState], None]] = []
        self.context_functions: dict[str, Callable[[SessionState], str | None]] = {}
        self.rewriters: list[Callable[[str, Statement], str]] = []

    def add(self, verb: str, kind: str, handler: Handler, describe: Describe | None = None) -> None:
        """Answer ``<verb> [modifiers] <kind> ...`` with ``handler`` (kind "" = any)."""
        self._add(Route(verb.upper(), tuple(kind.upper().split()), handler, describe))

    def after(self, verb: str, kind: str, hook: Hook) -> None:
        """Run ``hook`` after fakesnow executed ``<verb> <kind> ...`` successfully."""
        self._add(Route(verb.upper(), tuple(kind.upper().split()), after=hook))

    def before_statement(self, hook: Hook) -> None:
        self.statement_hooks.append(hook)

    def on_login(self, hook: Callable[[SessionState], None]) -> None:
        """``hook(session)`` after a login succeeded (e.g. to check or default the role)."""
        self.login_hooks.append(hook)

    def set_authorizer(self, authorizer: Callable[[Statement, Access], None]) -> None:
        """Replace the allow-all default: ``authorizer(statement, access)`` raises SqlError
        (Snowflake's 003001 "Insufficient privileges ...") to refuse."""
        self.authorizer = authorizer

    def set_visibility(self, visibility: Callable[[Statement, str, tuple[str, ...]], bool]) -> None:
        """Replace the see-all default: ``visibility(statement, kind, name)`` says whether a
        SHOW lists the object (``name``: its fully qualified parts)."""
        self.visibility = visibility

    def context_function(self, name: str, value: Callable[[SessionState], str | None]) -> None:
        """``NAME()`` in forwarded SQL becomes the literal ``value(session)`` (NULL for None)."""
        self.context_functions[name.upper()] = value

    def rewriter(self, rewrite: Callable[[str, Statement], str]) -> None:
        """``rewrite(sql, statement) -> sql`` runs on every forwarded statement after the context
        functions (e.g. a table function fakesnow lacks becomes a subquery); it must be cheap when
        it has nothing to do, and may raise SqlError."""
        self.rewriters.append(rewrite)

    def first_word(self, sql: str) -> str | None:
        match = self._FIRST_WORD.match(sql)
        if not match:
            return None
        word = match.group(1).upper()
        return ALIASES.get(word, word)

    def match(self, sql: str, words: list[str]) -> Route | None:
        """The route for a statement whose leading words are ``words`` (first word known to
        have routes), or None."""
        verb = ALIASES.get(words[0], words[0]) if words else ""
        routes = self._routes.get(verb)
        if not routes:
            return None
        rest = _after_modifiers(words[1:])
        best: Route | None = None
        for route in routes:
            if tuple(rest[: len(route.kind)]) == route.kind and (
                best is None or len(route.kind) > len(best.kind)
            ):
                best = route
        return best

    def has_verb(self, verb: str) -> bool:
        return verb in self._routes

    def _add(self, route: Route) -> None:
        routes = self._routes.setdefault(route.verb, [])
        if any(r.kind == route.kind for r in routes):
            raise ValueError(f"route {route.verb} {' '.join(route.kind)} is already registered")
        routes.append(route)


def _after_modifiers(words: list[str]) -> list[str]:
    index = 0
    while index < len(words):
        if (
            words[index] == "OR"
            and index + 1 < len(words)
            and words[index + 1]
            in (
                "REPLACE",
                "ALTER",
            )
        ):
            index += 2
        elif words[index] in MODIFIERS:
            index += 1
        else:
            break
    return words[index : index + _MAX_KIND_WORDS]
