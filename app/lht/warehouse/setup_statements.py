"""Pure SQL builders for reading a deployment's own objects (``CALL LHT.CHECK_SETUP()``).

``DESCRIBE NETWORK RULE`` returns one row whose ``value_list`` column holds the rule's values
joined by commas (docs.snowflake.com/en/sql-reference/sql/desc-network-rule); the columns of
LHT's tables come from ``INFORMATION_SCHEMA.COLUMNS`` of the current database.
"""

from __future__ import annotations

from collections.abc import Sequence

from lht.errors import ConfigError
from lht.warehouse.identifiers import quote_identifier, validate_identifier
from lht.warehouse.statements import Statement

__all__ = ["NETWORK_RULE", "describe_network_rule", "table_columns"]

#: The rule sql/setup.sql creates in schema LHT.
NETWORK_RULE = "SALESFORCE_API"


def describe_network_rule(schema: str = "LHT", name: str = NETWORK_RULE) -> Statement:
    qualified = ".".join(
        quote_identifier(validate_identifier(part, "network rule name")) for part in (schema, name)
    )
    return Statement("describe_network_rule", f"DESCRIBE NETWORK RULE {qualified}")


def table_columns(schema: str, tables: Sequence[str]) -> Statement:
    """``(TABLE_NAME, COLUMN_NAME)`` of ``tables`` in ``schema`` (names bound, upper case)."""
    if not tables:
        raise ConfigError("table_columns needs at least one table")
    names = [validate_identifier(t, "table name") for t in tables]
    marks = ", ".join("?" for _ in names)
    text = (
        "SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? "
        f"AND TABLE_NAME IN ({marks}) ORDER BY TABLE_NAME, ORDINAL_POSITION"
    )
    return Statement("table_columns", text, (validate_identifier(schema, "schema"), *names))
