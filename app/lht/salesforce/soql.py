"""SOQL text: identifier and where-clause validation, SELECT building, literal formatting.

Everything here is pure. User-supplied text (where clauses, field lists, object names) is
validated before it is placed in a query; anything outside the accepted shape raises
:class:`lht.errors.ConfigError` naming what was rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from lht.errors import ConfigError

__all__ = [
    "build_count",
    "build_select",
    "format_date",
    "format_datetime",
    "quote_string",
    "validate_condition",
    "validate_field_path",
    "validate_identifier",
    "validate_record_id",
]

# A letter, then letters/digits with single underscores or a "__" separator (namespace
# prefix ``npe01__``, suffixes ``__c``, ``__r``, ``__s``, ``__mdt``, ``__History``...).
_IDENTIFIER = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?=[A-Za-z0-9])|__(?=[A-Za-z0-9]))*")
_MAX_IDENTIFIER = 255
_ORDER_BY = re.compile(
    r"(?P<field>[A-Za-z0-9_.]+)(?:\s+(?:ASC|DESC))?(?:\s+NULLS\s+(?:FIRST|LAST))?",
    re.IGNORECASE,
)
# Clause keywords that would let a condition escape its WHERE (or smuggle a sub-select).
_FORBIDDEN_WORDS = re.compile(
    r"\b(SELECT|FROM|LIMIT|OFFSET|ORDER\s+BY|GROUP\s+BY|HAVING|WITH|FOR\s+(?:UPDATE|VIEW|"
    r"REFERENCE)|ALL\s+ROWS|TYPEOF|USING)\b",
    re.IGNORECASE,
)
_MAX_CONDITION = 20_000


def validate_identifier(name: str, kind: str = "identifier") -> str:
    """Return ``name`` if it is a plain Salesforce API name, else raise ConfigError."""
    if not isinstance(name, str) or len(name) > _MAX_IDENTIFIER or not _IDENTIFIER.fullmatch(name):
        raise ConfigError(f"invalid Salesforce {kind} name: {name!r}")
    return name


def validate_record_id(value: str) -> str:
    """A record Id must be alphanumeric (Salesforce uses 15 or 18 characters)."""
    if not isinstance(value, str) or not value.isascii() or not value.isalnum() or len(value) > 18:
        raise ConfigError(f"invalid Salesforce record Id: {value!r}")
    return value


def validate_field_path(path: str) -> str:
    """Validate a field or dotted relationship path such as ``Owner.Name``."""
    if not isinstance(path, str) or not path:
        raise ConfigError(f"invalid Salesforce field name: {path!r}")
    for part in path.split("."):
        if not _IDENTIFIER.fullmatch(part):
            raise ConfigError(f"invalid Salesforce field name: {path!r}")
    return path


def validate_condition(text: str) -> str:
    """Check a user-supplied SOQL WHERE condition and return it stripped.

    Rejects empty text, ``;``, comments, sub-selects and other clause keywords, and
    unbalanced quotes or parentheses. Literal text inside quotes is not inspected.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("where clause is empty")
    cleaned = text.strip()
    if len(cleaned) > _MAX_CONDITION:
        raise ConfigError(f"where clause is longer than {_MAX_CONDITION} characters")
    outside = _strip_string_literals(cleaned)
    for token, why in ((";", "';'"), ("--", "a comment"), ("/*", "a comment"), ("//", "a comment")):
        if token in outside:
            raise ConfigError(f"where clause must not contain {why}: {cleaned!r}")
    if _FORBIDDEN_WORDS.search(outside):
        raise ConfigError(f"where clause must be a condition only (no clauses): {cleaned!r}")
    _check_parentheses(outside, cleaned)
    return cleaned


#: Escapes SOQL allows inside a quoted string (``\\uXXXX`` apart); any other backslash is an
#: error (developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
#: sforce_api_calls_soql_select_quotedstringescapes.htm). ``\\_`` / ``\\%`` are for LIKE.
_ESCAPES = frozenset("nNrRtTbBfF\"'\\_%")
_HEX = frozenset("0123456789abcdefABCDEF")


