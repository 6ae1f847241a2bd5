"""Builders for push unit tests: describe results, source columns, requests."""

from __future__ import annotations

from lht.push.columns import SourceColumn
from lht.push.options import PushOptions, PushRequest
from lht.salesforce.describe import SObjectDescribe
from tests.unit.describe_builders import field


def contact_describe(**flags: bool) -> SObjectDescribe:
    fields = (
        field("Id", "id"),
        field("LastName"),
        field("Email", "email"),
        field("Birthdate", "date"),
        field("HasOptedOutOfEmail", "boolean"),
        field("NumberOfPets__c", "double", precision=18, scale=2),
        field("Visits__c", "int", digits=9),
        field("LastSeen__c", "datetime"),
        field("Ext_Id__c", external_id=True, unique=True),
        field("Plain_Text__c"),
        field("AccountId", "reference", reference_to=("Account",), relationship_name="Account"),
        field("WhoId", "reference", reference_to=("Account", "Lead"), relationship_name="Who"),
        field("CreatedDate", "datetime", createable=False, updateable=False),
        field("FullName__c", calculated=True, createable=False, updateable=False),
        field("InsertOnly__c", updateable=False),
        field("MailingAddress", "address", createable=False, updateable=False),
        field("Photo__c", "base64"),
    )
    base = {"createable": True, "updateable": True, "deletable": True} | flags
    return SObjectDescribe(name="Contact", label="Contact", queryable=True, fields=fields, **base)


def account_describe() -> SObjectDescribe:
    fields = (
        field("Id", "id"),
        field("Name"),
        field("Ext__c", external_id=True, unique=True),
        field("Plain__c"),
    )
    return SObjectDescribe(
        name="Account", label="Account", queryable=True, createable=True, updateable=True,
        deletable=True, fields=fields,
    )  # fmt: skip


def cols(*spec: str) -> list[SourceColumn]:
    """``cols("LASTNAME:string", "ID:string")`` → source columns."""
    out = []
    for item in spec:
        name, _, kind = item.rpartition(":")
        out.append(SourceColumn(name=name, kind=kind))
    return out


def request(operation: str, source: str = "PUSH_SRC", **options: object) -> PushRequest:
    return PushRequest(
        sobject="Contact",
        operation=operation,
        source=source,
        options=PushOptions.from_mapping(options),
    )
