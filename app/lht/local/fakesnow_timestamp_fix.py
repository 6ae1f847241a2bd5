"""Local mode only: make fakesnow's server return NULL timestamps as NULL (not 1970-01-01).

fakesnow 0.12.1 (``fakesnow.arrow.timestamp_to_sf_struct``) builds Snowflake's
``{epoch, fraction[, timezone]}`` struct with ``pa.StructArray.from_arrays`` and no mask, so
the null bitmap is lost and every NULL TIMESTAMP_NTZ/TZ reaches the connector as epoch 0.
A push of a NULL datetime would then send ``1970-01-01T00:00:00.000Z`` to Salesforce.
The wrapper re-applies the source column's nulls to the struct. To be folded into
``lht.local.fakesnow_patch`` by FOUNDATION; tied to the tested fakesnow version.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Callable
from typing import Any

from lht.errors import ConfigError

__all__ = ["apply"]

TESTED_VERSIONS = frozenset({"0.12.1"})
_lock = threading.Lock()
_applied = False


def apply() -> None:
    """Install the null-preserving wrapper once per process; refuse untested versions."""
    global _applied  # noqa: PLW0603 - process-wide, idempotent patch state
    version = importlib.metadata.version("fakesnow")
    if version not in TESTED_VERSIONS:
        raise ConfigError(f"fakesnow {version} is untested with fakesnow_timestamp_fix")
    with _lock:
        if _applied:
            return
        from fakesnow import arrow  # noqa: PLC0415 - local mode only, imported lazily

        arrow.timestamp_to_sf_struct = _keeping_nulls(arrow.timestamp_to_sf_struct)  # type: ignore[assignment]
        _applied = True


def _keeping_nulls(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415 - local mode only

    def patched(ts: Any) -> Any:
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        struct = convert(ts)
        if ts.null_count == 0:
            return struct
        return pa.StructArray.from_arrays(
            arrays=[struct.field(i) for i in range(struct.type.num_fields)],
            fields=list(struct.type),
            mask=ts.is_null(),
        )

    patched.__wrapped__ = convert  # type: ignore[attr-defined]
    return patched
