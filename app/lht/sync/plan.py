"""The pure sync planner: (request, stored state, describe, target columns, now) → plan.

No I/O and no clock reads happen here; the executor gathers the inputs and walks the plan.
The plan fixes everything a run needs before the first byte is extracted: the field list,
full vs incremental, the watermark window (its upper bound is fixed now and becomes the new
watermark on success — never "the latest row seen"), the SOQL for extraction and for the
COUNT() estimate, and the schema-drift actions for an existing target table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from lht.errors import ConfigError
from lht.salesforce.describe import Field, SObjectDescribe
from lht.salesforce.soql import build_select, format_datetime, validate_condition
from lht.sync.options import SyncRequest
from lht.warehouse.types import number_widening

__all__ = [
    "Drift",
    "PriorState",
    "SyncPlan",
    "TypeChange",
    "column_name",
    "plan_sync",
]

SyncMode = Literal["full", "incremental"]
#: Fields every plan selects when the object has them (keys, watermark, soft-delete flag).
_REQUIRED = ("Id", "IsDeleted")


@dataclass(frozen=True)
class PriorState:
    """What SYNC_STATE remembers about the target (None fields = never synced)."""

    watermark_field: str | None = None
    watermark: datetime | None = None


@dataclass(frozen=True)
class TypeChange:
    column: str
    existing: str
    expected: str


@dataclass(frozen=True)
class Drift:
    """Differences between Salesforce's fields and the existing target table."""

    add_columns: tuple[Field, ...] = ()
    removed_columns: tuple[str, ...] = ()
    type_changes: tuple[TypeChange, ...] = ()
    #: NUMBER columns declared narrower than the type map's precision 38 (same scale), widened
    #: in place before the load so every value Salesforce returns fits (#11).
    widen_columns: tuple[TypeChange, ...] = ()


@dataclass(frozen=True)
class SyncPlan:
    """Everything one run does, decided before any extraction."""

    request: SyncRequest
    fields: tuple[Field, ...]
    mode: SyncMode
    reason: str
    watermark_field: str | None
    window_from: datetime | None
    window_to: datetime | None
    new_watermark: datetime | None
    soql: str
    count_where: str | None
    table_exists: bool
    drift: Drift
    match_column: str
    excluded_fields: tuple[str, ...]
    formula_fields: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column_name(f.name) for f in self.fields)

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"

    @property
    def load_columns(self) -> tuple[str, ...]:
        """Columns written by this run: incremental runs leave type-changed columns alone."""
        if self.mode == "full":
            return self.columns
        frozen = {c.column for c in self.drift.type_changes}
        return tuple(c for c in self.columns if c not in frozen)


def column_name(field_name: str) -> str:
    """Target column for a Salesforce field: the API name upper-cased (quoted in SQL)."""
    return field_name.upper()


def plan_sync(
    request: SyncRequest,
    describe: SObjectDescribe,
    prior: PriorState,
    existing_columns: Mapping[str, str] | None,
    *,
    now: datetime,
    type_of: Callable[[Field], str],
) -> SyncPlan:
    """Plan one run. ``existing_columns`` maps target column → declared type (None = no
    table); ``now`` is the run's clock reading (UTC); ``type_of`` maps a field to its
    Snowflake column type (the warehouse type map)."""
    opts = request.options
    if not describe.queryable:
        raise ConfigError(f"sObject {describe.name} is not queryable")
    where = validate_condition(opts.where_clause) if opts.where_clause else None
    fields, excluded = select_fields(describe, opts.include_fields, opts.exclude_fields)
    match_column = _match_column(describe, opts.match_field, fields)
    wm_field = describe.watermark_field
    mode, reason = _decide_mode(request, prior, wm_field, existing_columns is not None)
    window_from, upper = _window(mode, prior, _truncate_ms(now), opts.lookback_seconds)
    condition = _condition(where, wm_field, window_from, upper if mode == "incremental" else None)
    drift = _drift(fields, existing_columns, type_of) if existing_columns is not None else Drift()
    return SyncPlan(
        request=request,
        fields=fields,
        mode=mode,
        reason=reason,
        watermark_field=wm_field,
        window_from=window_from,
        window_to=upper if mode == "incremental" else None,
        new_watermark=upper if wm_field else None,
        soql=build_select(describe.name, [f.name for f in fields], condition),
        count_where=condition,
        table_exists=existing_columns is not None,
        drift=drift,
        match_column=match_column,
        excluded_fields=excluded,
        formula_fields=tuple(f.name for f in fields if f.calculated),
        warnings=_warnings(fields, drift, mode, where),
    )


