"""Reading the statements the local Snowflake owns: a small tokenizer and a recursive parser.

fakesnow parses what it executes with sqlglot; the statements answered here (network rules,
secrets, integrations, procedures, CALL, ...) are mostly ``Command`` fall-backs in sqlglot, so
they are read by this module instead: Snowflake's lexical rules (``--``/``//``/``/* */``
comments, ``'...'`` strings with ``''`` and backslash escapes, ``$$...$$`` strings, ``"..."``
identifiers with ``""``), and a :class:`Parser` whose errors are Snowflake's own syntax error
text (``001003 (42000): SQL compilation error:\\nsyntax error line 1 at position 7 unexpected
'FOO'.``, docs.snowflake.com/en/user-guide/troubleshooting-sql "syntax error") — an unknown
property in a statement with a fixed property list is a syntax error there too.

:func:`head` is the cheap first step of dispatch: the leading words of a statement, read
without tokenizing the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from lht.local.snowflake.responses import SqlError

__all__ = ["ObjectName", "Parser", "Token", "head", "quote_name", "tokenize"]

T = TypeVar("T")

_SKIP = re.compile(r"(?:\s+|--[^\n]*|//[^\n]*|/\*.*?\*/)+", re.S)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PUNCT = ("=>", "::", "<=", ">=", "<>", "!=", "||")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0"}
_UNQUOTED = re.compile(r"^[A-Z_][A-Z0-9_$]*$")


@dataclass(frozen=True)
class Token:
    """One lexical token: ``kind`` is word, qident, string, number, punct or eof."""

    kind: str
    text: str  # the source text (for errors)
    value: str  # word upper-cased, qident/string unquoted, else the text
    line: int
    column: int


def head(sql: str, count: int = 6) -> list[str]:
    """The first ``count`` words of ``sql``, upper-cased (comments and spaces skipped, stops at
    the first non-word). Cheap: reads only as far as it needs."""
    words: list[str] = []
    pos = 0
    while len(words) < count:
        skipped = _SKIP.match(sql, pos)
        if skipped:
            pos = skipped.end()
        word = _WORD.match(sql, pos)
        if not word:
            break
        words.append(word.group().upper())
        pos = word.end()
    return words


def tokenize(sql: str) -> list[Token]:
    """Every token of ``sql`` plus a final eof token; raises SqlError on an unclosed string."""
    return list(_tokens(sql))


def _tokens(sql: str) -> Iterator[Token]:
    pos, line, line_start = 0, 1, 0
    while True:
        skipped = _SKIP.match(sql, pos)
        if skipped:
            text = skipped.group()
            if "\n" in text:
                line += text.count("\n")
                line_start = pos + text.rindex("\n") + 1
            pos = skipped.end()
        column = pos - line_start
        if pos >= len(sql):
            yield Token("eof", "<EOF>", "", line, column)
            return
        kind, value, end = _one(sql, pos, line, column)
        text = sql[pos:end]
        yield Token(kind, text, value, line, column)
        if "\n" in text:
            line += text.count("\n")
            line_start = pos + text.rindex("\n") + 1
        pos = end


def _one(sql: str, pos: int, line: int, column: int) -> tuple[str, str, int]:
    char = sql[pos]
    if char == "'":
        value, end = _quoted_string(sql, pos, line, column)
        return "string", value, end
    if char == '"':
        value, end = _quoted_identifier(sql, pos, line, column)
        return "qident", value, end
    if sql.startswith("$$", pos):
        end = sql.find("$$", pos + 2)
        if end < 0:
            raise SqlError.syntax_eof(line, column)
        return "string", sql[pos + 2 : end], end + 2
    word = _WORD.match(sql, pos)
    number = _NUMBER.match(sql, pos) if (char.isdigit() or char == ".") else None
    if word or number:
        found = word or number
        assert found is not None
        kind = "word" if word else "number"
        return kind, found.group().upper() if word else found.group(), found.end()
    punct = next((p for p in _PUNCT if sql.startswith(p, pos)), char)
    return "punct", punct, pos + len(punct)


def _quoted_string(sql: str, pos: int, line: int, column: int) -> tuple[str, int]:
    out: list[str] = []
    i = pos + 1
    while i < len(sql):
        char = sql[i]
        if char == "\\" and i + 1 < len(sql):
            out.append(_ESCAPES.get(sql[i + 1], sql[i + 1]))
            i += 2
        elif char == "'":
            if sql.startswith("''", i):
                out.append("'")
                i += 2
            else:
                return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    raise SqlError.syntax_eof(line, column)


def _quoted_identifier(sql: str, pos: int, line: int, column: int) -> tuple[str, int]:
    i = pos + 1
    out: list[str] = []
    while i < len(sql):
        if sql[i] == '"':
            if sql.startswith('""', i):
                out.append('"')
                i += 2
                continue
            return "".join(out), i + 1
        out.append(sql[i])
        i += 1
    raise SqlError.syntax_eof(line, column)


def quote_name(part: str) -> str:
    """One identifier as Snowflake shows it in messages: bare when it reads back the same."""
    return part if _UNQUOTED.match(part) else '"' + part.replace('"', '""') + '"'


@dataclass(frozen=True)
class ObjectName:
    """A possibly qualified object name as written: 1 to 3 resolved identifier parts."""

    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.parts[-1]

    def __str__(self) -> str:
        return ".".join(quote_name(p) for p in self.parts)


class Parser:
    """A cursor over the tokens of one statement with Snowflake-shaped syntax errors."""

    def __init__(self, sql: str) -> None:
        self.tokens = tokenize(sql)
        self.index = 0

    # -- looking ---------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def at(self, *words: str) -> bool:
        """True when the next tokens are these (unquoted) words."""
        return all(
            self.peek(i).kind == "word" and self.peek(i).value == w for i, w in enumerate(words)
        )

    def at_punct(self, punct: str) -> bool:
        token = self.peek()
        return token.kind == "punct" and token.value == punct

    # -- consuming -------------------------------------------------------------------------
    def next(self) -> Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.index += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        for word in words:
            if not self.accept(word):
                raise self.error()

    def accept_punct(self, punct: str) -> bool:
        if self.at_punct(punct):
            self.index += 1
            return True
        return False

    def expect_punct(self, punct: str) -> None:
        if not self.accept_punct(punct):
            raise self.error()

    def one_of(self, *words: str) -> str:
        """The next word, which must be one of ``words``."""
        token = self.peek()
        if token.kind == "word" and token.value in words:
            self.index += 1
            return token.value
        raise self.error()

    def identifier(self) -> str:
        """One identifier: unquoted upper-cased, quoted verbatim (case-sensitive)."""
        token = self.peek()
        if token.kind == "word" or (token.kind == "qident" and token.value):
            self.index += 1
            return token.value
        raise self.error()

    def object_name(self) -> ObjectName:
        """``a``, ``a.b``, ``a.b.c`` or ``IDENTIFIER('a.b.c')`` (docs: identifier-literal)."""
        if self.at("IDENTIFIER") and self.peek(1).kind == "punct" and self.peek(1).value == "(":
            self.index += 2
            token = self.peek()
            text = self.string()
            self.expect_punct(")")
            inner = Parser(text)
            if inner.peek().kind == "eof":
                raise self.error(token)
            name = inner.object_name()
            if inner.peek().kind != "eof":
                raise self.error(token)
            return name
        parts = [self.identifier()]
        while len(parts) < 3 and self.accept_punct("."):
            parts.append(self.identifier())
        return ObjectName(tuple(parts))

    def string(self) -> str:
        token = self.peek()
        if token.kind != "string":
            raise self.error()
        self.index += 1
        return token.value

    def boolean(self) -> bool:
        return self.one_of("TRUE", "FALSE") == "TRUE"

    def number(self) -> str:
        token = self.peek()
        if token.kind != "number":
            raise self.error()
        self.index += 1
        return token.value

    def parenthesized(self, item: Callable[[], T], *, allow_empty: bool = False) -> list[T]:
        """``( item [, item ...] )``."""
        self.expect_punct("(")
        items: list[T] = []
        if allow_empty and self.accept_punct(")"):
            return items
        items.append(item())
        while self.accept_punct(","):
            items.append(item())
        self.expect_punct(")")
        return items

    def end(self) -> None:
        """Only an optional ``;`` may follow."""
        self.accept_punct(";")
        if self.peek().kind != "eof":
            raise self.error()

    def error(self, token: Token | None = None) -> SqlError:
        token = token or self.peek()
        if token.kind == "eof":
            return SqlError.syntax_eof(token.line, token.column)
        return SqlError.syntax(token.line, token.column, token.text)
