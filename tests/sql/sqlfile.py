"""Helpers for the deploy-SQL tests: render snow CLI templates, split, classify, snapshot."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from snowflake.connector.util_text import split_statements
from sqlglot import exp

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"
TEMPLATE = re.compile(r"<%\s*([A-Za-z_][A-Za-z0-9_]*)\s*%>")

#: Sample values for every variable setup.sql/teardown.sql use (see the header of setup.sql).
SAMPLE_VARS = {
    "database": "LHT",
    "warehouse": "COMPUTE_WH",
    "deploy_user": "JANE",
    "sf_my_domain": "acme",
    "sf_login_url": "https://acme.my.salesforce.com",
    "sf_client_id": "3MVG9SAMPLECLIENTID",
    "sf_client_secret": "SAMPLESECRET0123",
}

#: Statements sqlglot cannot parse (it falls back to an opaque ``Command``) must still have one of
#: these shapes; each is the documented Snowflake syntax for the statements we use.
_IDENT = r"[A-Z_][A-Z0-9_$]*"
_NAME = rf"{_IDENT}(?:\.{_IDENT}){{0,2}}"
_STR = r"'(?:[^']|'')*'"
COMMAND_SHAPES = {
    "CREATE ROLE": rf"CREATE ROLE IF NOT EXISTS {_IDENT}( COMMENT = {_STR})?",
    "GRANT ROLE": rf"GRANT ROLE {_IDENT} TO (ROLE|USER) {_IDENT}",
    "GRANT OWNERSHIP": (
        rf"GRANT OWNERSHIP ON DATABASE {_IDENT} TO ROLE {_IDENT} COPY CURRENT GRANTS"
    ),
    "GRANT FUTURE": (
        rf"GRANT (USAGE|SELECT) ON FUTURE (SCHEMAS|TABLES|VIEWS|PROCEDURES) IN (DATABASE|SCHEMA) "
        rf"{_NAME} TO ROLE {_IDENT}"
    ),
    "CREATE NETWORK RULE": (
        rf"CREATE NETWORK RULE IF NOT EXISTS {_NAME} MODE = EGRESS TYPE = HOST_PORT "
        rf"VALUE_LIST = \({_STR}(, {_STR})*\) COMMENT = {_STR}"
    ),
    "CREATE SECRET": (
        rf"CREATE SECRET IF NOT EXISTS {_NAME} TYPE = GENERIC_STRING SECRET_STRING = {_STR} "
        rf"COMMENT = {_STR}"
    ),
    "CREATE EXTERNAL ACCESS INTEGRATION": (
        rf"CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS {_IDENT} "
        rf"ALLOWED_NETWORK_RULES = \({_NAME}\) ALLOWED_AUTHENTICATION_SECRETS = \({_NAME}\) "
        rf"ENABLED = TRUE COMMENT = {_STR}"
    ),
    "DROP EXTERNAL ACCESS INTEGRATION": rf"DROP EXTERNAL ACCESS INTEGRATION IF EXISTS {_IDENT}",
    "DROP ROLE": rf"DROP ROLE IF EXISTS {_IDENT}",
}


@dataclass(frozen=True)
class Statement:
    kind: str  # e.g. "CREATE TABLE", "GRANT", "USE ROLE"
    text: str  # rendered, comments removed, no trailing semicolon
    parsed: exp.Expr


def variables(text: str) -> set[str]:
    return set(TEMPLATE.findall(text))


def render(text: str, values: dict[str, str]) -> str:
    """Render ``<% name %>`` like snow's standard syntax (undefined names are an error)."""
    missing = variables(text) - values.keys()
    if missing:
        raise KeyError(f"template variables without a value: {sorted(missing)}")
    return TEMPLATE.sub(lambda m: values[m.group(1)], text)


def split(text: str) -> list[str]:
    """Split like the Snowflake connector (what ``snow sql -f`` uses), dropping comments."""
    result = []
    for statement, _is_put in split_statements(io.StringIO(text), remove_comments=True):
        cleaned = statement.strip().rstrip(";").strip()
        if cleaned:
            result.append(cleaned)
    return result


_MULTIWORD_KINDS = (
    "CREATE EXTERNAL ACCESS INTEGRATION",
    "DROP EXTERNAL ACCESS INTEGRATION",
    "CREATE NETWORK RULE",
    "GRANT ROLE",
    "GRANT OWNERSHIP",
)


def kind_of(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).upper()
    if flat.startswith("GRANT ") and " ON FUTURE " in flat:
        return "GRANT FUTURE"
    for kind in _MULTIWORD_KINDS:
        if flat.startswith(kind + " "):
            return kind
    words = flat.split(" ")
    return words[0] if words[0] == "GRANT" else " ".join(words[:2])


def load(name: str, values: dict[str, str] | None = None) -> list[Statement]:
    text = render((SQL_DIR / name).read_text(encoding="utf-8"), values or SAMPLE_VARS)
    statements = []
    for raw in split(text):
        parsed = sqlglot.parse_one(raw, read="snowflake")
        statements.append(Statement(kind=kind_of(raw), text=raw, parsed=parsed))
    return statements


def snapshot_text(statements: list[Statement]) -> str:
    """One block per statement: its kind, how sqlglot saw it, and sqlglot's Snowflake rendering."""
    blocks = []
    for number, statement in enumerate(statements, start=1):
        node = type(statement.parsed).__name__
        sql = statement.parsed.sql(dialect="snowflake", pretty=True)
        blocks.append(f"-- [{number}] {statement.kind} ({node})\n{sql};\n")
    return "\n".join(blocks)
