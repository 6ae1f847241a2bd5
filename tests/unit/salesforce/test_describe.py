from __future__ import annotations

import json
from pathlib import Path

import pytest

from lht.errors import SalesforceError
from lht.salesforce.describe import SObjectDescribe, parse_describe

DESCRIBES = sorted(Path("/work/shared/fixtures/salesforce/describe").glob("*.json"))


def load(name: str) -> SObjectDescribe:
    return parse_describe(json.loads((DESCRIBES[0].parent / name).read_text()))


@pytest.mark.parametrize("path", DESCRIBES, ids=lambda p: p.name)
def test_parse_describe_every_fixture_keeps_all_fields_in_order(path: Path) -> None:
    raw = json.loads(path.read_text())
    described = parse_describe(raw)
    parents = {f.get("compoundFieldName") for f in raw["fields"]} - {None, "Name"}
    assert described.name == raw["name"]
    assert described.field_names == tuple(f["name"] for f in raw["fields"])
    assert described.queryable is raw["queryable"]
    for parsed, source in zip(described.fields, raw["fields"], strict=True):
        assert parsed.type == source["type"]
        assert parsed.nillable is source["nillable"]
        assert parsed.reference_to == tuple(source["referenceTo"])
        compound = source["type"] in ("address", "location") or source["name"] in parents
        assert parsed.is_compound == compound
    assert described.watermark_field == "SystemModstamp"


@pytest.mark.parametrize("path", DESCRIBES, ids=lambda p: p.name)
def test_bulk_queryable_fields_every_fixture_excludes_compound_parents_and_base64(
    path: Path,
) -> None:
    described = parse_describe(json.loads(path.read_text()))
    bulk = described.bulk_queryable_fields
    assert all(f.type not in ("address", "location", "base64") for f in bulk)
    assert all(not f.is_compound for f in bulk)
    excluded = [f for f in described.fields if f not in bulk]
    assert all(f.is_compound or f.type == "base64" for f in excluded)


def test_parse_describe_account_numbers_and_compounds_match_salesforce() -> None:
    account = load("Account.describe.v48.cumulusci.json")
    revenue = account.field("AnnualRevenue")
    assert revenue is not None
    assert (revenue.type, revenue.precision, revenue.scale) == ("currency", 18, 0)
    employees = account.field("NumberOfEmployees")
    assert employees is not None and employees.digits == 8
    billing = account.field("BillingAddress")
    assert billing is not None and billing.is_compound
    street = account.field("BillingStreet")
    assert street is not None
    assert street.compound_field_name == "BillingAddress" and not street.is_compound
    assert account.field("billingcity") is account.field("BillingCity")
    owner = account.field("OwnerId")
    assert owner is not None
    assert owner.reference_to == ("User",) and owner.relationship_name == "Owner"


def test_parse_describe_contact_name_compound_stays_queryable() -> None:
    contact = load("Contact.describe.v48.cumulusci.json")
    name = contact.field("Name")
    assert name is not None and not name.is_compound
    assert "Name" in {f.name for f in contact.bulk_queryable_fields}
    assert "MailingAddress" not in {f.name for f in contact.bulk_queryable_fields}


def test_parse_describe_picklists_external_ids_and_formulas() -> None:
    opp = load("Opportunity.describe.v48.cumulusci.json")
    stage = opp.field("StageName")
    assert stage is not None and "Closed Won" in stage.picklist_values
    lead = load("Lead.describe.v59.cumulusci.json")
    assert any(
        f.calculated for f in load("Account.describe.PersonAccounts-NPSP.v59.cumulusci.json").fields
    )
    assert lead.field("Id") is not None and lead.field("Id").id_lookup  # type: ignore[union-attr]


def test_parse_describe_old_version_without_compound_key_defaults_to_none() -> None:
    custom = load("CustomObject__c.describe.v29.restforce-db.json")
    assert all(f.compound_field_name is None for f in custom.fields)
    assert custom.custom


def test_watermark_field_falls_back_then_none() -> None:
    raw = json.loads((DESCRIBES[0].parent / "Case.describe.v48.cumulusci.json").read_text())
    raw["fields"] = [f for f in raw["fields"] if f["name"] != "SystemModstamp"]
    assert parse_describe(raw).watermark_field == "LastModifiedDate"
    raw["fields"] = [f for f in raw["fields"] if f["name"] not in ("LastModifiedDate",)]
    assert parse_describe(raw).watermark_field == "CreatedDate"
    raw["fields"] = [f for f in raw["fields"] if f["type"] != "datetime"]
    assert parse_describe(raw).watermark_field is None


def test_parse_describe_missing_fields_raises_salesforce_error() -> None:
    with pytest.raises(SalesforceError, match="missing"):
        parse_describe({"name": "Account"})


def test_parse_describe_opportunity_fiscal_compound_parent_excluded_components_kept() -> None:
    opp = load("Opportunity.describe.v48.cumulusci.json")
    bulk = {f.name for f in opp.bulk_queryable_fields}
    assert "Fiscal" not in bulk
    assert {"FiscalQuarter", "FiscalYear"} <= bulk
