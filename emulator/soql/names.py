"""SOQL names: keywords, resolution of field paths and child relationships, and Salesforce's
exact INVALID_FIELD / INVALID_TYPE message texts."""

from __future__ import annotations

from emulator.core.schema import FieldDef, ObjectDef, Schema, child_relationships

DATE_LITERALS = {
    "YESTERDAY",
    "TODAY",
    "TOMORROW",
    "LAST_WEEK",
    "THIS_WEEK",
    "NEXT_WEEK",
    "LAST_MONTH",
    "THIS_MONTH",
    "NEXT_MONTH",
    "LAST_90_DAYS",
    "NEXT_90_DAYS",
    "THIS_YEAR",
    "LAST_YEAR",
    "NEXT_YEAR",
}
DATE_N_LITERALS = {
    "LAST_N_DAYS",
    "NEXT_N_DAYS",
    "N_DAYS_AGO",
    "LAST_N_WEEKS",
    "NEXT_N_WEEKS",
    "LAST_N_MONTHS",
    "NEXT_N_MONTHS",
    "LAST_N_YEARS",
    "NEXT_N_YEARS",
}
CLAUSE_WORDS = (
    "WHERE",
    "WITH",
    "GROUP",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "FOR",
    "ALL",
    "USING",
)


def no_such_column(name: str, sobject: str) -> str:
    return (
        f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a custom "
        f"field, be sure to "
        "append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the "
        "appropriate names."
    )


def bad_relationship(name: str) -> str:
    return (
        f"Didn't understand relationship '{name}' in field path. If you are attempting to use a "
        f"custom "
        "relationship, be sure to append the '__r' after the custom relationship name. Please "
        "reference your "
        "WSDL or the describe call for the appropriate names."
    )


def unsupported_type_message(name: str) -> str:
    return (
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        f"be sure to append "
        "the '__c' after the entity name. Please reference your WSDL or the describe call for "
        "the appropriate names."
    )


def resolve_path(schema: Schema, obj: ObjectDef, path: str) -> tuple[str, FieldDef] | str:
    """Canonical path and leaf field, or an error message (INVALID_FIELD) naming the bad part."""
    parts = path.split(".")
    if (
        len(parts) > 1
        and parts[0].lower() == obj.name.lower()
        and obj.relationship(parts[0]) is None
    ):
        parts = parts[1:]
    canonical: list[str] = []
    current = obj
    for part in parts[:-1]:
        ref = current.relationship(part)
        target = schema.get(ref.reference_to[0]) if ref and ref.reference_to else None
        if ref is None or target is None or ref.relationship_name is None:
            return bad_relationship(part) if len(parts) > 1 else no_such_column(part, current.name)
        canonical.append(ref.relationship_name)
        current = target
    leaf = current.field(parts[-1])
    if leaf is None:
        return no_such_column(parts[-1] if len(parts) == 1 else path, obj.name)
    canonical.append(leaf.name)
    return ".".join(canonical), leaf


def bad_child_relationship(name: str) -> str:
    return (
        f"Didn't understand relationship '{name}' in FROM part of query call. If you are "
        "attempting to use a custom relationship, be sure to append the '__r' after the custom "
        "relationship name. Please reference your WSDL or the describe call for the appropriate "
        "names."
    )


def resolve_child(
    schema: Schema, parent: ObjectDef, name: str
) -> tuple[str, ObjectDef, FieldDef] | None:
    """(relationshipName, child object, child's reference field) for `Contacts` or
    `Account.Contacts` in a parent-to-child sub-query, else None."""
    head, _, rest = name.partition(".")
    if rest and head.lower() == parent.name.lower():
        name = rest
    for rel, child, fdef in child_relationships(schema, parent):
        if rel is not None and rel.lower() == name.lower():
            return rel, child, fdef
    return None
