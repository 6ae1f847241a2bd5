"""Classify and validate a push source: a table/view name or a single SELECT statement.

Names follow unquoted-identifier semantics (``[DB.]SCHEMA.]NAME``, each part
``^[A-Za-z_][A-Za-z0-9_$]{0,254}$``, upper-cased). A query must be ONE SELECT (or WITH …
SELECT): the scanner below rejects statement separators and unterminated strings or
comments, and the warehouse layer always embeds the text as a parenthesised sub-query, so
anything that is not a query fails to parse in Snowflake itself (the authority on syntax;
the probe that reads the source's columns runs before any Salesforce job exists).
sqlglot is deliberately not used at runtime: it is not a dependency of the procedures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lht.errors import ConfigError

__all__ = ["PushSource", "classify_source"]

_NAME_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
_QUERY_START = re.compile(r"(?:\(\s*)*(SELECT|WITH)\b", re.IGNORECASE)
_MAX_QUERY = 1_000_000


@dataclass(frozen=True)
class PushSource:
    """``kind`` is ``"table"`` (``parts`` upper-cased) or ``"query"`` (``query`` text)."""

    kind: str
    parts: tuple[str, ...] = ()
    query: str = ""

    @property
    def identity(self) -> str:
        """Stable text naming the source in LHT.PUSH_HASHES / PUSH_RUNS."""
        if self.kind == "table":
            return ".".join(self.parts)
        return " ".join(self.query.split())


def classify_source(text: str) -> PushSource:
    """Return the validated source, or raise ConfigError saying what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("source must be a table/view name or a SELECT statement")
    stripped = text.strip()
    body = _strip_leading_comments(stripped)
    if _QUERY_START.match(body):
        return PushSource(kind="query", query=_validate_query(stripped))
    parts = stripped.split(".")
    if 1 <= len(parts) <= 3 and all(_NAME_PART.fullmatch(p) for p in parts):
        return PushSource(kind="table", parts=tuple(p.upper() for p in parts))
    raise ConfigError(
        "source must be a table/view name ([DATABASE.][SCHEMA.]NAME with letters, digits, "
        f"_ or $) or a single SELECT statement; got {_preview(stripped)!r}"
    )


def _validate_query(text: str) -> str:
    if len(text) > _MAX_QUERY:
        raise ConfigError(f"source query is longer than {_MAX_QUERY} characters")
    end = _scan(text)
    query = text[:end].rstrip()
    if not query:
        raise ConfigError("source query is empty")
    return query


def _scan(text: str) -> int:
    """Walk ``text`` lexically; return where the statement ends (before one trailing ``;``)."""
    i, depth, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            i = _skip_quoted(text, i, ch)
        elif text.startswith("$$", i):
            i = _skip_until(text, i + 2, "$$", "unterminated $$ string in source query")
        elif text.startswith("--", i) or text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            i = _skip_until(text, i + 2, "*/", "unterminated /* comment in source query")
        elif ch == ";":
            if text[i + 1 :].strip():
                raise ConfigError("source query must be a single SELECT statement (found ';')")
            return i
        else:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                raise ConfigError("source query has unbalanced parentheses")
            i += 1
    if depth != 0:
        raise ConfigError("source query has unbalanced parentheses")
    return n


def _skip_quoted(text: str, start: int, quote: str) -> int:
    i = start + 1
    while i < len(text):
        ch = text[i]
        escaped = ch == "\\" and quote == "'"
        if escaped or (ch == quote and text.startswith(quote * 2, i)):
            i += 2
        elif ch == quote:
            return i + 1
        else:
            i += 1
    kind = "string literal" if quote == "'" else "quoted identifier"
    raise ConfigError(f"unterminated {kind} in source query")


def _skip_until(text: str, start: int, end: str, message: str) -> int:
    found = text.find(end, start)
    if found < 0:
        raise ConfigError(message)
    return found + len(end)


def _strip_leading_comments(text: str) -> str:
    while True:
        text = text.lstrip()
        if text.startswith(("--", "//")):
            newline = text.find("\n")
            text = "" if newline < 0 else text[newline + 1 :]
        elif text.startswith("/*") and "*/" in text:
            text = text[text.index("*/") + 2 :]
        else:
            return text


def _preview(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
