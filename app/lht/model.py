"""Neutral value types shared by the layers (no I/O, no Salesforce or Snowflake imports)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column"]


@dataclass(frozen=True)
class Column:
    """One target column.

    ``name`` is the Salesforce field API name (``Order__c``); the Snowflake column is its
    upper-cased, double-quoted form. ``sql_type`` is the declared Snowflake type
    (``NUMBER(18,2)``), ``sf_type`` the describe type (``currency``), and ``calculated``
    flags formula fields (reported, loaded like any other column).
    """

    name: str
    sql_type: str
    sf_type: str = "string"
    calculated: bool = False

    @property
    def target_name(self) -> str:
        """The Snowflake column name (unquoted, upper case)."""
        return self.name.upper()
