"""Push request values: which object, which operation, which source, and the run options.

``PushOptions.from_mapping`` is the one place user-supplied option dictionaries (the
procedure's VARIANT argument, the Python API's ``**options``) are validated; unknown keys and
bad values raise :class:`~lht.errors.ConfigError` before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from lht.config import option_values
from lht.errors import ConfigError

__all__ = [
    "COLLECTIONS_MAX",
    "MAX_JOB_BYTES",
    "OPERATIONS",
    "PushOptions",
    "PushRequest",
    "normalize_operation",
]

#: Bulk API 2.0 operations, canonical spelling (as the ingest API expects them).
OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
#: Raw CSV upload limit per ingest job (150 MB after base64 ≈ 100 MB raw; spec §4.2, §5.3).
MAX_JOB_BYTES = 100 * 1024 * 1024
#: sObject Collections take at most 200 records per request (spec §2.9, §5.4).
COLLECTIONS_MAX = 200
_INT_OPTIONS = frozenset(
    {"max_failed_rows", "max_job_bytes", "max_job_records", "collections_threshold"}
)
_BOOL_OPTIONS = frozenset({"clear_nulls", "only_changed"})
_STR_OPTIONS = frozenset({"external_id_field", "order_by", "key_column"})


def normalize_operation(operation: str) -> str:
    """Return the canonical operation name (case-insensitive match), else ConfigError."""
    if isinstance(operation, str):
        for known in OPERATIONS:
            if operation.strip().lower() == known.lower():
                return known
    raise ConfigError(
        f"unknown push operation {operation!r}; expected one of {', '.join(OPERATIONS)}"
    )


@dataclass(frozen=True)
class PushOptions:
    """Options of one push run. Defaults are safe; see README "Reverse ETL (PUSH_SOBJECT)".

    * ``external_id_field``: upsert match field (an external-ID field, or ``Id``).
    * ``clear_nulls``: send NULL as ``#N/A`` (clears the field) instead of an empty cell (keeps it).
    * ``only_changed``: diff mode; send only rows whose content hash changed since the last
      accepted push of the same source → object (state in ``LHT.PUSH_HASHES``).
    * ``order_by``: source column to sort by (e.g. a parent ``AccountId``) so rows sharing a
      parent land in the same internal batch, which reduces ``UNABLE_TO_LOCK_ROW``.
    * ``key_column``: insert only, a pushed column identifying source rows in results and in
      diff mode (update/delete use ``Id``, upsert uses the external-ID field).
    * ``max_failed_rows``: tolerance; the run is ``success`` while failed + unprocessed rows
      stay at or below it (default 0: any failed row makes the run unsuccessful).
    * ``max_job_bytes`` / ``max_job_records``: split the upload into several ingest jobs.
    * ``collections_threshold``: pushes of at most this many rows use sObject Collections
      (one REST call per 200 rows) instead of a Bulk job; 0 disables (max 200).
    * ``poll_timeout_seconds``: overall wait for one ingest job.
    """

    external_id_field: str | None = None
    clear_nulls: bool = False
    only_changed: bool = False
    order_by: str | None = None
    key_column: str | None = None
    max_failed_rows: int = 0
    max_job_bytes: int = MAX_JOB_BYTES
    max_job_records: int = 10_000_000
    collections_threshold: int = COLLECTIONS_MAX
    poll_timeout_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_failed_rows < 0:
            raise ConfigError("option max_failed_rows must be >= 0")
        if not 1024 <= self.max_job_bytes <= MAX_JOB_BYTES:
            raise ConfigError(f"option max_job_bytes must be between 1024 and {MAX_JOB_BYTES}")
        if self.max_job_records < 1:
            raise ConfigError("option max_job_records must be >= 1")
        if not 0 <= self.collections_threshold <= COLLECTIONS_MAX:
            raise ConfigError(
                f"option collections_threshold must be between 0 and {COLLECTIONS_MAX}"
            )
        if self.poll_timeout_seconds <= 0:
            raise ConfigError("option poll_timeout_seconds must be > 0")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> PushOptions:
        """Validate a user-supplied option mapping (keys case-insensitive; None = default)."""
        values = option_values(raw, (f.name for f in fields(cls)), "push", _coerce)
        return cls(**values)


def _coerce(name: str, value: Any) -> Any:
    if name in _BOOL_OPTIONS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ConfigError(f"option {name} must be true or false")
    if name in _INT_OPTIONS:
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise ConfigError(f"option {name} must be an integer")
        return int(value)
    if name in _STR_OPTIONS:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"option {name} must be a non-empty name")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"option {name} must be a number")
    return float(value)


@dataclass(frozen=True)
class PushRequest:
    """Push rows of ``source`` (table/view name or SELECT) to ``sobject`` with ``operation``."""

    sobject: str
    operation: str
    source: str
    options: PushOptions = PushOptions()

    def __post_init__(self) -> None:
        object.__setattr__(self, "operation", normalize_operation(self.operation))
        if not isinstance(self.sobject, str) or not self.sobject.strip():
            raise ConfigError("sobject must be a non-empty Salesforce object name")
        if not isinstance(self.source, str) or not self.source.strip():
            raise ConfigError("source must be a table/view name or a SELECT statement")
        if self.operation == "upsert" and not self.options.external_id_field:
            raise ConfigError("upsert needs option external_id_field (an external-ID field or Id)")
        if self.options.key_column and self.operation != "insert":
            raise ConfigError(
                "option key_column applies to insert only (others key on Id / external id)"
            )
