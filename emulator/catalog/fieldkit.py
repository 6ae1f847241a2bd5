"""Small builders for field metadata (one per describe type) and the standard system/audit
fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.core import datagen as g
from emulator.core.schema import FieldDef, Formula, GeneratorFactory


def _label(name: str) -> str:
    base = name[:-3] if name.endswith("__c") else name
    return base.replace("_", " ")


def fld(name: str, ftype: str, gen: GeneratorFactory | None = None, **kw: Any) -> FieldDef:
    kw.setdefault("label", _label(name))
    kw.setdefault("custom", name.endswith("__c"))
    return FieldDef(name=name, type=ftype, generator=gen, **kw)


def string(name: str, length: int, gen: GeneratorFactory | None = None, **kw: Any) -> FieldDef:
    return fld(name, "string", gen, length=length, **kw)


def textarea(name: str, length: int, gen: GeneratorFactory | None = None, **kw: Any) -> FieldDef:
    kw.setdefault("extra_type_info", "plaintextarea")
    kw.setdefault("filterable", length <= 255)
    kw.setdefault("sortable", length <= 255)
    kw.setdefault("groupable", length <= 255)
    return fld(name, "textarea", gen, length=length, **kw)


def picklist(name: str, values: Sequence[str], null_rate: float = 0.0, **kw: Any) -> FieldDef:
    kw.setdefault("length", 255)
    return fld(name, "picklist", g.choice(values, null_rate), picklist_values=tuple(values), **kw)


def multipicklist(name: str, values: Sequence[str], **kw: Any) -> FieldDef:
    return fld(
        name,
        "multipicklist",
        g.multichoice(values, 0.2),
        picklist_values=tuple(values),
        length=4099,
        groupable=False,
        sortable=False,
        **kw,
    )


def number(
    name: str, ftype: str, precision: int, scale: int, gen: GeneratorFactory, **kw: Any
) -> FieldDef:
    return fld(name, ftype, gen, precision=precision, scale=scale, **kw)


def integer(name: str, digits: int, gen: GeneratorFactory, **kw: Any) -> FieldDef:
    return fld(name, "int", gen, digits=digits, **kw)


def boolean(name: str, gen: GeneratorFactory, **kw: Any) -> FieldDef:
    kw.setdefault("default_value", False)
    return fld(name, "boolean", gen, nillable=False, defaulted_on_create=True, groupable=True, **kw)


def reference(name: str, target: str, rel: str, null_rate: float = 0.0, **kw: Any) -> FieldDef:
    return fld(
        name,
        "reference",
        g.reference(target, null_rate),
        length=18,
        reference_to=(target,),
        relationship_name=rel,
        **kw,
    )


def calculated(name: str, ftype: str, formula_text: str, formula: Formula, **kw: Any) -> FieldDef:
    return fld(
        name,
        ftype,
        None,
        calculated=True,
        formula_text=formula_text,
        formula=formula,
        createable=False,
        updateable=False,
        **kw,
    )


def address(
    prefix: str, compound: str, street_gen: GeneratorFactory, city_gen: GeneratorFactory
) -> list[FieldDef]:
    """An address compound: the parent field plus its components (parent listed after them)."""

    def part(name: str, ftype: str, gen: GeneratorFactory | None, **kw: Any) -> FieldDef:
        return fld(prefix + name, ftype, gen, compound_field_name=compound, **kw)

    return [
        part("Street", "textarea", street_gen, length=255, extra_type_info="plaintextarea"),
        part("City", "string", city_gen, length=40),
        part("State", "string", g.choice(["CA", "NY", "TX", "WA", "IL", "MA"], 0.1), length=80),
        part("PostalCode", "string", g.text("{n:05d}", null_rate=0.1), length=20),
        part("Country", "string", g.choice(["USA", "Canada", "France"], 0.1), length=80),
        part("Latitude", "double", g.decimal(-90, 90, 6, 0.5), precision=18, scale=15),
        part("Longitude", "double", g.decimal(-180, 180, 6, 0.5), precision=18, scale=15),
        part(
            "GeocodeAccuracy",
            "picklist",
            g.constant(None),
            length=40,
            picklist_values=("Address", "NearAddress", "Block", "Street", "City"),
        ),
        fld(
            compound,
            "address",
            None,
            compound_field_name=None,
            createable=False,
            updateable=False,
            filterable=False,
            sortable=False,
            groupable=False,
        ),
    ]


def id_field(label: str) -> FieldDef:
    return fld(
        "Id",
        "id",
        g.record_id(),
        label=label,
        length=18,
        nillable=False,
        createable=False,
        updateable=False,
        id_lookup=True,
        defaulted_on_create=True,
        custom=False,
    )


def audit_fields(owner: bool = True, deletable: bool = True) -> list[FieldDef]:
    """IsDeleted, OwnerId and the created/modified audit fields every standard object has."""
    ro: dict[str, Any] = {
        "createable": False,
        "updateable": False,
        "nillable": False,
        "defaulted_on_create": True,
    }
    fields: list[FieldDef] = []
    if deletable:
        fields.append(fld("IsDeleted", "boolean", g.constant(False), label="Deleted", **ro))
    if owner:
        fields.append(
            reference(
                "OwnerId",
                "User",
                "Owner",
                label="Owner ID",
                nillable=False,
                defaulted_on_create=True,
            )
        )
    fields += [
        fld("CreatedDate", "datetime", g.created(), label="Created Date", **ro),
        reference("CreatedById", "User", "CreatedBy", label="Created By ID", **ro),
        fld("LastModifiedDate", "datetime", g.modified(), label="Last Modified Date", **ro),
        reference("LastModifiedById", "User", "LastModifiedBy", label="Last Modified By ID", **ro),
        fld("SystemModstamp", "datetime", g.modified(), label="System Modstamp", **ro),
    ]
    return fields
