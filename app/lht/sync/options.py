"""Sync request values: what to sync, where to, and the options that shape the run.

``SyncOptions.from_mapping`` is the one place user-supplied option dictionaries (the
procedure overload's VARIANT argument, the Python façade's ``**options``) are validated;
unknown keys and bad values raise :class:`~lht.errors.ConfigError` before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from lht.config import option_values
from lht.errors import ConfigError

__all__ = ["DeletePolicy", "SyncOptions", "SyncRequest", "Thresholds"]

DeletePolicy = Literal["soft", "hard"]

#: Default overlap re-read below the stored watermark (seconds). Salesforce stamps
#: SystemModstamp when a transaction starts, so a long transaction can commit rows whose stamp
#: is already behind a watermark taken meanwhile; the lookback re-reads that interval.
DEFAULT_LOOKBACK_SECONDS = 300
_METHODS = frozenset({"regular_api", "bulk_api", "bulk_api_stage"})


@dataclass(frozen=True)
class Thresholds:
    """Decision-matrix thresholds (estimated rows): REST below ``bulk_api``, Bulk below
    ``stage``, Bulk with parallel download + one COPY at or above ``stage``."""

    bulk_api: int = 1000
    stage: int = 50000

    def __post_init__(self) -> None:
        if self.bulk_api < 0 or self.stage < 0:
            raise ConfigError("thresholds must be non-negative")
        if self.bulk_api > self.stage:
            raise ConfigError(
                f"BULK_API_THRESHOLD ({self.bulk_api}) must not exceed "
                f"STAGE_THRESHOLD ({self.stage})"
            )


@dataclass(frozen=True)
class SyncOptions:
    """Options of one sync run. All have safe defaults; see README "Sync methods"."""

    force_full_sync: bool = False
    where_clause: str | None = None
    include_fields: tuple[str, ...] = ()
    exclude_fields: tuple[str, ...] = ()
    match_field: str = "Id"
    delete_policy: DeletePolicy = "soft"
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS
    bulk_api_threshold: int = 1000
    stage_threshold: int = 50000
    method: str | None = None
    max_records: int | None = 100000
    rest_chunk_rows: int = 10000
    prefetch_pages: int = 2
    download_streams: int = 5
    stage_file_mb: int = 0
    poll_timeout_seconds: float = 3600.0
    stale_lock_seconds: int = 6 * 3600

    def __post_init__(self) -> None:
        _check_options(self)

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(bulk_api=self.bulk_api_threshold, stage=self.stage_threshold)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> SyncOptions:
        """Validate a user-supplied option mapping (keys case-insensitive; None = default)."""
        values = option_values(raw, (f.name for f in fields(cls)), "sync", _coerce)
        return cls(**values)


@dataclass(frozen=True)
class SyncRequest:
    """Sync ``sobject`` into ``schema.table`` (names as the user typed them)."""

    sobject: str
    schema: str
    table: str
    options: SyncOptions = field(default_factory=SyncOptions)

    @property
    def target(self) -> str:
        return f"{self.schema.upper()}.{self.table.upper()}"


def _coerce(name: str, value: Any) -> Any:
    if name in ("include_fields", "exclude_fields"):
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list | tuple):
            raise ConfigError(f"option {name} must be a list of field names")
        return tuple(str(v).strip() for v in value if str(v).strip())
    if name == "force_full_sync":
        return _boolean(name, value)
    if name in (
        "lookback_seconds",
        "bulk_api_threshold",
        "stage_threshold",
        "prefetch_pages",
        "stale_lock_seconds",
        "max_records",
        "rest_chunk_rows",
        "download_streams",
        "stage_file_mb",
    ):
        return _integer(name, value)
    if name == "poll_timeout_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"option {name} must be a number")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(f"option {name} must be a string")
    return value


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"option {name} must be true or false")


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"option {name} must be an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise ConfigError(f"option {name} must be an integer")
    return value


def _check_options(opts: SyncOptions) -> None:
    if opts.delete_policy not in ("soft", "hard"):
        raise ConfigError(f"delete_policy must be 'soft' or 'hard', got {opts.delete_policy!r}")
    if opts.lookback_seconds < 0:
        raise ConfigError("lookback_seconds must be >= 0")
    if opts.method is not None and opts.method not in _METHODS:
        raise ConfigError(f"method must be one of {sorted(_METHODS)}, got {opts.method!r}")
    if opts.max_records is not None and opts.max_records < 1:
        raise ConfigError("max_records must be >= 1")
    if not 1 <= opts.prefetch_pages <= 16:
        raise ConfigError("prefetch_pages must be between 1 and 16")
    if not 1 <= opts.download_streams <= 16:
        raise ConfigError("download_streams must be between 1 and 16")
    if not 0 <= opts.stage_file_mb <= 5000:
        raise ConfigError("stage_file_mb must be between 0 (one file per page) and 5000")
    if opts.rest_chunk_rows < 1:
        raise ConfigError("rest_chunk_rows must be >= 1")
    if opts.poll_timeout_seconds <= 0 or opts.stale_lock_seconds <= 0:
        raise ConfigError("poll_timeout_seconds and stale_lock_seconds must be > 0")
    overlap = {f.lower() for f in opts.include_fields} & {f.lower() for f in opts.exclude_fields}
    if overlap:
        raise ConfigError(f"fields both included and excluded: {', '.join(sorted(overlap))}")
    Thresholds(bulk_api=opts.bulk_api_threshold, stage=opts.stage_threshold)
