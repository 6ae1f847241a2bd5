"""Check source columns against an sObject describe before any Salesforce job exists.

Pure: (operation, options, describe, source columns) → :class:`PushColumns` or a
:class:`~lht.errors.ConfigError` that names every offending column. Source columns map to
fields case-insensitively (Snowflake upper-cases unquoted names); relationship columns use
Salesforce's header syntax ``Rel.Field`` or ``Type:Rel.Field`` (quoted in Snowflake).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lht.errors import ConfigError
from lht.push.options import PushOptions
from lht.salesforce.describe import Field, SObjectDescribe

__all__ = ["KINDS", "ColumnMapping", "PushColumns", "SourceColumn", "map_columns"]

#: Source column kinds (the warehouse layer maps Snowflake types onto these).
KINDS = frozenset(
    {
        "string",
        "integer",
        "number",
        "float",
        "boolean",
        "date",
        "datetime",
        "time",
        "variant",
        "binary",
        "other",
    }
)
_SCALARS = frozenset(
    {"string", "integer", "number", "float", "boolean", "date", "datetime", "time"}
)
_TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "email",
        "phone",
        "url",
        "combobox",
        "encryptedstring",
        "anytype",
    }
)
_ACCEPTS: dict[str, frozenset[str]] = {
    "id": frozenset({"string"}),
    "reference": frozenset({"string"}),
    "int": frozenset({"integer"}),
    "long": frozenset({"integer"}),
    "double": frozenset({"integer", "number", "float"}),
    "currency": frozenset({"integer", "number", "float"}),
    "percent": frozenset({"integer", "number", "float"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"datetime", "date"}),
    "time": frozenset({"time"}),
}
_RELATIONSHIP_KINDS = frozenset({"string", "integer", "number"})


@dataclass(frozen=True)
class SourceColumn:
    """A column of the source as Snowflake reports it: name and value kind."""

    name: str
    kind: str


@dataclass(frozen=True)
class ColumnMapping:
    """Source column → CSV header (field API name or relationship path) and field type."""

    source: str
    header: str
    sf_type: str
    kind: str


@dataclass(frozen=True)
class PushColumns:
    """Validated column plan. ``match_index`` is the column keying result rows (or None)."""

    mappings: tuple[ColumnMapping, ...]
    match_index: int | None
    order_by: str | None

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(m.header for m in self.mappings)

    @property
    def match_field(self) -> str | None:
        return None if self.match_index is None else self.mappings[self.match_index].header


def map_columns(
    operation: str,
    options: PushOptions,
    describe: SObjectDescribe,
    columns: Sequence[SourceColumn],
) -> PushColumns:
    """Validate ``columns`` for ``operation`` on ``describe``; raise ConfigError on problems."""
    _check_object(operation, describe)
    if not columns:
        raise ConfigError(f"source for {describe.name} has no columns")
    problems: list[str] = []
    mappings = [_map_one(operation, describe, col, problems) for col in columns]
    _check_duplicates(mappings, problems)
    match_field = _match_field(operation, options, describe, problems)
    if problems:
        raise ConfigError(f"cannot {operation} {describe.name}: " + "; ".join(problems))
    found = [m for m in mappings if m is not None]
    headers = [m.header.lower() for m in found]
    match_index = _match_index(operation, match_field, headers, describe.name)
    order_by = _order_column(options.order_by, columns)
    return PushColumns(mappings=tuple(found), match_index=match_index, order_by=order_by)


def _check_object(operation: str, describe: SObjectDescribe) -> None:
    needed = {
        "insert": ("createable",),
        "update": ("updateable",),
        "upsert": ("createable", "updateable"),
        "delete": ("deletable",),
        "hardDelete": ("deletable",),
    }[operation]
    missing = [flag for flag in needed if not getattr(describe, flag)]
    if missing:
        raise ConfigError(f"{describe.name} is not {' and '.join(missing)}; cannot {operation}")


def _map_one(
    operation: str, describe: SObjectDescribe, col: SourceColumn, problems: list[str]
) -> ColumnMapping | None:
    if "." in col.name:
        return _map_relationship(operation, describe, col, problems)
    field = describe.field(col.name)
    if field is None:
        problems.append(f"unknown column {col.name} (no such field on {describe.name})")
        return None
    if operation in ("delete", "hardDelete") and field.name != "Id":
        problems.append(f"{operation} takes only an Id column; remove {col.name}")
        return None
    if not _writable(operation, field):
        verb = {"insert": "createable", "update": "updateable"}.get(operation, "writable")
        problems.append(f"column {col.name}: field {field.name} is not {verb}")
        return None
    if not _compatible(field.type, col.kind):
        problems.append(
            f"column {col.name}: {col.kind} values cannot be pushed to {field.type} field "
            f"{field.name}"
        )
        return None
    return ColumnMapping(source=col.name, header=field.name, sf_type=field.type, kind=col.kind)


def _writable(operation: str, field: Field) -> bool:
    if field.name == "Id":
        return operation != "insert"
    if operation in ("delete", "hardDelete"):
        return False
    if field.is_compound or field.type == "base64":
        return False
    if operation == "insert":
        return field.createable
    if operation == "update":
        return field.updateable
    return field.createable or field.updateable


def _compatible(sf_type: str, kind: str) -> bool:
    accepted = _ACCEPTS.get(sf_type.lower())
    if accepted is None:
        return sf_type.lower() in _TEXT_TYPES and kind in _SCALARS
    return kind in accepted


def _map_relationship(
    operation: str, describe: SObjectDescribe, col: SourceColumn, problems: list[str]
) -> ColumnMapping | None:
    path = col.name
    type_prefix, _, rest = path.rpartition(":")
    relationship, _, parent_field = rest.partition(".")
    if not relationship or not parent_field or "." in parent_field:
        problems.append(f"column {path}: relationship columns look like Rel.ExternalIdField")
        return None
    ref = next(
        (
            f
            for f in describe.fields
            if f.relationship_name and f.relationship_name.lower() == relationship.lower()
        ),
        None,
    )
    if ref is None or not _writable(operation, ref):
        problems.append(
            f"column {path}: {describe.name} has no writable relationship {relationship}"
        )
        return None
    if col.kind not in _RELATIONSHIP_KINDS:
        problems.append(f"column {path}: {col.kind} values cannot identify a parent record")
        return None
    prefix = f"{type_prefix}:" if type_prefix else ""
    header = f"{prefix}{ref.relationship_name}.{parent_field}"
    return ColumnMapping(source=path, header=header, sf_type="reference", kind=col.kind)


def _check_duplicates(mappings: Sequence[ColumnMapping | None], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for m in mappings:
        if m is None:
            continue
        key = m.header.lower()
        if key in seen:
            problems.append(f"columns {seen[key]} and {m.source} both set {m.header}")
        seen[key] = m.source


def _match_field(
    operation: str, options: PushOptions, describe: SObjectDescribe, problems: list[str]
) -> str | None:
    if operation in ("update", "delete", "hardDelete"):
        return "Id"
    if operation == "insert":
        return options.key_column
    name = options.external_id_field or ""
    field = describe.field(name)
    if field is None:
        problems.append(f"external_id_field {name} is not a field of {describe.name}")
        return None
    if field.name != "Id" and not field.external_id:
        problems.append(f"external_id_field {field.name} is not an external ID field")
        return None
    return field.name


def _match_index(
    operation: str, match_field: str | None, headers: list[str], sobject: str
) -> int | None:
    if match_field is None:
        return None
    try:
        return headers.index(match_field.lower())
    except ValueError:
        what = "key_column" if operation == "insert" else "column"
        raise ConfigError(
            f"{operation} of {sobject} needs {what} {match_field} in the source"
        ) from None


def _order_column(order_by: str | None, columns: Sequence[SourceColumn]) -> str | None:
    if order_by is None:
        return None
    for col in columns:
        if col.name.lower() == order_by.lower():
            return col.name
    raise ConfigError(f"order_by column {order_by} is not a column of the source")
