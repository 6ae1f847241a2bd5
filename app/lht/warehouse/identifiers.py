"""Snowflake identifier validation and quoting: the only way names enter SQL text.

Schema, table and column names follow Snowflake's *unquoted* identifier rules
(``^[A-Za-z_][A-Za-z0-9_$]{0,254}$``), are upper-cased, and are always emitted double-quoted,
so reserved words (``CASE``, ``ORDER``) work while users can still write unquoted SQL
(``SELECT name FROM accounts``). Anything else (quotes, semicolons, spaces, dots, unicode) is
rejected with a ConfigError naming the argument, before any object is created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lht.errors import ConfigError

__all__ = [
    "TableName",
    "column_identifier",
    "qualified_name",
    "quote_identifier",
    "stage_path",
    "validate_identifier",
]

_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_SHOWN = 60


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def validate_identifier(value: object, what: str) -> str:
    """Return ``value`` upper-cased if it is a valid unquoted identifier, else ConfigError
    naming ``what`` (e.g. ``"table_name"``) and the bad value."""
    if not isinstance(value, str) or not _UNQUOTED.fullmatch(value):
        raise ConfigError(
            f"invalid {what} {_shown(value)}: use letters, digits, _ or $ "
            "(starting with a letter or _), at most 255 characters"
        )
    return value.upper()


def quote_identifier(name: str) -> str:
    """Double-quote an already validated identifier, preserving its case.

    Only names matching the unquoted-identifier pattern are accepted, so nothing that needs
    escaping can reach SQL text."""
    if not _UNQUOTED.fullmatch(name):
        raise ConfigError(f"refusing to quote identifier {_shown(name)}")
    return f'"{name}"'


def column_identifier(field_name: str) -> str:
    """The quoted target column for a Salesforce field name: ``Order__c`` → ``"ORDER__C"``."""
    return quote_identifier(validate_identifier(field_name, "column name"))


def qualified_name(schema: str, table: str) -> str:
    """``"SCHEMA"."TABLE"`` from unquoted-style names (validated, upper-cased)."""
    return TableName.of(schema, table).sql


def stage_path(stage: str, *segments: str) -> str:
    """A stage location ``@LHT.LHT_STAGE/Account/<run_id>/`` (trailing slash = prefix).

    ``stage`` is ``SCHEMA.STAGE`` or ``STAGE`` (validated parts, upper-cased, unquoted, which
    is equivalent for valid unquoted identifiers); segments allow letters, digits, ``_ . -``
    (no ``..``, no slashes)."""
    parts = [validate_identifier(p, "stage name") for p in stage.split(".")]
    if not 1 <= len(parts) <= 3:
        raise ConfigError(f"invalid stage name {_shown(stage)}")
    for segment in segments:
        if not _PATH_SEGMENT.fullmatch(segment) or ".." in segment:
            raise ConfigError(f"invalid stage path segment {_shown(segment)}")
    tail = "".join(f"/{s}" for s in segments)
    return "@" + ".".join(parts) + tail + "/"


@dataclass(frozen=True)
class TableName:
    """A validated ``schema.table`` pair (both upper case)."""

    schema: str
    table: str

    @classmethod
    def of(cls, schema: str, table: str) -> TableName:
        return cls(
            validate_identifier(schema, "schema name"), validate_identifier(table, "table name")
        )

    @property
    def sql(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.table)}"

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.table}"
