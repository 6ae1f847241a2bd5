"""The emulated org's objects: Account, Contact, Opportunity, Lead, Case, User, custom X__c, and
(`members.py`) Campaign, CampaignMember, Group, GroupMember, AccountPartner.

X__c carries one field of every describe type of spec §6 (compound location, formula, base64,
multipicklist, currency, percent, time, long text area, external id, reference ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.catalog import fieldkit as k
from emulator.catalog import members
from emulator.catalog.custom import custom_x
from emulator.catalog.organization import organization
from emulator.catalog.vocabulary import FIRST, LAST, NOUNS, WORDS
from emulator.core import datagen as g
from emulator.core.schema import FieldDef, ObjectDef, Schema

CITIES = ["San Francisco", "New York", "Austin", "Seattle", "Chicago", "Boston", "Toronto", "Paris"]
INDUSTRIES = [
    "Agriculture",
    "Banking",
    "Chemicals",
    "Education",
    "Energy",
    "Media",
    "Technology",
    "Retail",
]
STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Closed Won",
    "Closed Lost",
]
SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]
STREET = g.text("{n} {w} Street", {"w": WORDS}, null_rate=0.1)
CITY = g.choice(CITIES, 0.1)
PERSON_FIRST = g.choice(FIRST, 0.05)
PERSON_LAST = g.choice(LAST)


def _full_name(get: Callable[[str], Any]) -> str:
    return " ".join(p for p in (get("FirstName"), get("LastName")) if p)


def _person_name(*between: FieldDef) -> list[FieldDef]:
    """LastName, FirstName, ``between`` and the formula Name: a person's compound Name."""
    return [
        k.string("LastName", 80, PERSON_LAST, nillable=False, compound_field_name="Name"),
        k.string("FirstName", 40, PERSON_FIRST, compound_field_name="Name"),
        *between,
        k.calculated(
            "Name", "string", "FirstName & ' ' & LastName", _full_name, length=121, name_field=True
        ),
    ]


def account() -> ObjectDef:
    return ObjectDef(
        "Account",
        "Account",
        "Accounts",
        "001",
        fields=[
            k.id_field("Account ID"),
            k.string(
                "Name",
                255,
                g.text("{a} {b} {n}", {"a": WORDS, "b": NOUNS}),
                nillable=False,
                name_field=True,
                compound_field_name="Name",
            ),
            k.picklist(
                "Type",
                ["Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"],
                0.1,
            ),
            k.reference("ParentId", "Account", "Parent", 0.8, label="Parent Account ID"),
            *k.address("Billing", "BillingAddress", STREET, CITY),
            *k.address("Shipping", "ShippingAddress", STREET, CITY),
            k.fld("Phone", "phone", g.text("(415) 555-{n:04d}", null_rate=0.1), length=40),
            k.fld(
                "Website",
                "url",
                g.text("https://www.{a}{n}.example.com", {"a": NOUNS}, 0.2),
                length=255,
            ),
            k.picklist("Industry", INDUSTRIES, 0.1),
            k.number("AnnualRevenue", "currency", 18, 0, g.integer(10_000, 5_000_000_000, 0.2)),
            k.integer("NumberOfEmployees", 8, g.integer(1, 250_000, 0.2)),
            k.string("AccountNumber", 40, g.text("ACC-{n:07d}", null_rate=0.3)),
            k.picklist("Rating", ["Hot", "Warm", "Cold"], 0.3),
            k.textarea(
                "Description",
                32000,
                g.text('Account {n} notes, "quoted", with commas', null_rate=0.5),
            ),
            k.fld(
                "LastActivityDate", "date", g.day(365, 0, 0.4), createable=False, updateable=False
            ),
            *k.audit_fields(),
        ],
    )


def contact() -> ObjectDef:
    return ObjectDef(
        "Contact",
        "Contact",
        "Contacts",
        "003",
        fields=[
            k.id_field("Contact ID"),
            k.reference("AccountId", "Account", "Account", 0.1, label="Account ID"),
            *_person_name(
                k.picklist(
                    "Salutation",
                    ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."],
                    0.3,
                    compound_field_name="Name",
                )
            ),
            *k.address("Mailing", "MailingAddress", STREET, CITY),
            k.fld("Phone", "phone", g.text("(212) 555-{n:04d}", null_rate=0.2), length=40),
            k.fld(
                "Email",
                "email",
                g.text("{f}.{n}@example.com", {"f": FIRST}, 0.1),
                length=80,
                id_lookup=True,
            ),
            k.string(
                "Title", 128, g.choice(["CEO", "CTO", "VP Sales", "Engineer", "Analyst"], 0.2)
            ),
            k.fld("Birthdate", "date", g.day(25000, 0, 0.5)),
            k.picklist("LeadSource", SOURCES, 0.2),
            k.boolean("HasOptedOutOfEmail", g.boolean(0.1)),
            k.textarea("Description", 32000, None),
            *k.audit_fields(),
        ],
    )


def _expected_revenue(get: Callable[[str], Any]) -> float | None:
    amount, probability = get("Amount"), get("Probability")
    return None if amount is None or probability is None else round(amount * probability / 100, 2)


