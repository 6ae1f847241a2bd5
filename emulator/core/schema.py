"""Object and field metadata (the describe model) and the org schema registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

SOAP_TYPES: dict[str, str] = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "multipicklist": "xsd:string",
    "combobox": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "encryptedstring": "xsd:string",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "long": "xsd:long",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "base64": "xsd:base64Binary",
    "address": "urn:address",
    "location": "urn:location",
    "anyType": "xsd:anyType",
}
STRING_TYPES = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "combobox",
        "email",
        "phone",
        "url",
        "encryptedstring",
    }
)
NUMBER_TYPES = frozenset({"int", "long", "double", "currency", "percent"})
COMPOUND_TYPES = frozenset({"address", "location"})

# A generator factory builds, for one org context and field name, a function row index -> value.
# A formula maps a field getter (name -> value) of one row to the calculated value.
GeneratorFactory = Callable[[Any, str], Callable[[int], Any]]
Formula = Callable[[Callable[[str], Any]], Any]


@dataclass(frozen=True)
class FieldDef:
    """One field's describe metadata plus how the emulator derives its virtual values."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    calculated: bool = False
    formula_text: str | None = None
    compound_field_name: str | None = None
    external_id: bool = False
    id_lookup: bool = False
    unique: bool = False
    case_sensitive: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    default_value: Any = None
    defaulted_on_create: bool = False
    custom: bool = False
    name_field: bool = False
    auto_number: bool = False
    extra_type_info: str | None = None
    html_formatted: bool = False
    filterable: bool = True
    sortable: bool = True
    groupable: bool = True
    generator: GeneratorFactory | None = field(default=None, compare=False, repr=False)
    formula: Formula | None = field(default=None, compare=False, repr=False)

    @property
    def soap_type(self) -> str:
        return SOAP_TYPES.get(self.type, "xsd:string")

    @property
    def is_compound(self) -> bool:
        return self.type in COMPOUND_TYPES

    @property
    def required_on_create(self) -> bool:
        return (
            self.createable
            and not self.nillable
            and not self.defaulted_on_create
            and self.type != "boolean"
        )


@dataclass
class ObjectDef:
    """One sObject: describe-level flags and its ordered, mutable field list (fields can be
    added)."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    queryable: bool = True
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    undeletable: bool | None = (
        None  # None: same as `deletable`; False: deletes skip the recycle bin
    )
    replicateable: bool = True
    retrieveable: bool = True
    bulk_supported: bool = True
    fields: list[FieldDef] = field(default_factory=list)
    _index: dict[str, FieldDef] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {f.name.lower(): f for f in self.fields}
        if self.undeletable is None:
            self.undeletable = self.deletable

    @property
    def hard_delete_only(self) -> bool:
        """Deletable but not undeletable (describe `undeletable: false`, e.g. CampaignMember):
        a delete bypasses the recycle bin, so queryAll never shows the row again."""
        return self.deletable and not self.undeletable

    def field(self, name: str) -> FieldDef | None:
        """Case-insensitive field lookup."""
        return self._index.get(name.lower())

    def add_field(self, fdef: FieldDef) -> None:
        if fdef.name.lower() in self._index:
            raise ValueError(f"field {fdef.name} already exists on {self.name}")
        self.fields.append(fdef)
        self._index[fdef.name.lower()] = fdef

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationshipName is `name` (case-insensitive)."""
        lowered = name.lower()
        for fdef in self.fields:
            if fdef.relationship_name and fdef.relationship_name.lower() == lowered:
                return fdef
        return None

    def components(self, compound: str) -> list[FieldDef]:
        return [f for f in self.fields if f.compound_field_name == compound and f.name != compound]


class Schema:
    """All objects of the org, looked up case-insensitively."""

    def __init__(self, objects: list[ObjectDef] | None = None) -> None:
        self._objects: dict[str, ObjectDef] = {}
        for obj in objects or []:
            self.add(obj)

    def add(self, obj: ObjectDef) -> None:
        self._objects[obj.name.lower()] = obj

    def get(self, name: str) -> ObjectDef | None:
        return self._objects.get(name.lower())

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter(sorted(self._objects.values(), key=lambda o: o.name))

    def by_prefix(self, prefix: str) -> ObjectDef | None:
        for obj in self._objects.values():
            if obj.key_prefix == prefix:
                return obj
        return None


_AUDIT_REFERENCES = frozenset({"CreatedById", "LastModifiedById", "OwnerId"})


def child_relationships(
    schema: Schema, parent: ObjectDef
) -> list[tuple[str | None, ObjectDef, FieldDef]]:
    """(relationshipName, child object, child's reference field) for every lookup to `parent`."""
    result: list[tuple[str | None, ObjectDef, FieldDef]] = []
    for child in schema:
        for fdef in child.fields:
            if fdef.type != "reference" or parent.name not in fdef.reference_to:
                continue
            name: str | None = child.label_plural.replace(" ", "")
            if child.custom:
                name = f"{child.name.removesuffix('__c')}s__r"
            elif child.name == parent.name:
                name = f"Child{name}"
            if fdef.name in _AUDIT_REFERENCES or fdef.relationship_name is None:
                name = None
            result.append((name, child, fdef))
    return result