def select_fields(
    describe: SObjectDescribe, include: tuple[str, ...], exclude: tuple[str, ...]
) -> tuple[tuple[Field, ...], tuple[str, ...]]:
    """Fields to extract in describe order, plus the names left out by design (compound
    parents, base64). Unknown include/exclude names raise ConfigError."""
    for name in (*include, *exclude):
        if describe.field(name) is None:
            raise ConfigError(f"unknown field {name!r} on sObject {describe.name}")
    usable = describe.bulk_queryable_fields
    excluded_by_design = tuple(f.name for f in describe.fields if f not in usable)
    must = {n.lower() for n in (*_REQUIRED, describe.watermark_field or "") if n}
    for name in exclude:
        if name.lower() in must:
            raise ConfigError(f"field {name} of {describe.name} is required and cannot be excluded")
    for name in include:
        if name.lower() in {n.lower() for n in excluded_by_design}:
            raise ConfigError(
                f"field {name} of {describe.name} cannot be synced (compound or base64 field)"
            )
    wanted = {n.lower() for n in include} | must if include else None
    dropped = {n.lower() for n in exclude}
    chosen = tuple(
        f
        for f in usable
        if (wanted is None or f.name.lower() in wanted) and f.name.lower() not in dropped
    )
    if describe.field("Id") is None:
        raise ConfigError(f"sObject {describe.name} has no Id field and cannot be synced")
    return chosen, excluded_by_design


def _match_column(describe: SObjectDescribe, match_field: str, fields: tuple[Field, ...]) -> str:
    field = describe.field(match_field)
    if field is None:
        raise ConfigError(f"match_field {match_field!r} is not a field of {describe.name}")
    if field.name != "Id" and not (field.external_id or field.unique or field.id_lookup):
        raise ConfigError(
            f"match_field {field.name} of {describe.name} is not unique (use Id or an "
            "external-id / unique field)"
        )
    if field not in fields:
        raise ConfigError(f"match_field {field.name} is excluded from the synced fields")
    return column_name(field.name)


def _decide_mode(
    request: SyncRequest, prior: PriorState, wm_field: str | None, table_exists: bool
) -> tuple[SyncMode, str]:
    if request.options.force_full_sync:
        return "full", "force_full_sync requested"
    if not table_exists:
        return "full", "target table does not exist"
    if wm_field is None:
        return "full", f"{request.sobject} has no watermark field (always full)"
    if prior.watermark is None:
        return "full", "no stored watermark for this target"
    if (prior.watermark_field or "").lower() != wm_field.lower():
        return "full", f"watermark field changed from {prior.watermark_field} to {wm_field}"
    return "incremental", f"changes since {format_datetime(prior.watermark)} (minus lookback)"


def _window(
    mode: SyncMode, prior: PriorState, now: datetime, lookback: int
) -> tuple[datetime | None, datetime]:
    """(lower, upper) of the run; the watermark never moves backwards, even if clocks do."""
    if mode != "incremental" or prior.watermark is None:
        return None, now
    return prior.watermark - timedelta(seconds=lookback), max(now, prior.watermark)


