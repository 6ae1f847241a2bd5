"""Semi-join and anti-join sub-selects (`Id IN (SELECT AccountId FROM Contact)`, `NOT IN`):
Salesforce's restrictions and error texts.

SOQL and SOSL Reference, "Comparison Operators" → "Semi-Joins with IN and Anti-Joins with NOT
IN": the left operand is one Id or reference field and can't use relationships; the sub-select
selects one Id or reference field that can't traverse relationships, on another object than the
main query; no more than two semi/anti-joins per WHERE; no OR and no NOT conjunction with them;
they don't nest (nor sit in a parent-to-child sub-query); COUNT, ORDER BY and LIMIT aren't
supported in sub-selects. Texts clients quote from real orgs: "Semi join sub-selects are not
allowed with the 'OR' operator", "semi join sub selects can only query id fields, cannot use:
'<f>'", "The inner and outer selects should not be on the same object type" and the errorCode
EXCEEDED_MAX_SEMIJOIN_SUBSELECTS; the other texts are ours (COVERAGE.md says which).
"""

from __future__ import annotations

from emulator.core.schema import FieldDef, ObjectDef, Schema
from emulator.http import SalesforceHttpError
from emulator.soql.syntax import And, Condition, Not, Or, Query, SemiJoin, query_error

MAX_SEMI_JOINS = 2
OR_TEXT = "Semi join sub-selects are not allowed with the 'OR' operator"
NOT_TEXT = "Semi join sub-selects are not allowed with the 'NOT' operator"
NESTED_TEXT = "Nesting of semi join sub-selects is not supported"
SAME_OBJECT_TEXT = "The inner and outer selects should not be on the same object type"
TOO_MANY_TEXT = f"No more than {MAX_SEMI_JOINS} semi join sub-selects are allowed"
ID_TYPES = ("id", "reference")


def sub_field_text(name: str) -> str:
    return f"semi join sub selects can only query id fields, cannot use: '{name}'"


def left_operand_text(name: str) -> str:
    return f"semi join sub-selects can only be compared with an id or reference field: '{name}'"


def mismatch_text(left: str, right: str) -> str:
    return f"The semi join field '{right}' does not point to the same object type as '{left}'"


def contains(cond: Condition | None) -> bool:
    """True if a semi/anti-join occurs anywhere in the condition."""
    if isinstance(cond, SemiJoin):
        return True
    if isinstance(cond, (And, Or)):
        return any(contains(item) for item in cond.items)
    if isinstance(cond, Not):
        return contains(cond.item)
    return False


def _targets(obj: ObjectDef, fdef: FieldDef) -> set[str]:
    """The object types an Id (the object itself) or reference field points to."""
    return {obj.name} if fdef.type == "id" else set(fdef.reference_to)


def check_left(text: str, pos: int, path: str, fdef: FieldDef) -> None:
    if "." in path or fdef.type not in ID_TYPES:
        raise query_error(text, pos, "MALFORMED_QUERY", left_operand_text(path))


def check_sub(
    text: str, pos: int, *, schema: Schema, outer: ObjectDef, left: FieldDef, sub: Query
) -> None:
    """Raise Salesforce's refusal of a parsed sub-select (`pos`: its SELECT token)."""
    inner = schema.get(sub.sobject)
    assert inner is not None
    if inner.name == outer.name:
        raise query_error(text, pos, "MALFORMED_QUERY", SAME_OBJECT_TEXT)
    fields = [item for item in sub.items if item.kind == "field"]
    if sub.has_aggregate or sub.has_subquery or len(sub.items) != 1 or len(fields) != 1:
        name = sub.items[0].func or sub.items[0].path if sub.items else ""
        raise query_error(text, pos, "MALFORMED_QUERY", sub_field_text(name))
    path = fields[0].path
    fdef = inner.field(path)
    if "." in path or fdef is None or fdef.type not in ID_TYPES:
        raise query_error(text, pos, "MALFORMED_QUERY", sub_field_text(path))
    if not _targets(outer, left) & _targets(inner, fdef):
        raise query_error(text, pos, "MALFORMED_QUERY", mismatch_text(left.name, path))


def too_many(text: str, pos: int) -> SalesforceHttpError:
    return query_error(text, pos, "EXCEEDED_MAX_SEMIJOIN_SUBSELECTS", TOO_MANY_TEXT)
