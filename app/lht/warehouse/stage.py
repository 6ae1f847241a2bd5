"""Uploads to the LHT internal stage and best-effort cleanup of a run's prefix.

Pages are uploaded with ``session.file.put_stream(..., auto_compress=False)`` (the caller
gzips). Cleanup: ``REMOVE @stage/prefix/`` after the run's transaction committed (the local
Snowflake answers it too, ``lht.local.snowflake.stage_files``). A failed cleanup must never
turn a committed sync into a failure, so :meth:`StageWriter.remove_prefix` logs and returns
False instead of raising (what it left is found by the next run's leftover sweep). COPY ...
PURGE was rejected: it deletes the files even when the later MERGE fails, and failed runs
keep their files for diagnosis.
"""

from __future__ import annotations

import io
import logging
from typing import IO, Any

from lht.errors import WarehouseError
from lht.warehouse.identifiers import stage_path
from lht.warehouse.runner import DRIVER_ERRORS, StatementRunner, describe_error
from lht.warehouse.statements import Statement

__all__ = ["StageWriter", "list_prefix_statement", "remove_prefix_statement"]

_log = logging.getLogger(__name__)


def remove_prefix_statement(stage: str, *prefix: str) -> Statement:
    return Statement("remove_stage_prefix", f"REMOVE {stage_path(stage, *prefix)}")


def list_prefix_statement(stage: str, *prefix: str) -> Statement:
    """``LIST @stage/prefix/``: ``name, size, md5, last_modified`` per file, the name starting
    with the stage name in lower case (docs.snowflake.com/en/sql-reference/sql/list)."""
    return Statement("list_stage_prefix", f"LIST {stage_path(stage, *prefix)}")


class StageWriter:
    """Writes files under ``@<stage_name>/...``; ``stage_name`` like ``LHT.LHT_STAGE``."""

    def __init__(self, session: Any, stage_name: str = "LHT.LHT_STAGE") -> None:
        self.session = session
        self.stage_name = stage_name
        stage_path(stage_name)  # validate early

    def location(self, *segments: str) -> str:
        """``@LHT.LHT_STAGE/<segments...>/`` (validated)."""
        return stage_path(self.stage_name, *segments)

    def put(self, path: str, data: bytes | IO[bytes]) -> int:
        """Upload ``data`` to ``<stage>/<path>`` (path segments separated by ``/``, the last
        one the file name); returns the number of bytes uploaded."""
        *dirs, filename = path.strip("/").split("/")
        target = self.location(*dirs, filename).rstrip("/")
        stream = io.BytesIO(data) if isinstance(data, bytes) else data
        start = stream.tell() if stream.seekable() else 0
        try:
            result = self.session.file.put_stream(stream, target, auto_compress=False)
        except DRIVER_ERRORS as exc:
            raise WarehouseError(f"upload to {target} failed: {describe_error(exc)}") from exc
        status = str(getattr(result, "status", "UPLOADED")).upper()
        if status not in {"UPLOADED", "SKIPPED"}:
            raise WarehouseError(f"upload to {target} failed: status {status}")
        size = getattr(result, "source_size", None)
        if isinstance(size, int):
            return size
        return (stream.tell() - start) if stream.seekable() else 0

    def remove_prefix(self, runner: StatementRunner, *prefix: str) -> bool:
        """Best effort ``REMOVE`` of a run prefix; False (logged) when it did not happen."""
        stmt = remove_prefix_statement(self.stage_name, *prefix)
        try:
            runner.run(stmt)
        except WarehouseError as exc:
            _log.warning("stage cleanup of %s skipped: %s", self.location(*prefix), exc)
            return False
        return True
