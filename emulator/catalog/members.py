"""Campaigns, groups and partner links: the objects whose delete and replication behaviour
differs from Account's.

Flags as in the recorded describeGlobal (`describe_global/…cumulusci.full.json`), fields from the
Salesforce Field Reference (CampaignMember, GroupMember, Group, AccountPartner pages):

* CampaignMember (`00v`) and GroupMember (`011`), Group (`00G`) are `undeletable: false`: a delete
  skips the recycle bin (hard), so queryAll never shows them again and only the delete log
  (GET .../deleted) or an Id comparison sees it. CampaignMember still has `IsDeleted` (the field
  reference lists it; it is never true); GroupMember and Group have none (GroupMember's only
  fields are Id, GroupId, UserOrGroupId and SystemModstamp).
* AccountPartner (`00I`) is `replicateable: false`: GET .../updated and .../deleted refuse it.
"""

from __future__ import annotations

from emulator.catalog import fieldkit as k
from emulator.catalog.vocabulary import NOUNS, WORDS
from emulator.core import datagen as g
from emulator.core.schema import FieldDef, ObjectDef


def campaign() -> ObjectDef:
    return ObjectDef(
        "Campaign",
        "Campaign",
        "Campaigns",
        "701",
        fields=[
            k.id_field("Campaign ID"),
            k.string(
                "Name",
                80,
                g.text("{a} campaign {n}", {"a": NOUNS}),
                nillable=False,
                name_field=True,
            ),
            k.reference("ParentId", "Campaign", "Parent", 0.8, label="Parent Campaign ID"),
            k.picklist("Type", ["Conference", "Webinar", "Email", "Advertisement"], 0.1),
            k.picklist("Status", ["Planned", "In Progress", "Completed", "Aborted"], 0.1),
            k.fld("StartDate", "date", g.day(700, 0, 0.1)),
            k.fld("EndDate", "date", g.day(300, 100, 0.2)),
            k.boolean("IsActive", g.boolean(0.6)),
            k.number("BudgetedCost", "currency", 18, 0, g.integer(1_000, 500_000, 0.3)),
            k.number("ActualCost", "currency", 18, 0, g.integer(1_000, 500_000, 0.4)),
            k.textarea("Description", 32000, g.text("Campaign {n} plan", null_rate=0.5)),
            *k.audit_fields(),
        ],
    )


def campaign_member() -> ObjectDef:
    return ObjectDef(
        "CampaignMember",
        "Campaign Member",
        "Campaign Members",
        "00v",
        undeletable=False,
        fields=[
            k.id_field("Campaign Member ID"),
            k.reference("CampaignId", "Campaign", "Campaign", label="Campaign ID", nillable=False),
            k.reference("LeadId", "Lead", "Lead", 0.5, label="Lead ID"),
            k.reference("ContactId", "Contact", "Contact", 0.5, label="Contact ID"),
            k.picklist("Status", ["Sent", "Responded"], 0.0, length=40),
            k.boolean("HasResponded", g.boolean(0.3), createable=False, updateable=False),
            k.fld("FirstRespondedDate", "date", g.day(400, 0, 0.7)),
            *k.audit_fields(owner=False),
        ],
    )


def group() -> ObjectDef:
    return ObjectDef(
        "Group",
        "Group",
        "Group",
        "00G",
        undeletable=False,
        fields=[
            k.id_field("Group ID"),
            k.string("Name", 40, g.text("{a} team {n}", {"a": WORDS}), name_field=True),
            k.string("DeveloperName", 80, g.text("Team_{n}"), nillable=False),
            k.picklist("Type", ["Regular", "Queue"], nillable=False),
            k.fld("Email", "email", g.text("team{n}@example.com", null_rate=0.7), length=255),
            k.boolean("DoesIncludeBosses", g.boolean(0.5)),
            k.boolean("DoesSendEmailToMembers", g.boolean(0.2)),
            *k.audit_fields(deletable=False),
        ],
    )


def _user_or_group() -> FieldDef:
    """Polymorphic (User or Group) lookup without a relationship name."""
    return k.fld(
        "UserOrGroupId",
        "reference",
        g.reference("User"),
        label="User/Group ID",
        length=18,
        nillable=False,
        updateable=False,
        reference_to=("Group", "User"),
    )


def group_member() -> ObjectDef:
    ro = {"createable": False, "updateable": False, "nillable": False, "defaulted_on_create": True}
    return ObjectDef(
        "GroupMember",
        "Group Member",
        "Group Member",
        "011",
        updateable=False,
        undeletable=False,
        fields=[
            k.id_field("Group Member ID"),
            k.reference(
                "GroupId", "Group", "Group", label="Group ID", nillable=False, updateable=False
            ),
            _user_or_group(),
            k.fld("SystemModstamp", "datetime", g.modified(), label="System Modstamp", **ro),
        ],
    )


def account_partner() -> ObjectDef:
    return ObjectDef(
        "AccountPartner",
        "Account Partner",
        "Account Partner",
        "00I",
        updateable=False,
        undeletable=False,
        replicateable=False,
        fields=[
            k.id_field("Account Partner ID"),
            k.reference("AccountFromId", "Account", "AccountFrom", label="Account ID"),
            k.reference("AccountToId", "Account", "AccountTo", label="Partner ID"),
            k.picklist("Role", ["System Integrator", "Agency", "Advertiser", "Distributor"], 0.2),
            k.boolean("IsPrimary", g.boolean(0.1), updateable=False),
            *k.audit_fields(owner=False),
        ],
    )


OBJECTS = (campaign, campaign_member, group, group_member, account_partner)
COUNTS = {
    "Campaign": 20,
    "CampaignMember": 300,
    "Group": 5,
    "GroupMember": 30,
    "AccountPartner": 40,
}
