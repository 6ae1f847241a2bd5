"""``lht check``: every CHECK_SETUP check, locally or (``--connection``) in Snowflake."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from lht.cli.output import Output
from lht.deploy.checks import COLUMNS

__all__ = ["register_check"]

Sub = Any  # argparse's _SubParsersAction (private type)


def register_check(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check",
        parents=[common],
        help="check a deployment (secret, token, network rule, tables, tasks, ...)",
        description="Run CALL LHT.CHECK_SETUP() (with --connection) or the same checks on the "
        "embedded warehouse with the local secret. Exit code 1 when a check FAILs.",
    )
    p.set_defaults(run=run_check)


def run_check(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    with backend(args.connection, args.data_dir) as where:
        rows = where.check()
    shown = [{c: row.get(c.lower()) for c in COLUMNS} for row in rows]
    out.rows(f"CHECK_SETUP ({where.where})", shown, COLUMNS, key="CHECK_NAME")
    return 1 if any(str(r.get("status")).upper() == "FAIL" for r in rows) else 0
