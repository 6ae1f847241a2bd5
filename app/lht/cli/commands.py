"""The ``lht`` commands: each ``register_*`` adds a sub-parser whose ``run(args, backend, out)``
returns the exit code (0 ok, 1 the operation reported failure; ConfigError → 2 in main)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from lht.cli.check_cmd import register_check
from lht.cli.emulator_cmd import register_emulator
from lht.cli.local_snowflake_cmd import register_local_snowflake
from lht.cli.orchestrate_cmds import REGISTRY as ORCHESTRATE_COMMANDS
from lht.cli.output import SYNC_KEYS, Output
from lht.cli.progress import progress_bars
from lht.errors import ConfigError
from lht.push.options import PushOptions, PushRequest
from lht.salesforce.soql import validate_condition
from lht.state.bootstrap import refuse_state_schema
from lht.sync.options import SyncOptions, SyncRequest
from lht.warehouse.identifiers import validate_identifier

__all__ = ["REGISTRY", "parse_options"]

Sub = Any  # argparse's _SubParsersAction (private type)
PUSH_KEYS = ("run_id", "sobject", "operation", "method", "status", "success", "rows_read",
             "rows_unchanged", "rows_sent", "succeeded", "created", "updated", "failed",
             "unprocessed", "retried", "jobs", "error")  # fmt: skip


def parse_options(pairs: list[str] | None) -> dict[str, Any]:
    """``["k=v", ...]`` → dict; a value that parses as JSON (``true``, ``5``, ``["a"]``) is
    taken as JSON, anything else as text."""
    options: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--option expects KEY=VALUE, got {pair!r}")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def _option_arg(parser: argparse.ArgumentParser, what: str, example: str) -> None:
    parser.add_argument("--option", action="append", metavar="KEY=VALUE",
                        help=f"a {what} option (repeatable; values are read as JSON when they "
                             f"parse, e.g. {example})")  # fmt: skip


def _exit(success: bool) -> int:
    return 0 if success else 1


# --- sync -------------------------------------------------------------------------------------


def register_sync(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sync", parents=[common], help="sync one sObject into a table",
                       description="Sync OBJECT into SCHEMA.TABLE (incremental from the stored "
                                   "watermark unless --full).")  # fmt: skip
    p.add_argument("sobject", metavar="OBJECT")
    p.add_argument("schema", metavar="SCHEMA")
    p.add_argument("table", metavar="TABLE")
    p.add_argument("--full", action="store_true", help="force a full sync (sees hard deletes)")
    p.add_argument("--where", metavar="CONDITION", help="SOQL condition limiting the rows")
    _option_arg(p, "sync", 'bulk_api_threshold=0 or include_fields=\'["Id","Name"]\'')
    p.set_defaults(run=run_sync)


def sync_options(args: argparse.Namespace) -> dict[str, Any]:
    options = parse_options(args.option)
    if args.full:
        options["force_full_sync"] = True
    if args.where:
        options["where_clause"] = args.where
    return options


def run_sync(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    options = sync_options(args)
    refuse_state_schema(validate_identifier(args.schema, "schema"), "LHT")  # before starting
    validate_identifier(args.table, "table")
    if isinstance(options.get("where_clause"), str):
        validate_condition(options["where_clause"])  # bad SOQL is bad usage, not a failed run
    request = SyncRequest(args.sobject, args.schema, args.table, SyncOptions.from_mapping(options))
    bars = out.errors.is_terminal and not args.no_progress
    with backend(args.connection, args.data_dir) as where, progress_bars(out.errors, bars):
        result = where.sync(request, options or None)
    out.result(f"sync {args.sobject} → {request.target} ({where.where})", result, SYNC_KEYS)
    return _exit(bool(result.get("success")))


# --- push -------------------------------------------------------------------------------------


def register_push(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("push", parents=[common], help="push warehouse rows to an sObject",
                       description="Push the rows of SOURCE (a table/view name or a SELECT) to "
                                   "OBJECT with OPERATION (insert, update, upsert, delete, "
                                   "hardDelete).")  # fmt: skip
    p.add_argument("sobject", metavar="OBJECT")
    p.add_argument("operation", metavar="OPERATION")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--external-id", metavar="FIELD", help="upsert match field")
    _option_arg(p, "push", "max_failed_rows=5 or clear_nulls=true")
    p.set_defaults(run=run_push)


def run_push(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    options = parse_options(args.option)
    if args.external_id:
        options["external_id_field"] = args.external_id
    request = PushRequest(args.sobject, args.operation, args.source,
                          PushOptions.from_mapping(options))  # fmt: skip
    with backend(args.connection, args.data_dir) as where:
        result = where.push(request, options or None)
    out.result(f"push {request.operation} {args.sobject} ({where.where})", result, PUSH_KEYS)
    return _exit(bool(result.get("success")))


# --- demo and emulator (local only) -----------------------------------------------------------


def register_demo(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", help="the local end-to-end demo (same as ./scripts/demo)",
                       add_help=False, description="Arguments go to python -m lht.local.demo "
                                                   "(--help lists them).")  # fmt: skip
    p.set_defaults(run=run_demo, passthrough=True)


def run_demo(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    from lht.local import demo  # noqa: PLC0415 - pulls in the emulator; local mode only

    try:
        return demo.main(list(args.extra))
    except SystemExit as exc:  # the demo's own argparse: --help (0) or bad usage (2)
        return int(exc.code or 0)


REGISTRY: list[Callable[[Sub, argparse.ArgumentParser], None]] = [
    register_demo,
    register_emulator,
    register_local_snowflake,
    register_sync,
    register_push,
    *ORCHESTRATE_COMMANDS,
    register_check,
]
