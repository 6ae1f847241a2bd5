"""Describe-result builders shared by the sync and push unit tests (one Field shape, one place)."""

from __future__ import annotations

from dataclasses import replace

from lht.salesforce.describe import Field


def field(name: str, ftype: str = "string", **overrides: object) -> Field:
    """A Field as describe returns it: nillable, writable (``Id`` is neither createable nor
    updateable, as in Salesforce), 255 long for strings, compound for address/location."""
    base = Field(
        name=name,
        type=ftype,
        label=name,
        length=255 if ftype == "string" else 0,
        precision=0,
        scale=0,
        digits=0,
        nillable=True,
        calculated=False,
        compound_field_name=None,
        external_id=False,
        id_lookup=name == "Id",
        unique=False,
        createable=name != "Id",
        updateable=name != "Id",
        reference_to=(),
        relationship_name=None,
        picklist_values=(),
        is_compound=ftype in ("address", "location"),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]
