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
TEMPLATE = re.compile(r"<%\s*((?:ctx\.env\.)?[A-Za-z_][A-Za-z0-9_]*)\s*%>")
ENV_PREFIX = "ctx.env."

#: Sample values for every -D variable setup.sql/teardown.sql use (see the header of setup.sql).
SAMPLE_VARS = {
    "database": "LHT",
    "warehouse": "COMPUTE_WH",
    "deploy_user": "jane.doe@acme.com",
    "sf_login_url": "https://acme.my.salesforce.com",
    "sf_network_hosts": "'acme.my.salesforce.com:443'",
}
#: Sample values of the environment variables setup.sql reads through snow's ``ctx.env``.
SAMPLE_ENV = {
    "SF_CLIENT_ID": "3MVG9SAMPLECLIENTID",
    "SF_CLIENT_SECRET": "SAMPLESECRET0123",
}

#: Statements sqlglot cannot parse (it falls back to an opaque ``Command``) must still have one of
#: these shapes; each is the documented Snowflake syntax for the statements we use.
_IDENT = r"[A-Z_][A-Z0-9_$]*"
_NAME = rf"{_IDENT}(?:\.{_IDENT}){{0,2}}"
_STR = r"'(?:[^']|'')*'"
_QUOTED = r'"[^"]+"'
COMMAND_SHAPES = {
    "CREATE ROLE": rf"CREATE ROLE IF NOT EXISTS {_IDENT}( COMMENT = {_STR})?",
    "GRANT ROLE": rf"GRANT ROLE {_IDENT} TO (ROLE {_IDENT}|USER {_QUOTED})",
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
    "ALTER NETWORK RULE": rf"ALTER NETWORK RULE {_NAME} SET VALUE_LIST = \({_STR}(, {_STR})*\)",
    "CREATE SECRET": (
        rf"CREATE SECRET IF NOT EXISTS {_NAME} TYPE = GENERIC_STRING SECRET_STRING = {_STR} "
        rf"COMMENT = {_STR}"
    ),
    "ALTER SECRET": rf"ALTER SECRET {_NAME} SET SECRET_STRING = {_STR}",
    "CREATE EXTERNAL ACCESS INTEGRATION": (
        rf"CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS {_IDENT} "
        rf"ALLOWED_NETWORK_RULES = \({_NAME}\) ALLOWED_AUTHENTICATION_SECRETS = \({_NAME}\) "
        rf"ENABLED = TRUE COMMENT = {_STR}"
    ),
    "ALTER EXTERNAL ACCESS INTEGRATION": (
        rf"ALTER EXTERNAL ACCESS INTEGRATION {_IDENT} SET "
        rf"ALLOWED_NETWORK_RULES = \({_NAME}\) ALLOWED_AUTHENTICATION_SECRETS = \({_NAME}\) "
        rf"ENABLED = TRUE"
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
    """The ``-D`` variables a file uses (``ctx.env.X`` references excluded)."""
    return {name for name in TEMPLATE.findall(text) if not name.startswith(ENV_PREFIX)}


def env_variables(text: str) -> set[str]:
    """The environment variables a file reads through ``<% ctx.env.X %>``."""
    return {n[len(ENV_PREFIX) :] for n in TEMPLATE.findall(text) if n.startswith(ENV_PREFIX)}


def render(text: str, values: dict[str, str], env: dict[str, str] | None = None) -> str:
    """Render ``<% name %>`` and ``<% ctx.env.NAME %>`` like snow's standard syntax (undefined
    names are an error, as with snow's StrictUndefined)."""
    env = SAMPLE_ENV if env is None else env
    scope = {**values, **{ENV_PREFIX + name: value for name, value in env.items()}}
    missing = set(TEMPLATE.findall(text)) - scope.keys()
    if missing:
        raise KeyError(f"template variables without a value: {sorted(missing)}")
    return TEMPLATE.sub(lambda m: scope[m.group(1)], text)


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
    "ALTER EXTERNAL ACCESS INTEGRATION",
    "DROP EXTERNAL ACCESS INTEGRATION",
    "CREATE NETWORK RULE",
    "ALTER NETWORK RULE",
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


def load(
    name: str, values: dict[str, str] | None = None, env: dict[str, str] | None = None
) -> list[Statement]:
    text = render((SQL_DIR / name).read_text(encoding="utf-8"), values or SAMPLE_VARS, env)
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
