"""Network rules: CREATE / ALTER / DROP / SHOW / DESCRIBE NETWORK RULE.

Grammar and rules (docs.snowflake.com/en/sql-reference/sql/create-network-rule,
.../alter-network-rule, .../show-network-rules, .../desc-network-rule):

- ``CREATE [ OR REPLACE ] NETWORK RULE [ IF NOT EXISTS ] <name> TYPE = { IPV4 | AWSVPCEID |
  AZURELINKID | GCPPSCID | HOST_PORT | PRIVATE_HOST_PORT } VALUE_LIST = ( '<value>' [, ...] )
  MODE = { INGRESS | INTERNAL_STAGE | EGRESS } [ COMMENT = '<string>' ]``; TYPE, VALUE_LIST and
  MODE are required, each property at most once, any other word is a syntax error.
- "When TYPE = HOST_PORT, the MODE parameter should be set to EGRESS" (enforced, as for
  PRIVATE_HOST_PORT). HOST_PORT values must be a domain, optionally ``:port`` or ``:from-to``
  in 1-65535; "If you do not specify a port, it defaults to 443". IPV4 values must be an address
  or CIDR range.
- ``ALTER NETWORK RULE [ IF EXISTS ] <name> SET VALUE_LIST = (...) [ COMMENT = '...' ]`` /
  ``UNSET { VALUE_LIST | COMMENT }``.

Only EGRESS + HOST_PORT rules have an effect locally: a procedure's outbound connections are
limited to them (``lht.local.snowflake.egress``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from lht.local.snowflake.catalog import CatalogObject
from lht.local.snowflake.objects import (
    created,
    drop_statement,
    parse_create,
    parse_properties,
    parse_show,
    require,
    scoped,
    show_result,
    string,
    string_list,
    words,
)
from lht.local.snowflake.registry import Registry, Statement
from lht.local.snowflake.responses import DESCRIBE, Column, Result, SqlError, status
from lht.local.snowflake.sqltext import ObjectName, Parser

__all__ = ["KIND", "HostPort", "allowed_endpoints", "register"]

KIND = "NETWORK RULE"
TITLE = "Network rule"
_WORDS = ("NETWORK", "RULE")
TYPES = ("IPV4", "AWSVPCEID", "AZURELINKID", "GCPPSCID", "HOST_PORT", "PRIVATE_HOST_PORT")
MODES = ("INGRESS", "INTERNAL_STAGE", "EGRESS")
_DOMAIN = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                     r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")  # fmt: skip
DEFAULT_PORT = 443
_CREATE = {"TYPE": words(*TYPES), "VALUE_LIST": string_list, "MODE": words(*MODES),
           "COMMENT": string}  # fmt: skip
_SET = {"VALUE_LIST": string_list, "COMMENT": string}


@dataclass(frozen=True)
class HostPort:
    """One HOST_PORT value: host (lower case, may start with ``*.``) and a port range."""

    host: str
    low: int
    high: int

    def allows(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        wildcard = self.host.startswith("*.")
        matches = host.endswith(self.host[1:]) if wildcard else host == self.host
        return matches and self.low <= port <= self.high


def parse_host_port(value: str) -> HostPort:
    host, _, ports = value.strip().partition(":")
    if not _DOMAIN.match(host):
        raise SqlError.invalid_value(f"Invalid value ['{value}'] for HOST_PORT network rule: "
                                     "not a valid domain.")  # fmt: skip
    low = high = DEFAULT_PORT
    if ports:
        first, _, last = ports.partition("-")
        if not (first.isdigit() and (not last or last.isdigit())):
            raise SqlError.invalid_value(f"Invalid port in value ['{value}'].")
        low, high = int(first), int(last or first)
        if not (1 <= low <= high <= 65535):
            raise SqlError.invalid_value(f"Invalid port in value ['{value}'].")
    return HostPort(host.lower(), low, high)


def allowed_endpoints(rule: CatalogObject) -> list[HostPort]:
    """What an EGRESS HOST_PORT rule lets a procedure reach (nothing for other rules)."""
    props = rule.properties
    if props.get("mode") != "EGRESS" or props.get("type") != "HOST_PORT":
        return []
    return [parse_host_port(v) for v in props.get("value_list", [])]


def register(registry: Registry) -> None:
    registry.add("CREATE", "NETWORK RULE", create)
    registry.add("ALTER", "NETWORK RULE", alter)
    registry.add("DROP", "NETWORK RULE", drop)
    registry.add("SHOW", "NETWORK RULES", show, lambda s: list(SHOW_COLUMNS))
    registry.add("DESCRIBE", "NETWORK RULE", describe, lambda s: list(DESCRIBE_COLUMNS))


def create(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    head = parse_create(parser, _WORDS)
    props = parse_properties(parser, _CREATE)
    parser.end()
    require(props, "TYPE", "VALUE_LIST", "MODE")
    database, schema, name = stmt.qualify(head.name, "CREATE NETWORK RULE")
    _validate(str(props["TYPE"]), str(props["MODE"]), props["VALUE_LIST"])
    stmt.authorize("CREATE NETWORK RULE", "SCHEMA", (database, schema))
    existing = stmt.catalog.get(KIND, database, schema, name)
    if existing is not None and not head.replace:
        if head.if_not_exists:
            return created(TITLE, name, existed=True)
        raise SqlError.already_exists(name)
    stmt.catalog.put(CatalogObject(
        KIND, database, schema, name, owner=stmt.session.role,
        comment=_comment(props), properties={"type": props["TYPE"], "mode": props["MODE"],
                                             "value_list": _values(props["VALUE_LIST"])},
    ))  # fmt: skip
    return created(TITLE, name, existed=False)


def alter(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.expect("ALTER", *_WORDS)
    if_exists = parser.accept("IF", "EXISTS")
    name = parser.object_name()
    rule = _lookup(stmt, name)
    if rule is None:
        parser.one_of("SET", "UNSET")
        if if_exists:
            return status("Statement executed successfully.")
        raise SqlError.does_not_exist(TITLE, str(name))
    stmt.authorize("OWNERSHIP", KIND, (rule.database, rule.schema, rule.name))
    if parser.one_of("SET", "UNSET") == "SET":
        props = parse_properties(parser, _SET)
        if not props:
            raise parser.error()
        if "VALUE_LIST" in props:
            _validate(rule.properties["type"], rule.properties["mode"], props["VALUE_LIST"])
            rule = rule.with_properties(value_list=_values(props["VALUE_LIST"]))
        if "COMMENT" in props:
            rule = _with_comment(rule, _comment(props))
    else:
        what = parser.one_of("VALUE_LIST", "COMMENT")
        rule = rule.with_properties(value_list=[]) if what == "VALUE_LIST" else \
            _with_comment(rule, None)  # fmt: skip
    parser.end()
    stmt.catalog.put(rule)
    return status("Statement executed successfully.")


def drop(stmt: Statement) -> Result:
    return drop_statement(stmt, _WORDS, TITLE, lambda name: _lookup(stmt, name))


SHOW_COLUMNS = (Column("created_on", "timestamp_ltz"), Column("name"), Column("database_name"),
                Column("schema_name"), Column("owner"), Column("comment"), Column("type"),
                Column("mode"), Column("entries_in_valuelist", "fixed"),
                Column("owner_role_type"))  # fmt: skip
DESCRIBE_COLUMNS = (Column("created_on", "timestamp_ltz"), Column("name"),
                    Column("database_name"), Column("schema_name"), Column("owner"),
                    Column("comment"), Column("type"), Column("mode"),
                    Column("value_list"))  # fmt: skip


def show(stmt: Statement) -> Result:
    flt = parse_show(stmt, ("NETWORK", "RULES"), schema_objects=True)
    rows = [
        [r.created_on, r.name, r.database, r.schema, r.owner, r.comment or "",
         r.properties["type"], r.properties["mode"], len(r.properties["value_list"]), "ROLE"]
        for r in scoped(stmt, KIND, flt)
    ]  # fmt: skip
    return show_result(SHOW_COLUMNS, rows)


def describe(stmt: Statement) -> Result:
    parser = Parser(stmt.sql)
    parser.one_of("DESCRIBE", "DESC")
    parser.expect(*_WORDS)
    name = parser.object_name()
    parser.end()
    rule = _lookup(stmt, name)
    if rule is None:
        raise SqlError.does_not_exist(TITLE, str(name))
    props = rule.properties
    row = [rule.created_on, rule.name, rule.database, rule.schema, rule.owner, rule.comment or "",
           props["type"], props["mode"], ",".join(props["value_list"])]  # fmt: skip
    return Result(DESCRIBE_COLUMNS, [row], DESCRIBE)


def _lookup(stmt: Statement, name: ObjectName) -> CatalogObject | None:
    database, schema, rule = stmt.qualify(name, "this operation")
    return stmt.catalog.get(KIND, database, schema, rule)


def _validate(rule_type: str, mode: str, values: object) -> None:
    if rule_type in ("HOST_PORT", "PRIVATE_HOST_PORT") and mode != "EGRESS":
        raise SqlError.invalid_value(f"Network rule of type {rule_type} must have MODE EGRESS.")
    for value in values if isinstance(values, list) else []:
        if rule_type in ("HOST_PORT", "PRIVATE_HOST_PORT"):
            parse_host_port(value)
        elif rule_type == "IPV4":
            try:
                ipaddress.IPv4Network(value, strict=False)
            except ValueError:
                raise SqlError.invalid_value(f"Invalid IPv4 value ['{value}'].") from None


def _values(value: object) -> list[str]:
    assert isinstance(value, list)
    return [str(v) for v in value]


def _comment(props: dict[str, object]) -> str | None:
    value = props.get("COMMENT")
    return None if value is None else str(value)


def _with_comment(rule: CatalogObject, comment: str | None) -> CatalogObject:
    from dataclasses import replace  # noqa: PLC0415

    return replace(rule, comment=comment)
