"""Bulk ingest rows: map an upload's header to fields and turn CSV cells into typed values.

Spec §4.6: column names are field API names (matched case-insensitively [UNCONFIRMED]) or parent
relationship columns ``Account.Ext__c`` / ``Lead:Who.Email`` (polymorphic). An empty cell leaves
the field unchanged (unset on insert), ``#N/A`` sets it to null, booleans are true/false/1/0,
dates ``yyyy-MM-dd``, datetimes ISO-8601 with ``Z`` or an offset. A cell that does not parse fails
its row with the ``INVALID_FIELD:Failed to deserialize field at col N ...`` text of the fixture.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from emulator.bulk.csvfmt import NULL_MARKER, IngestCsvError
from emulator.core.schema import FieldDef, ObjectDef, Schema

_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$"
)
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


class RowFailure(Exception):
    """One row cannot be written; rendered as ``CODE:message:fields --`` in failedResults."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields

    def sf_error(self) -> str:
        names = ",".join(self.fields)
        return (
            f"{self.code}:{self.message}:{names} --" if names else f"{self.code}:{self.message}:--"
        )


@dataclass(frozen=True)
class Column:
    """One upload column: a field of the job's object, or a parent lookup through ``target``."""

    position: int
    header: str
    field: FieldDef
    target_object: ObjectDef | None = None
    target_field: FieldDef | None = None

    @property
    def is_lookup(self) -> bool:
        return self.target_field is not None


def _field_not_found(name: str) -> IngestCsvError:
    return IngestCsvError(f"InvalidBatch : Field name not found : {name}")


def _lookup_column(schema: Schema, obj: ObjectDef, position: int, header: str) -> Column:
    target_type, _, path = header.rpartition(":")
    relationship, _, field_name = path.partition(".")
    ref = obj.relationship(relationship)
    if ref is None or "." in field_name or not ref.reference_to:
        raise _field_not_found(header)
    allowed = {name.lower(): name for name in ref.reference_to}
    target_name = allowed.get(target_type.lower()) if target_type else ref.reference_to[0]
    target = schema.get(target_name) if target_name else None
    target_field = target.field(field_name) if target else None
    if target is None or target_field is None:
        raise _field_not_found(header)
    if not (target_field.id_lookup or target_field.external_id or target_field.type == "id"):
        raise IngestCsvError(
            f"InvalidBatch : Field {target_field.name} on {target.name} is not an External ID "
            "or indexed unique field"
        )
    return Column(position, header, ref, target, target_field)


def map_columns(
    schema: Schema, obj: ObjectDef, header: tuple[str, ...], operation: str
) -> tuple[Column, ...]:
    """Resolve every header name, or raise the job-level InvalidBatch error."""
    if operation in ("delete", "hardDelete") and [h.lower() for h in header] != ["id"]:
        raise IngestCsvError(
            f"InvalidBatch : The '{operation}' batch must contain only the 'Id' field"
        )
    columns = []
    for position, name in enumerate(header):
        if "." in name:
            columns.append(_lookup_column(schema, obj, position, name))
            continue
        fdef = obj.field(name)
        if fdef is None:
            raise _field_not_found(name)
        columns.append(Column(position, name, fdef))
    return tuple(columns)


def _deserialize_error(column: Column, text: str) -> RowFailure:
    return RowFailure(
        "INVALID_FIELD",
        f"Failed to deserialize field at col {column.position + 1}. Due to, '{text}' is not a "
        f"valid value for the type {column.field.soap_type}",
        (column.field.name,),
    )


def _parse_datetime(text: str) -> dt.datetime | None:
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    day, clock, fraction, zone = match.groups()
    millis = (fraction or ".0")[1:4].ljust(3, "0")
    offset = "+00:00" if zone in (None, "Z") else zone
    if len(offset) == 5:
        offset = offset[:3] + ":" + offset[3:]
    try:
        moment = dt.datetime.fromisoformat(f"{day}T{clock}.{millis}{offset}")
    except ValueError:
        return None
    return moment.astimezone(dt.UTC)


def _parse_time(text: str) -> dt.time | None:
    match = _TIME_RE.match(text)
    if not match:
        return None
    hour, minute, second, millis = match.groups()
    try:
        return dt.time(
            int(hour), int(minute), int(second or 0), int((millis or "0").ljust(3, "0")) * 1000
        )
    except ValueError:
        return None


def _parse_number(text: str, integral: bool) -> float | int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    if integral:
        return int(number) if number.is_integer() else None
    return number


def convert_cell(column: Column, text: str) -> Any:
    """Typed value of one non-empty, non-#N/A cell for the column's field."""
    ftype = column.field.type
    value: Any = text
    if column.is_lookup:
        return text
    if ftype == "boolean":
        value = _BOOLEANS.get(text.lower())
    elif ftype in ("int", "long"):
        value = _parse_number(text, integral=True)
    elif ftype in ("double", "currency", "percent"):
        value = _parse_number(text, integral=False)
    elif ftype == "date":
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            value = None
    elif ftype == "datetime":
        value = _parse_datetime(text)
    elif ftype == "time":
        value = _parse_time(text)
    if value is None:
        raise _deserialize_error(column, text)
    return value


@dataclass(frozen=True)
class RowValues:
    """A row ready for the org: plain field values and parent lookups still to resolve."""

    values: dict[str, Any]
    lookups: tuple[tuple[Column, str], ...]


def row_values(columns: tuple[Column, ...], cells: tuple[str, ...]) -> RowValues:
    """Convert one CSV row; empty cells are skipped (unchanged), ``#N/A`` becomes None."""
    if len(cells) != len(columns):
        raise RowFailure(
            "INVALID_FIELD",
            f"Row has {len(cells)} columns but the header has {len(columns)}",
        )
    values: dict[str, Any] = {}
    lookups: list[tuple[Column, str]] = []
    for column, text in zip(columns, cells, strict=True):
        if text == "":
            continue
        if text == NULL_MARKER:
            values[column.field.name] = None
        elif column.is_lookup:
            lookups.append((column, text))
        else:
            values[column.field.name] = convert_cell(column, text)
    return RowValues(values, tuple(lookups))
