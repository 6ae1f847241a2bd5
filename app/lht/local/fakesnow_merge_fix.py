"""Local mode only: let MERGE run inside BEGIN … COMMIT on fakesnow 0.12.1.

Why: fakesnow implements MERGE by first creating ``TEMPORARY TABLE merge_candidates``; its
CREATE TABLE bookkeeping then deletes load history in the current database and inserts a
table comment row into its ``_fs_global`` catalog. Inside an explicit transaction DuckDB
refuses a transaction that writes to two attached databases, so *every* MERGE between BEGIN
and COMMIT fails ("a single transaction can only write to a single attached database").
Real Snowflake has no such limit, and LHT's correctness rests on MERGE + watermark + run row
committing together. The fix skips only the table-comment bookkeeping for fakesnow's own
``merge_candidates`` helper table (a temporary table nobody describes).

Owner note: this belongs in ``lht.local.fakesnow_patch.apply()`` (FOUNDATION); it lives here
until then and is applied by the local demo and the e2e tests. Tied to the tested version.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Callable

from lht.errors import ConfigError

__all__ = ["apply"]

TESTED_VERSIONS = frozenset({"0.12.1"})
_lock = threading.Lock()
_applied = False


def apply() -> None:
    """Install once per process; raise on an untested fakesnow version."""
    global _applied  # noqa: PLW0603 - process-wide, idempotent patch state
    version = importlib.metadata.version("fakesnow")
    if version not in TESTED_VERSIONS:
        raise ConfigError(f"fakesnow {version} is untested with lht.local.fakesnow_merge_fix")
    with _lock:
        if _applied:
            return
        from fakesnow import info_schema  # noqa: PLC0415 - local mode only

        info_schema.insert_table_comment_sql = _skipping(info_schema.insert_table_comment_sql)
        _applied = True


def _skipping(original: Callable[..., str]) -> Callable[..., str]:
    def patched(catalog: str, schema: str, table: str, comment: str) -> str:
        if table.upper() == "MERGE_CANDIDATES":
            return "SELECT 1"
        return original(catalog, schema, table, comment)

    patched.__wrapped__ = original  # type: ignore[attr-defined]
    return patched
