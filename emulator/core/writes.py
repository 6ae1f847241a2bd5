"""Validation and coercion of written values (REST JSON or Bulk CSV strings) and record-error
rules."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from emulator.core.ids import is_well_formed, to_18
from emulator.core.schema import STRING_TYPES, FieldDef, ObjectDef

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
OPERATIONS = ("insert", "update", "upsert", "delete")


class RecordError(Exception):
    """A per-record failure, rendered by REST as an error array and by Bulk as an sf__Error cell."""

    def __init__(self, status_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{status_code}:{message}")
        self.status_code = status_code
        self.message = message
        self.fields = fields

    def to_json(self) -> dict[str, Any]:
        return {
            "statusCode": self.status_code,
            "message": self.message,
            "fields": list(self.fields or []),
        }


@dataclass(frozen=True)
class RecordRule:
    """Configured failure: records whose `field` value matches `pattern` fail with `status_code`."""

    status_code: str
    message: str = ""
    field: str | None = None
    pattern: str = ".*"
    sobject: str | None = None
    operations: tuple[str, ...] = ()
    id: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordRule:
        allowed = set(cls.__dataclass_fields__) - {"id"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown rule keys: {sorted(unknown)}")
        values = dict(data)
        ops = tuple(values.pop("operations", ()) or ())
        bad = [op for op in ops if op not in OPERATIONS]
        if bad:
            raise ValueError(f"unknown operations {bad}; expected {list(OPERATIONS)}")
        re.compile(values.get("pattern", ".*"))
        return cls(operations=ops, **values)

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["operations"] = list(self.operations)
        return data

    def check(
        self, sobject: str, operation: str, values: dict[str, Any], record_id: str | None
    ) -> None:
        if self.sobject and self.sobject.lower() != sobject.lower():
            return
        if self.operations and operation not in self.operations:
            return
        if self.field is None:
            subject: Any = record_id or ""
        else:
            subject = next((v for k, v in values.items() if k.lower() == self.field.lower()), None)
            if subject is None:
                return
        if re.search(self.pattern, str(subject)):
            message = self.message or _default_rule_message(self.status_code, record_id)
            raise RecordError(self.status_code, message, [self.field] if self.field else [])


def _default_rule_message(code: str, record_id: str | None) -> str:
    if code == "UNABLE_TO_LOCK_ROW":
        return f"unable to obtain exclusive access to this record or 1 records: {record_id or ''}"
    if code == "REQUIRED_FIELD_MISSING":
        return "Required fields are missing"
    return f"{code} (emulator rule)"


def _wrong_type(fdef: FieldDef, value: Any) -> RecordError:
    return RecordError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{fdef.label}: value not of required type: {value}",
        [fdef.name],
    )


def parse_datetime(text: str) -> datetime:
    raw = text.strip().replace(" ", "T")
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    if len(raw) >= 5 and raw[-5] in "+-" and raw[-3] != ":" and "T" in raw:
        raw = raw[:-2] + ":" + raw[-2:]
    moment = datetime.fromisoformat(raw)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _coerce_text(fdef: FieldDef, value: Any) -> str:
    text = (
        value
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
    if fdef.length and len(text) > fdef.length:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{fdef.label}: data value too large: {text[:40]} (max length={fdef.length})",
            [fdef.name],
        )
    if fdef.type == "picklist" and fdef.restricted_picklist and text not in fdef.picklist_values:
        raise RecordError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{fdef.label}: bad value for restricted picklist field: {text}",
            [fdef.name],
        )
    if fdef.type == "email" and not _EMAIL_RE.match(text):
        raise RecordError(
            "INVALID_EMAIL_ADDRESS", f"{fdef.label}: invalid email address: {text}", [fdef.name]
        )
    return text


def _coerce_number(fdef: FieldDef, value: Any, round_to_scale: bool = True) -> int | float:
    """int fields keep integers; double/currency/percent are stored as doubles (so
    999999999999999999 becomes 1.0E18), rounded half-up to the field's scale when
    `round_to_scale` (12.5 into a scale-0 field is 13.0; the decimal text is rounded, not its
    binary double, so 2.675 at scale 2 is 2.68)."""
    if isinstance(value, bool):
        raise _wrong_type(fdef, value)
    try:
        number = float(value) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise _wrong_type(fdef, value) from None
    if fdef.type == "int":
        if isinstance(number, float) and not number.is_integer():
            raise _wrong_type(fdef, value)
        return int(number)
    if not round_to_scale or not math.isfinite(number):
        return float(number)
    text = value.strip() if isinstance(value, str) else repr(value)
    wide = Context(prec=400)  # a double's full decimal expansion fits
    quantum = Decimal(1).scaleb(-fdef.scale)
    return float(Decimal(text).quantize(quantum, rounding=ROUND_HALF_UP, context=wide))


def _coerce_temporal(fdef: FieldDef, value: Any) -> Any:
    try:
        if fdef.type == "date":
            if isinstance(value, datetime):
                return value.date()
            return value if isinstance(value, date) else date.fromisoformat(str(value).strip()[:10])
        if fdef.type == "datetime":
            return (
                value.astimezone(UTC) if isinstance(value, datetime) else parse_datetime(str(value))
            )
        return (
            value if isinstance(value, time) else time.fromisoformat(str(value).strip().rstrip("Z"))
        )
    except ValueError:
        raise _wrong_type(fdef, value) from None


def coerce_value(  # noqa: PLR0911 (one return per type)
    fdef: FieldDef, value: Any, exists: Callable[[str, str], bool], round_to_scale: bool = True
) -> Any:
    """Typed value for `fdef` from JSON or CSV input; None stays None (null)."""
    if value is None:
        return False if fdef.type == "boolean" else None
    if fdef.type in STRING_TYPES:
        return None if value == "" else _coerce_text(fdef, value)  # Salesforce stores "" as null
    if fdef.type == "boolean":
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise _wrong_type(fdef, value)
    if fdef.type in ("int", "double", "currency", "percent", "long"):
        return None if value == "" else _coerce_number(fdef, value, round_to_scale)
    if fdef.type in ("date", "datetime", "time"):
        return None if value == "" else _coerce_temporal(fdef, value)
    if fdef.type in ("reference", "id"):
        return _coerce_reference(fdef, str(value).strip(), exists)
    if fdef.type == "base64":
        try:
            return (
                value if isinstance(value, bytes) else base64.b64decode(str(value), validate=True)
            )
        except (binascii.Error, ValueError):
            raise _wrong_type(fdef, value) from None
    return value


def _coerce_reference(fdef: FieldDef, text: str, exists: Callable[[str, str], bool]) -> str | None:
    if text == "":
        return None
    if not is_well_formed(text):
        raise RecordError(
            "MALFORMED_ID", f"{fdef.label}: id value of incorrect type: {text}", [fdef.name]
        )
    full = to_18(text)
    if fdef.reference_to and not any(exists(target, full) for target in fdef.reference_to):
        raise RecordError(
            "INVALID_CROSS_REFERENCE_KEY",
            f"{fdef.label}: id value of incorrect type: {text}",
            [fdef.name],
        )
    return full


def writable_values(
    obj: ObjectDef,
    values: dict[str, Any],
    creating: bool,
    exists: Callable[[str, str], bool],
    round_to_scale: bool = True,
) -> dict[str, Any]:
    """Validated, typed field values keyed by describe name. Raises RecordError."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name == "attributes":
            continue
        fdef = obj.field(name)
        if fdef is None:
            raise RecordError(
                "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}"
            )
        allowed = fdef.createable if creating else fdef.updateable
        if not allowed and not (fdef.name == "Id" and not creating):
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {fdef.name}. Please check the security "
                f"settings of this field "
                "and verify that it is read/write for your profile or permission set.",
                [fdef.name],
            )
        if fdef.name == "Id":
            continue
        result[fdef.name] = coerce_value(fdef, value, exists, round_to_scale)
    return result


def missing_required(obj: ObjectDef, record: dict[str, Any]) -> None:
    missing = [
        f.name for f in obj.fields if f.required_on_create and record.get(f.name) in (None, "")
    ]
    if missing:
        raise RecordError(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )
