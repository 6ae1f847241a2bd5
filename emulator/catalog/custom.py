"""The custom object X__c: one field of every describe type of spec §6 (compound location,
formula, base64, multipicklist, currency, percent, time, long text area, external id, reference)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.catalog import fieldkit as k
from emulator.catalog.vocabulary import WORDS
from emulator.core import datagen as g
from emulator.core.schema import ObjectDef


def _total(get: Callable[[str], Any]) -> float | None:
    amount, quantity = get("Amount__c"), get("Quantity__c")
    return None if amount is None or quantity is None else round(amount * quantity, 2)


def custom_x() -> ObjectDef:
    loc = {"compound_field_name": "Location__c", "precision": 12, "scale": 9}
    return ObjectDef(
        "X__c",
        "X",
        "Xs",
        "a01",
        custom=True,
        fields=[
            k.id_field("Record ID"),
            k.string("Name", 80, g.text("X-{n:06d}"), name_field=True, custom=False),
            k.string("Text__c", 255, g.text("text {w} {n}", {"w": WORDS}, 0.2)),
            k.textarea("TextArea__c", 255, g.text('short, "area" {n}', null_rate=0.3)),
            k.textarea(
                "LongText__c", 131072, g.text('line one {n}\nline two, "quoted"', null_rate=0.3)
            ),
            k.textarea(
                "RichText__c",
                32768,
                g.text("<p>rich <b>{n}</b></p>", null_rate=0.5),
                extra_type_info="richtextarea",
                html_formatted=True,
            ),
            k.picklist("Picklist__c", ["Alpha", "Beta", "Gamma"], 0.1, restricted_picklist=True),
            k.multipicklist("MultiPicklist__c", ["Red", "Green", "Blue", "Yellow"]),
            k.fld("Email__c", "email", g.text("x{n}@example.net", null_rate=0.2), length=80),
            k.fld("Phone__c", "phone", g.text("+1 650 555 {n:04d}", null_rate=0.2), length=40),
            k.fld("Url__c", "url", g.text("https://x.example.com/{n}", null_rate=0.2), length=255),
            k.fld("Secret__c", "encryptedstring", g.text("s{n}", null_rate=0.5), length=175),
            k.boolean("Checkbox__c", g.boolean(0.5)),
            k.number("Quantity__c", "double", 18, 0, g.integer(0, 1000, 0.1)),
            k.number("Ratio__c", "double", 18, 6, g.decimal(-1000, 1000, 6, 0.1)),
            k.number("Amount__c", "currency", 16, 2, g.decimal(0, 1_000_000, 2, 0.1)),
            k.number("Percent__c", "percent", 5, 2, g.decimal(0, 100, 2, 0.1)),
            k.integer("Count__c", 9, g.integer(-1000, 1_000_000, 0.1)),
            k.fld("Date__c", "date", g.day(1000, 100, 0.1)),
            k.fld("DateTime__c", "datetime", g.moment(1000, 0.1)),
            k.fld("Time__c", "time", g.clock_time(0.2)),
            k.fld(
                "Blob__c",
                "base64",
                g.blob(0.5),
                length=32000,
                filterable=False,
                sortable=False,
                groupable=False,
            ),
            k.fld("Location__Latitude__s", "double", g.decimal(-90, 90, 6, 0.3), **loc),
            k.fld("Location__Longitude__s", "double", g.decimal(-180, 180, 6, 0.3), **loc),
            k.fld(
                "Location__c",
                "location",
                None,
                createable=False,
                updateable=False,
                filterable=False,
                sortable=False,
                groupable=False,
            ),
            k.string(
                "External_Id__c",
                64,
                g.text("EXT-{n:08d}"),
                external_id=True,
                unique=True,
                id_lookup=True,
            ),
            k.reference("Account__c", "Account", "Account__r", 0.2, label="Account"),
            k.calculated(
                "Total__c", "currency", "Amount__c * Quantity__c", _total, precision=18, scale=2
            ),
            *k.audit_fields(),
        ],
    )
