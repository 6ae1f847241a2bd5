"""LHT.SYNC_CONFIG: which objects to sync, where to, with which options, in which group.

One row per target table (``TARGET_SCHEMA.TARGET_TABLE``). Options are the SYNC_SOBJECT
options (a VARIANT object: ``where_clause``, ``delete_policy``, ``include_fields``...), validated
with :meth:`SyncOptions.from_mapping` when an entry is written, so a bad entry is refused
before any schedule runs it. Groups are unquoted identifiers without ``__`` (task names are
derived from them), upper-cased; the default group is ``DEFAULT``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lht.errors import ConfigError
from lht.salesforce.soql import validate_condition
from lht.salesforce.soql import validate_identifier as validate_sobject
from lht.state.bootstrap import ensure_state_tables, refuse_state_schema
from lht.sync.options import SyncOptions
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse import push_statements as pst
from lht.warehouse.identifiers import validate_identifier
from lht.warehouse.runner import StatementRunner

__all__ = [
    "DEFAULT_GROUP",
    "ConfigEntry",
    "ensure_orchestration_objects",
    "list_config",
    "remove_config",
    "set_config",
    "validate_group",
]

DEFAULT_GROUP = "DEFAULT"


@dataclass(frozen=True)
class ConfigEntry:
    """One SYNC_CONFIG row (names upper-cased, options as a validated dict)."""

    sobject: str
    schema: str
    table: str
    group: str = DEFAULT_GROUP
    enabled: bool = True
    options: Mapping[str, Any] | None = None

    @property
    def target(self) -> str:
        return f"{self.schema}.{self.table}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "sobject": self.sobject,
            "schema": self.schema,
            "table": self.table,
            "group": self.group,
            "enabled": self.enabled,
            "options": dict(self.options or {}),
        }


def validate_group(group: str | None) -> str:
    """``None`` → DEFAULT; else an unquoted identifier without ``__`` (upper-cased)."""
    if group is None or group == "":
        return DEFAULT_GROUP
    name = validate_identifier(group, "group")
    if "__" in name or name.endswith("_"):
        raise ConfigError(f"invalid group {group!r}: '__' and a trailing '_' are reserved")
    return name


def make_entry(
    sobject: str,
    schema: str,
    table: str,
    *,
    options: Mapping[str, Any] | str | None = None,
    group: str | None = None,
    enabled: bool = True,
) -> ConfigEntry:
    """Validate everything a configuration row holds (ConfigError on any bad value)."""
    if isinstance(options, str):
        try:
            options = json.loads(options) if options.strip() else None
        except ValueError:
            raise ConfigError("options must be a JSON object") from None
    if options is not None and not isinstance(options, Mapping):
        raise ConfigError(f"options must be an object, got {type(options).__name__}")
    parsed = SyncOptions.from_mapping(options)  # refuse unknown/bad options now, not at 3 a.m.
    if parsed.where_clause:
        validate_condition(parsed.where_clause)
    return ConfigEntry(
        validate_sobject(sobject, "sobject"),
        validate_identifier(schema, "schema_name"),
        validate_identifier(table, "table_name"),
        validate_group(group),
        bool(enabled),
        dict(options) if options else None,
    )


def ensure_orchestration_objects(runner: StatementRunner, tables: ost.OrchestrateTables) -> None:
    """Create the state, push-run, config, sample and graph-run tables when missing, then
    (re)create the views. DDL: run outside transactions. Idempotent."""
    ensure_state_tables(runner, tables.state)
    runner.run(pst.create_runs_table(tables.push))
    runner.run(ost.create_config_table(tables))
    runner.run(ost.create_samples_table(tables))
    runner.run(ost.create_graph_runs_table(tables))
    runner.run_all(ost.create_views(tables))


def set_config(
    session: Any,
    sobject: str,
    schema: str,
    table: str,
    *,
    options: Mapping[str, Any] | str | None = None,
    group: str | None = None,
    enabled: bool = True,
    tables: ost.OrchestrateTables | None = None,
) -> dict[str, Any]:
    """Add or replace the entry of ``schema.table``; returns the stored entry."""
    entry = make_entry(sobject, schema, table, options=options, group=group, enabled=enabled)
    tables = tables or ost.OrchestrateTables()
    refuse_state_schema(entry.schema, tables.schema)
    runner = StatementRunner(session)
    ensure_orchestration_objects(runner, tables)
    delete, insert = ost.upsert_config(
        tables,
        sobject=entry.sobject,
        schema=entry.schema,
        table=entry.table,
        group=entry.group,
        enabled=entry.enabled,
        options_json=json.dumps(entry.options) if entry.options else None,
        now=datetime.now(UTC),
    )
    with runner.transaction():
        runner.run(delete)
        runner.run(insert)
    return entry.as_dict()


def remove_config(
    session: Any, schema: str, table: str, tables: ost.OrchestrateTables | None = None
) -> bool:
    """Delete the entry of ``schema.table``; True when one existed."""
    tables = tables or ost.OrchestrateTables()
    runner = StatementRunner(session)
    ensure_orchestration_objects(runner, tables)
    target = (validate_identifier(schema, "schema_name"), validate_identifier(table, "table_name"))
    rows = runner.run(ost.delete_config(tables, *target))
    return _affected(rows) > 0


def list_config(
    session: Any,
    group: str | None = None,
    *,
    enabled_only: bool = False,
    tables: ost.OrchestrateTables | None = None,
    ensure: bool = True,
) -> list[ConfigEntry]:
    """Entries of ``group`` (all groups when None), ordered by group and target.
    ``ensure=False`` skips creating missing objects (task children: the root did it)."""
    tables = tables or ost.OrchestrateTables()
    runner = StatementRunner(session)
    if ensure:
        ensure_orchestration_objects(runner, tables)
    wanted = None if group is None else validate_group(group)
    rows = runner.run(ost.select_config(tables, wanted, enabled_only))
    return [_entry(row.as_dict() if hasattr(row, "as_dict") else dict(row)) for row in rows]


def _entry(row: Mapping[str, Any]) -> ConfigEntry:
    raw = row.get("OPTIONS")
    options = json.loads(raw) if isinstance(raw, str) and raw.strip() else None
    if options is not None and not isinstance(options, dict):
        options = None
    return ConfigEntry(
        str(row["SOBJECT"]),
        str(row["TARGET_SCHEMA"]),
        str(row["TARGET_TABLE"]),
        str(row["SYNC_GROUP"]),
        bool(row["ENABLED"]),
        options,
    )


def _affected(rows: list[Any]) -> int:
    if not rows:
        return 0
    data = rows[0].as_dict() if hasattr(rows[0], "as_dict") else dict(rows[0])
    return int(next(iter(data.values())) or 0)
