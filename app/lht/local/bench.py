"""``python -m lht.local.bench``: sync speed and memory on 10k / 100k / 1M Account rows.

A benchmark, not a test. For each size the emulator runs in its own process
(``python -m emulator``), the embedded warehouse (fakesnow's server, as in local mode) in
another, and each measurement in a fresh child process that talks to both over loopback, as a
procedure talks to Salesforce and Snowflake. The peak RSS reported is the syncing process's
own (Snowpark session, Salesforce client, pages in flight), not the stand-in's. Printed per
size:

* full sync: seconds, rows/s, peak RSS, Salesforce API calls, method;
* baseline: a plain download of the same result pages (one Bulk 2.0 job, same SOQL, same page
  size) + gzip + PUT + one COPY into an all-VARCHAR table, and the ratio sync / baseline;
* optionally an incremental sync after 1% of the rows changed, and its share of the full sync.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import requests

from emulator.bench import _free_port, start_emulator
from lht.local.runtime import CLIENT_TIMEOUTS, standin_server
from lht.model import Column
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.pages import gzip_bytes
from lht.sync.plan import select_fields
from lht.sync.service import run_sync
from lht.warehouse import statements as sql
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter

__all__ = ["main"]

CLIENT = ("lht-local-client-id", "lht-local-client-secret")
PAGE = SyncOptions().max_records  # the sync default
_TIMEOUT = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lht.local.bench", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--incremental-at", type=int, nargs="*", default=[1_000_000],
                        help="sizes at which to also time a 1%% incremental sync")  # fmt: skip
    parser.add_argument("--child", choices=["sync", "baseline", "warehouse"],
                        help=argparse.SUPPRESS)  # fmt: skip
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    parser.add_argument("--incremental", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline runs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.child == "warehouse":
        return _child_warehouse()
    if args.child:
        configs = json.loads(args.warehouse)
        result = (
            _child_sync(args.base_url, configs, args.incremental)
            if args.child == "sync"
            else _child_baseline(args.base_url, configs)
        )
        print(json.dumps(result))  # noqa: T201 - the parent reads this line
        return 0
    _header()
    failed = 0
    for size in args.sizes:
        try:
            _report_row(_measure(size, size in args.incremental_at, args.no_baseline))
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            failed += 1
            print(f"{size:>9} failed: {str(exc)[-300:]}", flush=True)  # noqa: T201
    print("baseline = one Bulk job over the same SOQL, pages downloaded, gzip'd, PUT, one COPY")  # noqa: T201
    return 1 if failed else 0  # a failed row must fail the bench (CI runs it at a small size)


# -- parent -------------------------------------------------------------------------------------
def _measure(size: int, incremental: bool, no_baseline: bool) -> dict[str, Any]:
    port = _free_port()
    emulator = start_emulator(port, size)
    base = f"http://127.0.0.1:{port}"
    try:
        extra = ["--incremental"] if incremental else []
        sync = _run_child(["sync", base, *extra])
        baseline = {"seconds": 0.0} if no_baseline else _run_child(["baseline", base])
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    return {"size": size, "sync": sync, "baseline": baseline}


@contextlib.contextmanager
def _warehouse_process() -> Iterator[str]:
    """A fresh stand-in server process per measurement; yields its connect kwargs (JSON)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lht.local.bench", "--child", "warehouse"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        configs = process.stdout.readline().decode().strip()
        if not configs:
            raise RuntimeError(f"the stand-in process exited with code {process.wait(30)}")
        yield configs
    finally:
        process.terminate()
        process.wait(timeout=30)