def _is_closed(get: Callable[[str], Any]) -> bool:
    return str(get("StageName") or "").startswith("Closed")


def opportunity() -> ObjectDef:
    return ObjectDef(
        "Opportunity",
        "Opportunity",
        "Opportunities",
        "006",
        fields=[
            k.id_field("Opportunity ID"),
            k.reference("AccountId", "Account", "Account", 0.05, label="Account ID"),
            k.string(
                "Name", 120, g.text("{a} deal {n}", {"a": NOUNS}), nillable=False, name_field=True
            ),
            k.picklist("StageName", STAGES, nillable=False),
            k.number("Amount", "currency", 18, 2, g.decimal(100, 2_000_000, 2, 0.1)),
            k.number("Probability", "percent", 3, 0, g.integer(0, 100, 0.05)),
            k.calculated(
                "ExpectedRevenue",
                "currency",
                "Amount * Probability",
                _expected_revenue,
                precision=18,
                scale=2,
            ),
            k.fld("CloseDate", "date", g.day(400, 200), nillable=False),
            k.picklist(
                "Type",
                ["New Customer", "Existing Customer - Upgrade", "Existing Customer - Renewal"],
                0.3,
            ),
            k.picklist("LeadSource", SOURCES, 0.2),
            k.calculated(
                "IsClosed", "boolean", "ISPICKVAL(StageName, 'Closed')", _is_closed, nillable=False
            ),
            k.textarea("Description", 32000, None),
            *k.audit_fields(),
        ],
    )


def lead() -> ObjectDef:
    return ObjectDef(
        "Lead",
        "Lead",
        "Leads",
        "00Q",
        fields=[
            k.id_field("Lead ID"),
            *_person_name(),
            k.string("Company", 255, g.text("{a} {b}", {"a": WORDS, "b": NOUNS}), nillable=False),
            k.picklist(
                "Status",
                ["Open - Not Contacted", "Working - Contacted", "Closed - Converted"],
                nillable=False,
            ),
            k.fld("Email", "email", g.text("lead{n}@example.org", null_rate=0.1), length=80),
            k.fld("Phone", "phone", g.text("(312) 555-{n:04d}", null_rate=0.2), length=40),
            *k.address("", "Address", STREET, CITY),
            k.picklist("Industry", INDUSTRIES, 0.2),
            k.number("AnnualRevenue", "currency", 18, 0, g.integer(10_000, 90_000_000, 0.4)),
            k.integer("NumberOfEmployees", 8, g.integer(1, 5000, 0.4)),
            k.boolean("IsConverted", g.boolean(0.1)),
            *k.audit_fields(),
        ],
    )


def case() -> ObjectDef:
    return ObjectDef(
        "Case",
        "Case",
        "Cases",
        "500",
        fields=[
            k.id_field("Case ID"),
            k.string(
                "CaseNumber",
                30,
                g.text("{n:08d}"),
                createable=False,
                updateable=False,
                auto_number=True,
            ),
            k.reference("AccountId", "Account", "Account", 0.2, label="Account ID"),
            k.reference("ContactId", "Contact", "Contact", 0.3, label="Contact ID"),
            k.string("Subject", 255, g.text("Issue {n}: {w}", {"w": NOUNS}, 0.05)),
            k.picklist(
                "Status", ["New", "Working", "Escalated", "Closed"], defaulted_on_create=True
            ),
            k.picklist("Priority", ["High", "Medium", "Low"]),
            k.picklist("Origin", ["Phone", "Email", "Web"], 0.1),
            k.boolean("IsEscalated", g.boolean(0.05)),
            k.fld("ClosedDate", "datetime", g.moment(300, 0.6), createable=False, updateable=False),
            k.textarea(
                "Description",
                32000,
                g.text("Customer reported problem {n}.\nSecond line.", null_rate=0.3),
            ),
            *k.audit_fields(),
        ],
    )


def user() -> ObjectDef:
    return ObjectDef(
        "User",
        "User",
        "Users",
        "005",
        deletable=False,
        fields=[
            k.id_field("User ID"),
            k.string(
                "Username",
                80,
                g.text("user{n}@lht.local"),
                nillable=False,
                unique=True,
                id_lookup=True,
            ),
            *_person_name(),
            k.fld("Email", "email", g.text("user{n}@lht.local"), length=128, nillable=False),
            k.string("Alias", 8, g.text("u{n}"), nillable=False),
            k.boolean("IsActive", g.boolean(0.9)),
            *k.audit_fields(owner=False, deletable=False),
        ],
    )


def build_schema() -> Schema:
    """A fresh schema (fields may be added at runtime, so each org gets its own copy)."""
    return Schema(
        [account(), contact(), opportunity(), lead(), case(), user(), custom_x(), organization()]
        + [make() for make in members.OBJECTS]
    )


DEFAULT_COUNTS: dict[str, int] = {
    "Account": 200,
    "Contact": 400,
    "Opportunity": 300,
    "Lead": 200,
    "Case": 250,
    "User": 10,
    "X__c": 150,
    "Organization": 1,
    **members.COUNTS,
}