def _strip_string_literals(text: str) -> str:
    """Tokenize SOQL string literals (backslash escapes, spec'd above) and replace each by
    ``''``. Raise on an open quote, an invalid escape, or two adjacent literals: SOQL has no
    doubled-quote escape, so ``'a'' OR ''1''=''1'`` is not one literal."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "'":
            out.append(text[i])
            i += 1
            continue
        i = _literal_end(text, i + 1)
        if text[i:].lstrip().startswith("'"):
            raise ConfigError(
                f"where clause has adjacent string literals (SOQL escapes a quote with a "
                f"backslash, \\', not by doubling it): {text!r}"
            )
        out.append("''")
    if '"' in "".join(out):
        raise ConfigError(f"where clause must use single quotes for strings: {text!r}")
    return "".join(out)


def _literal_end(text: str, i: int) -> int:
    """Index just past the closing quote of the literal whose body starts at ``i``."""
    while i < len(text) and text[i] != "'":
        if text[i] != "\\":
            i += 1
            continue
        escaped = text[i + 1 : i + 2]
        if escaped == "u" and len(text) >= i + 6 and set(text[i + 2 : i + 6]) <= _HEX:
            i += 6
        elif escaped and escaped in _ESCAPES:
            i += 2
        elif not escaped:
            i = len(text)  # a trailing backslash: the quote never closes
        else:
            raise ConfigError(
                f"where clause has an invalid escape \\{escaped} in a string: {text!r}"
            )
    if i >= len(text):
        raise ConfigError(f"where clause has an unterminated string literal: {text!r}")
    return i + 1


def _check_parentheses(outside: str, original: str) -> None:
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise ConfigError(f"where clause has unbalanced parentheses: {original!r}")


def build_select(
    sobject: str,
    fields: Iterable[str],
    where: str | None = None,
    order_by: str | None = None,
    limit: int | None = None,
) -> str:
    """``SELECT f1, f2 FROM X [WHERE (cond)] [ORDER BY ...] [LIMIT n]`` from validated parts."""
    names = [validate_field_path(f) for f in fields]
    if not names:
        raise ConfigError(f"no fields to select from {sobject!r}")
    parts = [f"SELECT {', '.join(names)} FROM {validate_identifier(sobject, 'sObject')}"]
    if where is not None:
        parts.append(f"WHERE {validate_condition(where)}")
    if order_by is not None:
        if not _ORDER_BY.fullmatch(order_by.strip()):
            raise ConfigError(f"invalid ORDER BY: {order_by!r}")
        validate_field_path(order_by.split()[0])
        parts.append(f"ORDER BY {order_by.strip()}")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ConfigError(f"invalid LIMIT: {limit!r}")
        parts.append(f"LIMIT {limit}")
    return " ".join(parts)


def build_count(sobject: str, where: str | None = None) -> str:
    """``SELECT COUNT() FROM X [WHERE cond]`` (the count is returned as ``totalSize``)."""
    text = f"SELECT COUNT() FROM {validate_identifier(sobject, 'sObject')}"
    if where is not None:
        text += f" WHERE {validate_condition(where)}"
    return text


def format_datetime(value: datetime, *, ceil: bool = False) -> str:
    """SOQL datetime literal in UTC, whole seconds: ``2024-01-01T00:00:00Z``.

    That is the documented form ``YYYY-MM-DDThh:mm:ssZ`` (SOQL and SOSL Reference, "Date
    Formats and Date Literals in WHERE"); fractional seconds are not part of it. A value with a
    fraction is floored, or with ``ceil=True`` rounded up to the next second: a window's lower
    bound floors and its upper bound ceils, so the window only ever grows (rows are merged
    idempotently; the watermark itself keeps full precision). Naive datetimes are UTC.
    """
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    whole = aware.replace(microsecond=0)
    if ceil and whole != aware:
        whole += timedelta(seconds=1)
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_date(value: date) -> str:
    """SOQL date literal ``yyyy-MM-dd``."""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def quote_string(value: str) -> str:
    """A SOQL string literal: single-quoted with ``\\`` and ``'`` escaped."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f"'{escaped}'"