def _run_child(args: list[str]) -> dict[str, Any]:
    kind, base, *rest = args
    with _warehouse_process() as configs:
        command = [sys.executable, "-m", "lht.local.bench", "--child", kind, "--base-url", base,
                   "--warehouse", configs, *rest]  # fmt: skip
        done = subprocess.run(command, capture_output=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {kind} failed: {done.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


def _header() -> None:
    print(  # noqa: T201
        f"{'rows':>9} {'method':<22}{'sync s':>8}{'rows/s':>10}{'peak RSS MB':>12}{'API':>6}"
        f"{'baseline s':>11}{'ratio':>7}{'incr 1% s':>10}{'incr/full':>10}",
        flush=True,
    )


def _report_row(row: dict[str, Any]) -> None:
    sync, base = row["sync"], row["baseline"]
    incr = sync.get("incremental_seconds")
    incr_text = f"{incr:.1f}" if incr else "-"
    share = f"{incr / sync['seconds']:.1%}" if incr else "-"
    ratio = sync["seconds"] / base["seconds"] if base["seconds"] else 0.0
    print(  # noqa: T201
        f"{row['size']:>9} {sync['method']:<22}{sync['seconds']:>8.1f}"
        f"{row['size'] / sync['seconds']:>10.0f}{sync['peak_rss_mb']:>12.0f}"
        f"{sync['api_calls']:>6}{base['seconds']:>11.1f}{ratio:>7.2f}"
        f"{incr_text:>10}{share:>10}",
        flush=True,
    )


# -- children -----------------------------------------------------------------------------------
def _client(base: str) -> SalesforceClient:
    return SalesforceClient(Credentials(base, *CLIENT))


def _peak_rss_mb() -> float:
    import resource  # noqa: PLC0415 - POSIX only, bench only

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_warehouse() -> int:
    """Serve the stand-in until the parent closes our stdin; first line out = connect kwargs."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # fakesnow's parser notes, not errors
    with standin_server() as configs:
        print(json.dumps(configs), flush=True)  # noqa: T201 - the parent reads this line
        sys.stdin.read()
    return 0


@contextlib.contextmanager
def _warehouse(configs: dict[str, Any]) -> Iterator[Any]:
    """A Snowpark session on the stand-in with database LHT_BENCH, schemas LHT + RAW, stage."""
    from snowflake.snowpark import Session  # noqa: PLC0415

    database = f"LHT_BENCH_{os.getpid()}"
    session = Session.builder.configs({**configs, **CLIENT_TIMEOUTS}).create()
    runner = StatementRunner(session)
    for text in (f"CREATE DATABASE IF NOT EXISTS {database}", f"USE DATABASE {database}"):
        runner.run(sql.Statement("bench_setup", text, ddl=True))
    runner.run_all([sql.create_schema("LHT"), sql.create_schema("RAW")])
    for text in ("CREATE STAGE IF NOT EXISTS LHT.LHT_STAGE", "USE SCHEMA LHT"):
        runner.run(sql.Statement("bench_setup", text, ddl=True))
    yield session


def _child_sync(base: str, configs: dict[str, Any], incremental: bool) -> dict[str, Any]:
    client = _client(base)
    with _warehouse(configs) as session:
        request = SyncRequest("Account", "RAW", "ACCOUNTS", SyncOptions(max_records=PAGE))
        full = run_sync(session, client, request)
        if not full["success"]:
            raise RuntimeError(full["error"])
        result = {"method": full["sync_method"], "seconds": full["sync_duration_seconds"],
                  "api_calls": full["api_calls"], "rows": full["actual_records"]}  # fmt: skip
        if incremental:
            changed = max(1, full["actual_records"] // 100)
            body = {"sobject": "Account", "action": "update", "count": changed,
                    "values": {"Name": "Changed by bench"}}  # fmt: skip
            reply = requests.post(f"{base}/__emulator/mutate", json=body, timeout=_TIMEOUT)
            reply.raise_for_status()
            again = run_sync(session, client, request)
            if not again["success"]:
                raise RuntimeError(again["error"])
            result["incremental_seconds"] = again["sync_duration_seconds"]
            result["incremental_method"] = again["sync_method"]
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _child_baseline(base: str, configs: dict[str, Any]) -> dict[str, Any]:
    client = _client(base)
    fields, _ = select_fields(client.describe("Account"), (), ())
    names = [f.name for f in fields]
    soql = f"SELECT {', '.join(names)} FROM Account"
    with _warehouse(configs) as session:
        runner, stage = StatementRunner(session), StageWriter(session)
        raw = TableName.of("LHT", "BENCH_RAW")
        runner.run(sql.create_staging_table(raw, [Column(n, "VARCHAR") for n in names]))
        started = time.monotonic()
        job = client.bulk_query(soql, include_deleted=True, max_records=PAGE)
        for number, page in enumerate(job.pages(), start=1):
            stage.put(f"bench/part-{number:05d}.csv.gz", gzip_bytes(page.raw))
        runner.run(sql.copy_into_staging(raw, stage.stage_name, "bench"))
        seconds = time.monotonic() - started
    return {"seconds": round(seconds, 3), "peak_rss_mb": _peak_rss_mb()}


if __name__ == "__main__":
    sys.exit(main())
