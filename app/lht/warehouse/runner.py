"""Executes :class:`Statement` objects on a Snowpark session; the one place driver errors
become :class:`lht.errors.WarehouseError`.

Errors name the statement (``merge_from_staging``), the Snowflake error number/SQLSTATE and
the query id, never bound values; quoted literals in the driver's message are redacted
because conversion errors quote the offending row value.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from snowflake.connector.errors import Error as ConnectorError
from snowflake.snowpark.exceptions import SnowparkClientException

from lht.errors import WarehouseError
from lht.warehouse.statements import Statement

__all__ = ["MergeCounts", "StatementRunner", "describe_error", "merge_counts"]

_log = logging.getLogger(__name__)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_MAX_MESSAGE = 300
DRIVER_ERRORS: tuple[type[BaseException], ...] = (ConnectorError, SnowparkClientException)


def describe_error(exc: BaseException) -> str:
    """A short, value-free description of a driver error."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    text = _QUOTED.sub("'…'", first)[:_MAX_MESSAGE]
    parts = [text]
    for attr in ("sfqid", "query_id"):
        value = getattr(exc, attr, None)
        if value:
            parts.append(f"query id {value}")
            break
    return "; ".join(parts)


@dataclass(frozen=True)
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


def merge_counts(rows: list[Any]) -> MergeCounts:
    """Read Snowflake's DML result row (``number of rows inserted/updated/deleted``)."""
    if not rows:
        return MergeCounts()
    data = rows[0].as_dict() if hasattr(rows[0], "as_dict") else dict(rows[0])
    lowered = {str(k).lower(): v for k, v in data.items()}

    def pick(kind: str) -> int:
        return int(lowered.get(f"number of rows {kind}") or 0)

    return MergeCounts(pick("inserted"), pick("updated"), pick("deleted"))


class StatementRunner:
    """Runs statements one at a time on ``session`` (never concurrently)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._in_transaction = False

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    def run(self, stmt: Statement) -> list[Any]:
        """Execute and collect; driver errors → WarehouseError naming the statement."""
        if stmt.ddl and self._in_transaction:
            raise WarehouseError(
                f"{stmt.name}: DDL inside a transaction would commit it implicitly; "
                "run it before BEGIN"
            )
        started = time.monotonic()
        try:
            rows: list[Any] = self.session.sql(stmt.text, params=list(stmt.params)).collect()
        except DRIVER_ERRORS as exc:
            raise WarehouseError(f"statement {stmt.name} failed: {describe_error(exc)}") from exc
        _log.debug("%s: %d row(s) in %.3f s", stmt.name, len(rows), time.monotonic() - started)
        return rows

    def run_all(self, stmts: list[Statement]) -> None:
        for stmt in stmts:
            self.run(stmt)

    @contextmanager
    def transaction(self) -> Iterator[StatementRunner]:
        """BEGIN TRANSACTION … COMMIT; ROLLBACK (then re-raise) when the block raises.
        Snowflake recommends BEGIN TRANSACTION over the synonym BEGIN
        (https://docs.snowflake.com/en/sql-reference/transactions)."""
        if self._in_transaction:
            raise WarehouseError("nested transactions are not supported")
        self.run(Statement("begin", "BEGIN TRANSACTION"))
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self._in_transaction = False
            self._rollback()
            raise
        self._in_transaction = False
        self.run(Statement("commit", "COMMIT"))

    def _rollback(self) -> None:
        try:
            self.run(Statement("rollback", "ROLLBACK"))
        except WarehouseError:
            _log.exception("ROLLBACK failed after an error inside the transaction")
