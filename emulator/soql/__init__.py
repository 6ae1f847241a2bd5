"""SOQL: tokens and syntax tree, name resolution against the schema, literal checks, parser."""

from emulator.soql.parser import Query, parse, resolve_path

__all__ = ["Query", "parse", "resolve_path"]
