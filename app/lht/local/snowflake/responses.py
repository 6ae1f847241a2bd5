"""Snowflake's answers on the wire: result sets and errors as the connector reads them.

A ``/queries/v1/query-request`` answer is ``{"data": {...}, "success": bool, "code",
"message"}``. Results the local Snowflake produces itself use ``queryResultFormat: "json"``:
``rowtype`` (one dict per column: name, type, nullable, precision, scale, length, ...) and
``rowset`` (rows of strings, as ``snowflake.connector.converter`` expects: booleans "1"/"0" are
read with ``value in ("1", "TRUE")``, FIXED with ``int``, timestamps as ``"<epoch>.<fraction>"``,
VARIANT as JSON text). ``statementTypeId`` tells clients what kind of statement ran
(fakesnow.statement_type has the ids Snowflake uses). Errors carry ``errorCode`` (6 digits),
``sqlState`` and the message the connector shows as ``002003 (02000): <message>``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lht.errors import WarehouseError

__all__ = [
    "DDL",
    "DESCRIBE",
    "SELECT",
    "SHOW",
    "UNKNOWN",
    "Column",
    "Result",
    "SqlError",
    "error_body",
    "result_body",
    "status",
]

# Statement type ids (net.snowflake.client.core.SFStatementType; fakesnow.statement_type)
UNKNOWN = 0x0000
SELECT = 0x1000
SHOW = 0x4400
DESCRIBE = 0x4500
DDL = 0x6000

_LENGTH = 16777216


class SqlError(WarehouseError):
    """A statement failed the way Snowflake fails it: ``errno`` (e.g. 2003), ``sqlstate``,
    and the message text without the ``002003 (02000): `` prefix the connector adds."""

    def __init__(self, errno: int, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.errno = errno
        self.sqlstate = sqlstate
        self.message = message

    @classmethod
    def syntax(cls, line: int, column: int, text: str) -> SqlError:
        return cls(1003, "42000", f"SQL compilation error:\nsyntax error line {line} at "
                   f"position {column} unexpected '{text}'.")  # fmt: skip

    @classmethod
    def syntax_eof(cls, line: int, column: int) -> SqlError:
        return cls.syntax(line, column, "<EOF>")

    @classmethod
    def does_not_exist(cls, kind: str, name: str) -> SqlError:
        """002003: ``<Kind> '<name>' does not exist or not authorized.``"""
        return cls(2003, "02000", f"SQL compilation error:\n{kind} '{name}' does not exist or "
                   "not authorized.")  # fmt: skip

    @classmethod
    def already_exists(cls, name: str) -> SqlError:
        """002002: ``Object '<name>' already exists.``"""
        return cls(2002, "42710", f"SQL compilation error:\nObject '{name}' already exists.")

    @classmethod
    def invalid_value(cls, message: str) -> SqlError:
        """001008 (22023): an invalid value for a property."""
        return cls(1008, "22023", f"SQL compilation error:\n{message}")


@dataclass(frozen=True)
class Column:
    """One result column: ``type`` is Snowflake's rowtype name (text, fixed, real, boolean,
    timestamp_ltz, timestamp_ntz, variant, object, array, date)."""

    name: str
    type: str = "text"
    nullable: bool = True
    scale: int = 0

    def rowtype(self) -> dict[str, Any]:
        info: dict[str, Any] = {"name": self.name, "database": "", "schema": "", "table": "",
                                "nullable": self.nullable, "type": self.type, "byteLength": None,
                                "length": None, "scale": None, "precision": None,
                                "collation": None}  # fmt: skip
        if self.type == "text":
            info["byteLength"] = info["length"] = _LENGTH
        elif self.type == "fixed":
            info["precision"], info["scale"] = 38, self.scale
        elif self.type.startswith("timestamp"):
            info["precision"], info["scale"] = 0, 3
        return info

    def cell(self, value: Any) -> str | None:
        """The JSON rowset text of ``value`` for this column."""
        if value is None:
            return None
        if self.type == "boolean":
            return "1" if value else "0"
        if self.type.startswith("timestamp") and isinstance(value, datetime):
            stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
            return f"{stamp.timestamp():.3f}"
        if self.type in ("variant", "object", "array"):
            return value if isinstance(value, str) else json.dumps(value, default=str)
        if isinstance(value, float | Decimal):
            return str(value)
        return str(value)


@dataclass(frozen=True)
class Result:
    """A result set produced by the local Snowflake (DDL status rows included)."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]] = ()
    statement_type: int = UNKNOWN
    parameters: Sequence[dict[str, Any]] = field(default_factory=tuple)


def status(message: str, statement_type: int = DDL) -> Result:
    """The one-row ``status`` result Snowflake returns for DDL."""
    return Result((Column("status", nullable=False),), [[message]], statement_type)


def result_body(result: Result, database: str | None, schema: str | None,
                describe_only: bool = False) -> dict[str, Any]:  # fmt: skip
    rows = [] if describe_only else [
        [column.cell(value) for column, value in zip(result.columns, row, strict=True)]
        for row in result.rows
    ]  # fmt: skip
    return {
        "data": {
            "parameters": [{"name": "TIMEZONE", "value": "Etc/UTC"}, *result.parameters],
            "rowtype": [column.rowtype() for column in result.columns],
            "rowset": rows,
            "total": len(rows),
            "returned": len(rows),
            "queryId": str(uuid.uuid4()),
            "queryResultFormat": "json",
            "statementTypeId": result.statement_type,
            "finalDatabaseName": database,
            "finalSchemaName": schema,
        },
        "code": None,
        "message": None,
        "success": True,
    }


def error_body(error: SqlError) -> dict[str, Any]:
    code = f"{error.errno:06d}"
    return {
        "data": {"errorCode": code, "sqlState": error.sqlstate, "queryId": str(uuid.uuid4())},
        "code": code,
        "message": error.message,
        "success": False,
    }
