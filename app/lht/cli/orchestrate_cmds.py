"""``lht sync-all``, ``lht status``, ``lht jobs`` and ``lht config``: the orchestration layer
(``lht.orchestrate``) from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from lht.cli.output import Output
from lht.cli.progress import progress_bars
from lht.orchestrate.jobs import JOB_COLUMNS as JOB_TABLE_COLUMNS
from lht.orchestrate.sync_all import RESULT_COLUMNS

__all__ = ["REGISTRY"]

Sub = Any
#: SYNC_ALL's result columns (the procedure's TABLE) without the run id, as the rows' keys.
SYNC_ALL_COLUMNS = tuple(c.lower() for c in RESULT_COLUMNS if c != "RUN_ID")
STATUS_COLUMNS = ("STATUS", "SOBJECT", "TARGET", "LAST_RUN_AT", "LAST_METHOD", "DATA_CURRENT_TO",
                  "LAG_MINUTES", "LAST_ERROR")  # fmt: skip
JOB_COLUMNS = tuple(c.lower() for c in JOB_TABLE_COLUMNS)
CONFIG_COLUMNS = ("group", "sobject", "schema", "table", "enabled", "options")


def register_sync_all(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sync-all",
        parents=[common],
        help="sync every configured object",
        description="Sync every enabled LHT.SYNC_CONFIG entry of a group "
        "(failures isolated; objects deferred above the API "
        "budget). Exit 1 when any object failed.",
    )
    p.add_argument("--group", help="configuration group (default DEFAULT)")
    p.add_argument(
        "--budget-share",
        type=float,
        default=0.8,
        metavar="SHARE",
        help="defer objects above this share of the daily API allowance (default 0.8)",
    )
    p.set_defaults(run=run_sync_all)


def run_sync_all(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    bars = out.errors.is_terminal and not args.no_progress
    with backend(args.connection, args.data_dir) as where, progress_bars(out.errors, bars):
        rows = where.sync_all(args.group, args.budget_share)
    out.rows(
        f"sync-all {args.group or 'DEFAULT'} ({where.where})", rows, SYNC_ALL_COLUMNS, key="target"
    )
    return 1 if any(str(r.get("status")).upper() == "FAILED" for r in rows) else 0


def register_status(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "status",
        parents=[common],
        help="latest run and lag per object",
        description="LHT.SYNC_STATUS: the latest run and freshness of every "
        "configured or synced object, failing objects first.",
    )
    p.set_defaults(run=run_status)


def run_status(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    with backend(args.connection, args.data_dir) as where:
        rows = where.status()
    out.rows(f"LHT.SYNC_STATUS ({where.where})", rows, STATUS_COLUMNS, key="TARGET")
    return 0


def register_jobs(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "jobs",
        parents=[common],
        help="list, abort or clean up Bulk jobs",
        description="Bulk API 2.0 jobs in the org (query and ingest).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", parents=[common], help="list jobs, newest first (default)")
    abort = actions.add_parser("abort", parents=[common], help="abort one job")
    abort.add_argument("job_id", metavar="ID")
    cleanup = actions.add_parser(
        "cleanup", parents=[common], help="delete jobs older than N hours (abort stuck ones)"
    )
    cleanup.add_argument("--max-age-hours", type=float, required=True, metavar="N")
    p.set_defaults(run=run_jobs)


def run_jobs(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    action = args.action or "list"
    with backend(args.connection, args.data_dir) as where:
        if action == "list":
            rows = where.list_jobs()
        elif action == "abort":
            rows = [where.abort_job(args.job_id)]
        else:
            rows = where.cleanup_jobs(args.max_age_hours)
    columns = JOB_COLUMNS if action == "list" else (*JOB_COLUMNS, "action", "error")
    out.rows(f"Bulk jobs: {action} ({where.where})", rows, columns)
    return 1 if any(r.get("error") for r in rows) else 0


def register_config(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "config",
        parents=[common],
        help="add, change, remove and list SYNC_CONFIG entries",
        description="LHT.SYNC_CONFIG entries: what sync-all and the scheduled Task graph sync.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list entries (default)")
    listing.add_argument("--group")
    put = actions.add_parser("set", parents=[common], help="add or replace an entry")
    for name in ("sobject", "schema", "table"):
        put.add_argument(name, metavar=name.upper().replace("SOBJECT", "OBJECT"))
    put.add_argument("--group")
    put.add_argument("--disabled", action="store_true", help="keep the entry but skip it")
    put.add_argument("--option", action="append", metavar="KEY=VALUE", help="a sync option")
    remove = actions.add_parser("remove", parents=[common], help="remove an entry")
    remove.add_argument("schema", metavar="SCHEMA")
    remove.add_argument("table", metavar="TABLE")
    p.set_defaults(run=run_config)


def run_config(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    from lht.cli.commands import parse_options  # noqa: PLC0415 - avoid an import cycle

    action = args.action or "list"
    with backend(args.connection, args.data_dir) as where:
        if action == "set":
            options = parse_options(args.option) or None
            row = where.set_config(
                args.sobject,
                args.schema,
                args.table,
                options=options,
                group=args.group,
                enabled=not args.disabled,
            )
            out.rows("SYNC_CONFIG entry stored", [row], CONFIG_COLUMNS)
            return 0
        if action == "remove":
            found = where.remove_config(args.schema, args.table)
            out.message(
                f"{args.schema.upper()}.{args.table.upper()}: "
                + ("removed" if found else "no such entry")
            )
            return 0 if found else 1
        rows = where.list_config(getattr(args, "group", None))
    out.rows(f"LHT.SYNC_CONFIG ({where.where})", rows, CONFIG_COLUMNS)
    return 0


REGISTRY = [register_sync_all, register_status, register_jobs, register_config]
