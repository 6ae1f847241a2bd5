"""sObject describe JSON → immutable field model (``SObjectDescribe`` / ``Field``).

Only the parts of describe that LHT uses are kept. Older API versions omit some keys
(e.g. ``compoundFieldName`` before v30); missing keys take neutral defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lht.errors import SalesforceError

__all__ = [
    "COMPOUND_TYPES",
    "Field",
    "SObjectDescribe",
    "SObjectSummary",
    "parse_describe",
    "parse_describe_global",
    "parse_field",
]

#: Describe types whose values are structured compounds; Bulk 2.0 refuses to select them.
COMPOUND_TYPES = frozenset({"address", "location"})
#: Types Bulk 2.0 query cannot return (REST returns a blob URL instead of the bytes).
BULK_EXCLUDED_TYPES = frozenset({"base64"}) | COMPOUND_TYPES
#: Watermark candidates, best first.
WATERMARK_FIELDS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")


@dataclass(frozen=True)
class Field:
    """One field of an sObject as described by Salesforce (API names verbatim)."""

    name: str
    type: str
    label: str
    length: int
    precision: int
    scale: int
    digits: int
    nillable: bool
    calculated: bool
    compound_field_name: str | None
    external_id: bool
    id_lookup: bool
    unique: bool
    createable: bool
    updateable: bool
    reference_to: tuple[str, ...]
    relationship_name: str | None
    picklist_values: tuple[str, ...]
    is_compound: bool
    soap_type: str = ""
    custom: bool = False
    defaulted_on_create: bool = False

    @property
    def is_formula(self) -> bool:
        """Formula and roll-up summary fields (read-only, computed by Salesforce)."""
        return self.calculated


@dataclass(frozen=True)
class SObjectDescribe:
    """An sObject's describe: object-level flags plus its fields in describe order."""

    name: str
    label: str
    queryable: bool
    createable: bool
    updateable: bool
    deletable: bool
    fields: tuple[Field, ...]
    custom: bool = False
    retrieveable: bool = True
    replicateable: bool = True
    key_prefix: str | None = None

    def field(self, name: str) -> Field | None:
        """The field with API name ``name`` (case-insensitive, as SOQL is), else None."""
        wanted = name.lower()
        for candidate in self.fields:
            if candidate.name.lower() == wanted:
                return candidate
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def bulk_queryable_fields(self) -> tuple[Field, ...]:
        """Fields a Bulk 2.0 query may select: no compound parents, no base64."""
        return tuple(
            f for f in self.fields if not f.is_compound and f.type not in BULK_EXCLUDED_TYPES
        )

    @property
    def watermark_field(self) -> str | None:
        """SystemModstamp, else LastModifiedDate, else CreatedDate, else None."""
        for name in WATERMARK_FIELDS:
            found = self.field(name)
            if found is not None and found.type == "datetime":
                return found.name
        return None


def parse_describe(payload: Mapping[str, Any]) -> SObjectDescribe:
    """Build an :class:`SObjectDescribe` from ``GET .../sobjects/{T}/describe`` JSON."""
    try:
        raw_fields = payload["fields"]
        name = str(payload["name"])
    except (KeyError, TypeError) as exc:
        raise SalesforceError(f"describe response is missing {exc}") from exc
    compound_parents = {
        str(f["compoundFieldName"])
        for f in raw_fields
        if f.get("compoundFieldName") and f.get("compoundFieldName") != "Name"
    }
    fields = tuple(parse_field(f, compound_parents) for f in raw_fields)
    return SObjectDescribe(
        name=name,
        label=str(payload.get("label") or name),
        queryable=bool(payload.get("queryable", True)),
        createable=bool(payload.get("createable", False)),
        updateable=bool(payload.get("updateable", False)),
        deletable=bool(payload.get("deletable", False)),
        fields=fields,
        custom=bool(payload.get("custom", False)),
        retrieveable=bool(payload.get("retrieveable", True)),
        replicateable=bool(payload.get("replicateable", True)),
        key_prefix=payload.get("keyPrefix"),
    )


def parse_field(raw: Mapping[str, Any], compound_parents: frozenset[str] | set[str]) -> Field:
    """Build a :class:`Field` from one element of describe ``fields[]``."""
    name = str(raw["name"])
    ftype = str(raw["type"])
    return Field(
        name=name,
        type=ftype,
        label=str(raw.get("label") or name),
        length=int(raw.get("length") or 0),
        precision=int(raw.get("precision") or 0),
        scale=int(raw.get("scale") or 0),
        digits=int(raw.get("digits") or 0),
        nillable=bool(raw.get("nillable", True)),
        calculated=bool(raw.get("calculated", False)),
        compound_field_name=raw.get("compoundFieldName") or None,
        external_id=bool(raw.get("externalId", False)),
        id_lookup=bool(raw.get("idLookup", False)),
        unique=bool(raw.get("unique", False)),
        createable=bool(raw.get("createable", False)),
        updateable=bool(raw.get("updateable", False)),
        reference_to=tuple(str(r) for r in raw.get("referenceTo") or ()),
        relationship_name=raw.get("relationshipName") or None,
        picklist_values=_picklist_values(raw.get("picklistValues")),
        is_compound=ftype in COMPOUND_TYPES or name in compound_parents,
        soap_type=str(raw.get("soapType") or ""),
        custom=bool(raw.get("custom", False)),
        defaulted_on_create=bool(raw.get("defaultedOnCreate", False)),
    )


def _picklist_values(raw: Any) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(str(v["value"]) for v in raw if isinstance(v, Mapping) and "value" in v)


@dataclass(frozen=True)
class SObjectSummary:
    """One entry of describeGlobal (``GET .../sobjects/``)."""

    name: str
    label: str
    custom: bool
    custom_setting: bool
    queryable: bool
    replicateable: bool
    retrieveable: bool
    createable: bool
    key_prefix: str | None


def parse_describe_global(payload: Mapping[str, Any]) -> tuple[SObjectSummary, ...]:
    """The ``sobjects`` list of describeGlobal as summaries, in Salesforce's order."""
    raw = payload.get("sobjects") if isinstance(payload, Mapping) else None
    if not isinstance(raw, list):
        raise SalesforceError("describeGlobal response has no 'sobjects' list")
    return tuple(
        SObjectSummary(
            name=str(item["name"]),
            label=str(item.get("label") or item["name"]),
            custom=bool(item.get("custom", False)),
            custom_setting=bool(item.get("customSetting", False)),
            queryable=bool(item.get("queryable", False)),
            replicateable=bool(item.get("replicateable", False)),
            retrieveable=bool(item.get("retrieveable", False)),
            createable=bool(item.get("createable", False)),
            key_prefix=item.get("keyPrefix"),
        )
        for item in raw
    )