def _condition(
    where: str | None, wm_field: str | None, lower: datetime | None, upper: datetime | None
) -> str | None:
    parts = [f"({where})"] if where else []
    if wm_field and lower is not None:
        parts.append(f"{wm_field} >= {format_datetime(lower)}")
    if wm_field and upper is not None:
        parts.append(f"{wm_field} < {format_datetime(upper, ceil=True)}")
    return " AND ".join(parts) if parts else None


def _drift(
    fields: tuple[Field, ...], existing: Mapping[str, str], type_of: Callable[[Field], str]
) -> Drift:
    have = {k.upper(): v for k, v in existing.items()}
    wanted = {column_name(f.name) for f in fields}
    add = tuple(f for f in fields if column_name(f.name) not in have)
    removed = tuple(sorted(c for c in have if c not in wanted))
    kept = [TypeChange(column_name(f.name), have[column_name(f.name)], type_of(f))
            for f in fields if column_name(f.name) in have]  # fmt: skip
    changes = tuple(c for c in kept if type_family(c.existing) != type_family(c.expected))
    widen = tuple(c for c in kept if c not in changes and number_widening(c.existing, c.expected))
    return Drift(add_columns=add, removed_columns=removed, type_changes=changes,
                 widen_columns=widen)  # fmt: skip


def type_family(sql_type: str) -> str:
    """Compare column types loosely: lengths and precisions may differ, families may not
    (NUMBER keeps its scale: an int that became a double is a real change)."""
    text = sql_type.strip().upper().replace(" ", "")
    base = text.split("(", 1)[0]
    aliases = {
        "TEXT": "VARCHAR",
        "STRING": "VARCHAR",
        "CHAR": "VARCHAR",
        "DECIMAL": "NUMBER",
        "NUMERIC": "NUMBER",
        "INT": "NUMBER",
        "INTEGER": "NUMBER",
        "BIGINT": "NUMBER",
        "DOUBLE": "FLOAT",
        "REAL": "FLOAT",
        "FLOAT8": "FLOAT",
        "DATETIME": "TIMESTAMP_NTZ",
        "TIMESTAMP": "TIMESTAMP_NTZ",
    }
    base = aliases.get(base, base)
    if base == "NUMBER":
        scale = text.split(",", 1)[1].rstrip(")") if "," in text else "0"
        return f"NUMBER,{int(scale) if scale.isdigit() else 0}"
    return base


def _warnings(
    fields: tuple[Field, ...], drift: Drift, mode: SyncMode, where: str | None
) -> tuple[str, ...]:
    out: list[str] = []
    formulas = [f.name for f in fields if f.calculated]
    if formulas and mode == "incremental":
        out.append(
            "formula fields do not change SystemModstamp; incremental runs may hold stale "
            f"values until the next full sync: {', '.join(formulas)}"
        )
    if drift.add_columns:
        names = ", ".join(column_name(f.name) for f in drift.add_columns)
        out.append(
            f"new columns added: {names} (older rows stay NULL until they change or a full sync)"
        )
    if drift.removed_columns:
        out.append(f"columns no longer in Salesforce kept: {', '.join(drift.removed_columns)}")
    for widened in drift.widen_columns:
        out.append(f"column {widened.column} widened from {widened.existing} to "
                   f"{widened.expected} (values unchanged)")  # fmt: skip
    for change in drift.type_changes:
        action = (
            "the rebuilt table uses the new type"
            if mode == "full"
            else "the column is not written by incremental runs; force_full_sync rebuilds it"
        )
        out.append(
            f"type of {change.column} changed in Salesforce: table has {change.existing}, "
            f"describe maps to {change.expected}; values are not coerced ({action})"
        )
    if where and mode == "full":
        out.append(
            "where_clause set: rows outside the filter are treated as absent by the full sync"
        )
    return tuple(out)


def _truncate_ms(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ConfigError("plan time must be timezone-aware (UTC)")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.replace(microsecond=(utc.microsecond // 1000) * 1000)
