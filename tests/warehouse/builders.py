"""Fixture builders for warehouse tests: columns and Bulk-style CSV pages."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Sequence

from lht.model import Column

ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("Id", "VARCHAR(18)", "id"),
    Column("Name", "VARCHAR", "string"),
    Column("AnnualRevenue", "NUMBER(18,2)", "currency"),
    Column("NumberOfEmployees", "NUMBER(9,0)", "int"),
    Column("Rating__c", "FLOAT", "double"),
    Column("IsDeleted", "BOOLEAN", "boolean"),
    Column("Founded__c", "DATE", "date"),
    Column("Opens__c", "TIME(3)", "time"),
    Column("Meta__c", "VARIANT", "json"),
    Column("SystemModstamp", "TIMESTAMP_NTZ(3)", "datetime"),
)
HEADER = tuple(c.name for c in ACCOUNT_COLUMNS)
MODSTAMP = ACCOUNT_COLUMNS[-1]


def row(  # noqa: PLR0917 - one keyword per CSV column reads best in tests
    record_id: str,
    name: str = "Acme",
    revenue: str = "9.5E8",
    employees: str = "12",
    rating: str = "1.0",
    deleted: str = "false",
    founded: str = "2023-10-22",
    opens: str = "06:25:12.000Z",
    meta: str = '{"a":1}',
    modstamp: str = "2023-10-22T06:25:12.000Z",
) -> tuple[str, ...]:
    return (record_id, name, revenue, employees, rating, deleted, founded, opens, meta, modstamp)


def csv_page(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> bytes:
    """A gzip-compressed Bulk 2.0 page: every value quoted, empty = null."""

    def line(values: Sequence[str]) -> str:
        return ",".join('"' + v.replace('"', '""') + '"' for v in values) + "\n"

    text = line(header) + "".join(line(r) for r in rows)
    return gzip.compress(text.encode("utf-8"))


def run_id() -> str:
    return uuid.uuid4().hex
