"""Relationship columns (``Account.Ext_Id__c``, ``Lead:Who.Email``): which parent objects
they point at, and whether the named parent field can identify a record. Pure.

Salesforce resolves such a column through an indexed unique field of the parent (an external
ID or an idLookup field such as ``Id``). Checking it up front turns a job full of
per-row failures into one clear ConfigError before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping

from lht.errors import ConfigError
from lht.push.columns import ColumnMapping, PushColumns
from lht.salesforce.describe import SObjectDescribe

__all__ = ["check_parents", "parent_objects"]


def _split(header: str) -> tuple[str, str, str]:
    type_prefix, _, path = header.rpartition(":")
    relationship, _, parent_field = path.partition(".")
    return type_prefix, relationship, parent_field


def _parent_of(mapping: ColumnMapping, describe: SObjectDescribe) -> str:
    type_prefix, relationship, _ = _split(mapping.header)
    ref = next(
        f for f in describe.fields
        if f.relationship_name and f.relationship_name.lower() == relationship.lower()
    )  # fmt: skip
    if type_prefix:
        if type_prefix.lower() not in {t.lower() for t in ref.reference_to}:
            raise ConfigError(
                f"column {mapping.source}: {relationship} cannot point at {type_prefix} "
                f"(it references {', '.join(ref.reference_to) or 'nothing'})"
            )
        return type_prefix
    if len(ref.reference_to) != 1:
        raise ConfigError(
            f"column {mapping.source}: {relationship} is polymorphic "
            f"({', '.join(ref.reference_to)}); write it as Type:{relationship}.Field"
        )
    return ref.reference_to[0]


def parent_objects(columns: PushColumns, describe: SObjectDescribe) -> dict[str, str]:
    """Relationship column (source name) → parent sObject name."""
    return {m.source: _parent_of(m, describe) for m in columns.mappings if "." in m.header}


def check_parents(
    columns: PushColumns,
    describe: SObjectDescribe,
    parents: Mapping[str, SObjectDescribe],
) -> None:
    """Every relationship column names an external-ID / idLookup field of its parent."""
    problems = []
    for mapping in columns.mappings:
        if "." not in mapping.header:
            continue
        parent = parents[_parent_of(mapping, describe).lower()]
        field_name = _split(mapping.header)[2]
        found = parent.field(field_name)
        if found is None:
            problems.append(f"column {mapping.source}: {parent.name} has no field {field_name}")
        elif not (found.external_id or found.id_lookup):
            problems.append(
                f"column {mapping.source}: {parent.name}.{found.name} is not an external ID or "
                "idLookup field, so it cannot identify the parent record"
            )
    if problems:
        raise ConfigError(f"cannot push to {describe.name}: " + "; ".join(problems))
