"""Builders for planner/executor unit tests: describe results and requests."""

from __future__ import annotations

from datetime import UTC, datetime

from lht.salesforce.describe import Field, SObjectDescribe
from lht.sync.options import SyncOptions, SyncRequest
from tests.unit.describe_builders import field

NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def account_describe(*extra: Field, watermark: bool = True) -> SObjectDescribe:
    fields = [
        field("Id", "id", length=18, nillable=False),
        field("IsDeleted", "boolean", nillable=False),
        field("Name"),
        field("AnnualRevenue", "currency", precision=18, scale=0),
        field("BillingStreet", "textarea", compound_field_name="BillingAddress"),
        field("BillingAddress", "address"),
        field("Logo__c", "base64"),
        field("Score__c", "double", precision=18, scale=2, calculated=True),
    ]
    if watermark:
        fields += [field("CreatedDate", "datetime"), field("SystemModstamp", "datetime")]
    return SObjectDescribe(
        name="Account",
        label="Account",
        queryable=True,
        createable=True,
        updateable=True,
        deletable=True,
        fields=tuple(fields) + extra,
    )


def request(**options: object) -> SyncRequest:
    return SyncRequest("Account", "raw", "accounts", SyncOptions(**options))  # type: ignore[arg-type]


def simple_type(f: Field) -> str:
    return {
        "id": "VARCHAR(18)",
        "boolean": "BOOLEAN",
        "currency": "NUMBER(18,0)",
        "double": f"NUMBER({f.precision},{f.scale})",
        "datetime": "TIMESTAMP_NTZ(3)",
    }.get(f.type, "VARCHAR")
