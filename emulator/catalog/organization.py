"""The Organization object: the org's one row (key prefix 00D), its Id the org id of every token.

Flags as in the recorded describeGlobal (`describe_global/…cumulusci.full.json`: queryable,
retrieveable, replicateable and updateable; not createable, deletable or undeletable). Fields from
the Object Reference page "Organization" (types and read-only ones: IsSandbox, OrganizationType,
InstanceName, TrialExpirationDate, NamespacePrefix). The values clients read to tell what kind of
org they talk to are knobs (`org.*`), applied when the data is generated (start, seed, reset).
"""

from __future__ import annotations

from datetime import UTC, datetime

from emulator.catalog import fieldkit as k
from emulator.core import datagen as g
from emulator.core.options import register_option
from emulator.core.schema import ObjectDef

EDITIONS = (
    "Team Edition",
    "Professional Edition",
    "Enterprise Edition",
    "Developer Edition",
    "Personal Edition",
    "Unlimited Edition",
    "Contact Manager Edition",
    "Base Edition",
)
register_option("org.name", "LHT Local Org", "Organization.Name (applies on seed/reset).")
register_option(
    "org.is_sandbox",
    False,
    "Organization.IsSandbox: what simple-salesforce's is_sandbox() reads (applies on seed/reset).",
)
register_option(
    "org.organization_type",
    "Developer Edition",
    "Organization.OrganizationType (applies on seed/reset).",
    EDITIONS,
)
register_option("org.instance_name", "EMU1", "Organization.InstanceName (applies on seed/reset).")
register_option(
    "org.trial_expiration_date",
    "",
    "Organization.TrialExpirationDate, e.g. 2030-01-01T00:00:00Z; empty = null (a scratch org "
    "has IsSandbox true and a date; applies on seed/reset).",
)
READ_ONLY = {"createable": False, "updateable": False}


def _moment_or_none(text: str) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def organization() -> ObjectDef:
    return ObjectDef(
        "Organization",
        "Organization",
        "Organizations",
        "00D",
        createable=False,
        deletable=False,
        undeletable=False,
        fields=[
            k.id_field("Organization ID"),
            k.string("Name", 80, g.setting("org.name"), nillable=False, name_field=True),
            k.string("Division", 80, g.constant(None)),
            *k.address("", "Address", g.constant("1 Market Street"), g.constant("San Francisco")),
            k.fld("Phone", "phone", g.constant("(415) 555-0100"), length=40),
            k.fld("Fax", "phone", g.constant(None), length=40),
            k.string("PrimaryContact", 80, g.constant("Admin User")),
            k.picklist("DefaultLocaleSidKey", ["en_US"], nillable=False),
            k.picklist("LanguageLocaleKey", ["en_US"], nillable=False),
            k.picklist("TimeZoneSidKey", ["America/Los_Angeles"], nillable=False),
            k.boolean("ReceivesInfoEmails", g.constant(False)),
            k.boolean("ReceivesAdminInfoEmails", g.constant(False)),
            k.integer("FiscalYearStartMonth", 2, g.constant(1)),
            k.boolean("UsesStartDateAsFiscalYearName", g.constant(False)),
            k.fld(
                "OrganizationType",
                "picklist",
                g.setting("org.organization_type"),
                length=255,
                picklist_values=EDITIONS,
                restricted_picklist=True,
                **READ_ONLY,
            ),
            k.string("InstanceName", 5, g.setting("org.instance_name"), **READ_ONLY),
            k.string("NamespacePrefix", 15, g.constant(None), **READ_ONLY),
            k.boolean("IsSandbox", g.setting("org.is_sandbox"), **READ_ONLY),
            k.boolean("IsReadOnly", g.constant(False), **READ_ONLY),
            k.fld(
                "TrialExpirationDate",
                "datetime",
                g.setting("org.trial_expiration_date", _moment_or_none),
                **READ_ONLY,
            ),
            *k.audit_fields(owner=False, deletable=False),
        ],
    )
