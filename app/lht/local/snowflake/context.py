"""Session context: the values of ``CURRENT_ROLE()`` and friends, substituted into forwarded SQL.

fakesnow implements none of Snowflake's context functions except ``CURRENT_VERSION()``
(docs.snowflake.com/en/sql-reference/functions-context). The local Snowflake knows the session's
user, role and warehouse, so before a statement reaches fakesnow each ``NAME()`` call of a
registered context function (outside strings and comments) becomes a string literal, or NULL
when the value is unset (as ``CURRENT_WAREHOUSE()`` is NULL for a session without a warehouse).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lht.local.snowflake.catalog import ACCOUNT
from lht.local.snowflake.sqltext import Token, tokenize

if TYPE_CHECKING:
    from lht.local.snowflake.catalog import Catalog
    from lht.local.snowflake.registry import Registry, SessionState

__all__ = ["ACCOUNT_NAME", "existing_warehouse", "normalise", "register", "substitute"]

ACCOUNT_NAME = "LHT_LOCAL"
#: The role of a login that names none: the local user is the account's first user, whose
#: default role is ACCOUNTADMIN (as on a new Snowflake account). Login hooks may change it.
DEFAULT_ROLE = "ACCOUNTADMIN"
REGION = "LOCAL"
_CANDIDATE = re.compile(r"\bCURRENT_[A-Z_]+\s*\(\s*\)", re.I)


def normalise(name: str | None) -> str | None:
    """An identifier from a login request: unquoted → upper case, ``"quoted"`` verbatim."""
    if not name:
        return None
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1]
    return name.upper()


def existing_warehouse(catalog: Catalog, name: str | None) -> str | None:
    """The login's warehouse if it exists (Snowflake logs in without one otherwise)."""
    warehouse = normalise(name)
    if warehouse and catalog.get("WAREHOUSE", ACCOUNT, ACCOUNT, warehouse):
        return warehouse
    return None


def register(registry: Registry) -> None:
    registry.context_function("CURRENT_ROLE", lambda s: s.role)
    registry.context_function("CURRENT_USER", lambda s: s.user or None)
    registry.context_function("CURRENT_WAREHOUSE", lambda s: s.warehouse)
    registry.context_function("CURRENT_ACCOUNT", lambda s: ACCOUNT_NAME)
    registry.context_function("CURRENT_ACCOUNT_NAME", lambda s: ACCOUNT_NAME)
    registry.context_function("CURRENT_REGION", lambda s: REGION)


def substitute(sql: str, registry: Registry, session: SessionState) -> str:
    """``sql`` with every registered context function call replaced by its value."""
    functions = registry.context_functions
    if not functions or not _CANDIDATE.search(sql):
        return sql
    tokens = tokenize(sql)
    lines = sql.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    pieces: list[str] = []
    last = 0
    for index, token in enumerate(tokens[:-3]):
        value = functions.get(token.value) if token.kind == "word" else None
        if value is None or not _is_call(tokens, index):
            continue
        start = offsets[token.line - 1] + token.column
        close = tokens[index + 2]
        end = offsets[close.line - 1] + close.column + 1
        literal = _literal(value(session))
        if _is_select_item(tokens, index):  # keep Snowflake's column name, e.g. CURRENT_ROLE()
            literal += f' AS "{token.value}()"'
        pieces += [sql[last:start], literal]
        last = end
    return "".join(pieces) + sql[last:] if pieces else sql


def _is_call(tokens: list[Token], index: int) -> bool:
    previous = tokens[index - 1] if index else None
    if previous is not None and previous.kind == "punct" and previous.value == ".":
        return False
    opening, closing = tokens[index + 1], tokens[index + 2]
    return bool(opening.value == "(" and closing.value == ")") and (
        opening.kind == closing.kind == "punct"
    )


def _is_select_item(tokens: list[Token], index: int) -> bool:
    """``NAME()`` is a whole, unaliased item of a SELECT list."""
    before = tokens[index - 1] if index else None
    after = tokens[index + 3]
    starts = before is not None and (
        (before.kind == "word" and before.value in ("SELECT", "DISTINCT"))
        or (before.kind == "punct" and before.value == ",")
    )
    ends = (
        after.kind == "eof"
        or (after.kind == "punct" and after.value in (",", ";"))
        or (after.kind == "word" and after.value == "FROM")
    )
    return starts and ends


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"
