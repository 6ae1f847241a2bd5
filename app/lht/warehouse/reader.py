"""Reads a statement's result without collecting it: its column schema, or its rows in chunks.

The counterpart of :class:`~lht.warehouse.runner.StatementRunner` for results too large to
collect (a push source) or never executed at all (a ``LIMIT 0`` probe's schema). Driver errors
become :class:`~lht.errors.WarehouseError` through the runner's own classification
(:data:`~lht.warehouse.runner.DRIVER_ERRORS`, :func:`~lht.warehouse.runner.describe_error`), so
messages read exactly as the runner's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lht.errors import WarehouseError
from lht.warehouse.runner import DRIVER_ERRORS, StatementRunner, describe_error
from lht.warehouse.statements import Statement

__all__ = ["driver_errors_mapped", "source_columns", "stream_rows"]

#: Snowpark data type class name → the value kind push validation works with.
_KINDS = {
    "StringType": "string",
    "LongType": "integer",
    "IntegerType": "integer",
    "ShortType": "integer",
    "ByteType": "integer",
    "DoubleType": "float",
    "FloatType": "float",
    "BooleanType": "boolean",
    "DateType": "date",
    "TimestampType": "datetime",
    "TimeType": "time",
    "VariantType": "variant",
    "MapType": "variant",
    "ArrayType": "variant",
    "StructType": "variant",
    "BinaryType": "binary",
}


@contextmanager
def driver_errors_mapped(stmt: Statement) -> Iterator[None]:
    """Driver errors raised in the block → WarehouseError naming ``stmt`` (as the runner does)."""
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise WarehouseError(f"statement {stmt.name} failed: {describe_error(exc)}") from exc


def source_columns(runner: StatementRunner, stmt: Statement) -> list[tuple[str, str]]:
    """(name, kind) of each column the statement returns, in order; the rows are not read."""
    with driver_errors_mapped(stmt):
        schema = runner.session.sql(stmt.text, params=list(stmt.params)).schema
    return [(_unquote(f.name), _kind(f.datatype)) for f in schema.fields]


def stream_rows(runner: StatementRunner, stmt: Statement) -> Iterator[tuple[Any, ...]]:
    """Rows of ``stmt`` as tuples, fetched in chunks (never the whole result at once)."""
    if runner.in_transaction:
        raise WarehouseError(f"{stmt.name}: streaming reads run outside transactions")
    with driver_errors_mapped(stmt):
        frame = runner.session.sql(stmt.text, params=list(stmt.params))
        for row in frame.to_local_iterator():
            yield tuple(row)


def _kind(datatype: Any) -> str:
    name = type(datatype).__name__
    if name == "DecimalType":
        return "integer" if getattr(datatype, "scale", 0) == 0 else "number"
    return _KINDS.get(name, "other")


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name
