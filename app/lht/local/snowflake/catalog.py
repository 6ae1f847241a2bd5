"""The local Snowflake's catalog: the objects fakesnow has no notion of, kept in DuckDB.

One catalog per data directory, in the DuckDB file ``<db_dir>/lht_account.duckdb`` beside
fakesnow's ``<DATABASE>.db`` files (a different extension, so it never shadows a database),
so network rules, secrets, integrations, warehouses, stages and procedures survive a restart
as tables do. Sessions without a database directory share one in-memory catalog.

Every object is a row of ``objects``: ``kind`` (``NETWORK RULE``, ``SECRET``, ``INTEGRATION``,
``WAREHOUSE``, ``STAGE``, ``PROCEDURE``, ...), ``database`` / ``schema`` (``''`` for
account-level objects such as integrations, warehouses, roles), ``name``, ``signature``
(argument types of a procedure, else ``''``), ``owner`` (the role that created it),
``created_on``, ``comment`` and ``properties`` (a JSON object; a secret's value lives here and
is never shown). Other modules may keep their own tables in the same file through
:meth:`Catalog.execute` (create them ``IF NOT EXISTS``).

Objects are created with COMPUTE_WH present, the warehouse a new Snowflake account comes with.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["ACCOUNT", "Catalog", "CatalogObject", "catalog_file"]

ACCOUNT = ""  # database/schema of account-level objects
FILE_NAME = "lht_account.duckdb"
DEFAULT_WAREHOUSE = "COMPUTE_WH"

_DDL = """
CREATE TABLE IF NOT EXISTS objects (
    kind VARCHAR NOT NULL,
    database VARCHAR NOT NULL,
    schema VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    signature VARCHAR NOT NULL,
    owner VARCHAR,
    created_on TIMESTAMPTZ NOT NULL,
    comment VARCHAR,
    properties VARCHAR NOT NULL,
    PRIMARY KEY (kind, database, schema, name, signature)
)
"""
_COLUMNS = "kind, database, schema, name, signature, owner, created_on, comment, properties"


@dataclass(frozen=True)
class CatalogObject:
    kind: str
    database: str
    schema: str
    name: str
    signature: str = ""
    owner: str | None = None
    created_on: datetime = field(default_factory=lambda: datetime.now(UTC))
    comment: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        """``DB.SCHEMA.NAME`` (just ``NAME`` for account objects), as Snowflake names it."""
        parts = [p for p in (self.database, self.schema) if p] + [self.name]
        return ".".join(parts)

    def with_properties(self, **changes: Any) -> CatalogObject:
        return replace(self, properties={**self.properties, **changes})


def catalog_file(db_dir: str | Path) -> Path:
    return Path(db_dir) / FILE_NAME


class Catalog:
    """Thread-safe access to one catalog file (or an in-memory catalog for ``path=None``)."""

    def __init__(self, path: str | Path | None) -> None:
        import duckdb  # noqa: PLC0415 - local mode only

        self.path = None if path is None else Path(path)
        self._lock = threading.RLock()
        self._conn = duckdb.connect(":memory:" if self.path is None else str(self.path))
        with self._lock:
            self._conn.execute(_DDL)
            if not self.find("WAREHOUSE"):
                self.put(_default_warehouse())

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on the catalog's own DuckDB file (for modules with tables of their own)."""
        with self._lock:
            cursor = self._conn.execute(sql, list(params))
            return cursor.fetchall() if cursor.description else []

    def get(self, kind: str, database: str, schema: str, name: str,
            signature: str = "") -> CatalogObject | None:  # fmt: skip
        rows = self.execute(
            f"SELECT {_COLUMNS} FROM objects WHERE kind = ? AND database = ? AND schema = ? "
            "AND name = ? AND signature = ?",
            (kind, database, schema, name, signature),
        )
        return _object(rows[0]) if rows else None

    def find(self, kind: str, *, database: str | None = None, schema: str | None = None,
             name: str | None = None) -> list[CatalogObject]:  # fmt: skip
        """Objects of ``kind``, optionally within a database/schema or with a given name."""
        sql = f"SELECT {_COLUMNS} FROM objects WHERE kind = ?"
        params: list[Any] = [kind]
        for column, value in (("database", database), ("schema", schema), ("name", name)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        return [_object(row) for row in self.execute(sql + " ORDER BY 2, 3, 4, 5", params)]

    def put(self, obj: CatalogObject) -> None:
        """Insert or replace (same kind, database, schema, name and signature)."""
        with self._lock:
            self.delete(obj.kind, obj.database, obj.schema, obj.name, obj.signature)
            self._conn.execute(
                f"INSERT INTO objects ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [obj.kind, obj.database, obj.schema, obj.name, obj.signature, obj.owner,
                 obj.created_on, obj.comment, json.dumps(dict(obj.properties))],
            )  # fmt: skip

    def delete(self, kind: str, database: str, schema: str, name: str,
               signature: str | None = None) -> int:  # fmt: skip
        """Delete one object (every signature when ``signature`` is None); returns the count."""
        sql = "DELETE FROM objects WHERE kind = ? AND database = ? AND schema = ? AND name = ?"
        params: list[Any] = [kind, database, schema, name]
        if signature is not None:
            sql += " AND signature = ?"
            params.append(signature)
        with self._lock:
            row = self._conn.execute(sql, params).fetchone()
            return int(row[0]) if row else 0

    def drop_container(self, database: str, schema: str | None = None) -> None:
        """DROP DATABASE / DROP SCHEMA: forget every object inside it."""
        sql, params = "DELETE FROM objects WHERE database = ?", [database]
        if schema is not None:
            sql += " AND schema = ?"
            params.append(schema)
        self.execute(sql, params)

    def __iter__(self) -> Iterator[CatalogObject]:
        return iter(_object(r) for r in self.execute(f"SELECT {_COLUMNS} FROM objects"))


def _default_warehouse() -> CatalogObject:
    properties = {"state": "STARTED", "warehouse_type": "STANDARD", "warehouse_size": "X-Small",
                  "auto_suspend": 600, "auto_resume": True}  # fmt: skip
    return CatalogObject("WAREHOUSE", ACCOUNT, ACCOUNT, DEFAULT_WAREHOUSE, owner="SYSADMIN",
                         properties=properties)  # fmt: skip


def _object(row: Sequence[Any]) -> CatalogObject:
    kind, database, schema, name, signature, owner, created_on, comment, properties = row
    return CatalogObject(kind, database, schema, name, signature, owner, created_on, comment,
                         json.loads(properties))  # fmt: skip
