"""``python -m lht.local.bench``: LHT's sync against its floors on 10k / 100k / 1M Account rows.

A benchmark, not a test. For each size the emulator runs in its own process
(``python -m emulator``), the embedded warehouse (fakesnow's server, as in local mode) in
another, and each measurement in a fresh child process that talks to both over loopback, as a
procedure talks to Salesforce and Snowflake. Printed per size, all from the same run:

* LHT's first full sync: seconds, method, peak RSS and CPU seconds of the syncing process (its
  own: Snowpark session, Salesforce client, pages in flight — not the emulator's or the
  stand-in's), Salesforce API calls, PUTs (staged files);
* the floors (:mod:`lht.local.bench_floors`): plain job + download, plain put + COPY + typed
  load, and LHT ÷ their sum;
* optionally (``--incremental-at``) an incremental sync after 1% of the rows changed.

``--repeat N`` interleaves N LHT and N floor runs per size and prints the medians.

``--model-at SIZE`` adds a Salesforce-shaped run at SIZE rows: result downloads limited to
``--model-stream-mbps`` per stream after ``--model-first-byte`` seconds, LHT with 1 and with 5
download streams and the floor with 5; README "Performance" says where the figures come from.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import requests

from emulator.bench import _free_port, start_emulator
from lht.local.bench_floors import floors
from lht.local.runtime import CLIENT_TIMEOUTS, standin_server
from lht.salesforce.auth import Credentials
from lht.salesforce.client import SalesforceClient
from lht.sync.extract import page_size
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import run_sync
from lht.warehouse import statements as sql
from lht.warehouse.runner import StatementRunner

__all__ = ["main"]

CLIENT = ("lht-local-client-id", "lht-local-client-secret")
DEFAULTS = SyncOptions()
_TIMEOUT = 60.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.child:
        return _child(args)
    _header()
    failed = 0
    for size in args.sizes:
        try:
            _report_row(_measure(size, args))
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            failed += 1
            print(f"{size:>9} failed: {str(exc)[-300:]}", flush=True)  # noqa: T201
    for size in args.model_at:
        try:
            _report_model(size, args, _measure_model(size, args))
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            failed += 1
            print(f"{size:>9} model run failed: {str(exc)[-300:]}", flush=True)  # noqa: T201
    return 1 if failed else 0  # a failed row must fail the bench (CI runs it at a small size)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lht.local.bench", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--incremental-at", type=int, nargs="*", default=[1_000_000],
                        help="sizes at which to also time a 1%% incremental sync")  # fmt: skip
    parser.add_argument("--no-floors", action="store_true", help="skip the floor runs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (medians)")
    parser.add_argument("--streams", type=int, default=DEFAULTS.download_streams)
    parser.add_argument(
        "--stage-file-mb",
        type=int,
        default=DEFAULTS.stage_file_mb,
        help="the sync option stage_file_mb (0 = one staged file per page)",
    )
    parser.add_argument(
        "--max-records",
        type=int,
        default=DEFAULTS.max_records,
        help="the sync option max_records (the floors use the same page)",
    )
    parser.add_argument("--model-at", type=int, nargs="*", default=[],
                        help="sizes for the Salesforce-shaped runs")  # fmt: skip
    parser.add_argument("--model-stream-mbps", type=float, default=2.0)
    parser.add_argument("--model-first-byte", type=float, default=0.5)
    for name in ("--child", "--base-url", "--warehouse"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--incremental", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    return parser


# -- parent -------------------------------------------------------------------------------------
@contextlib.contextmanager
def _emulator(size: int) -> Iterator[str]:
    port = _free_port()
    process = start_emulator(port, size)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _measure(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """LHT and the floors, interleaved ``--repeat`` times on one emulator; medians."""
    syncs, floors_ = [], []
    with _emulator(size) as base:
        extra = ["--incremental"] if size in args.incremental_at else []
        for _ in range(args.repeat):
            syncs.append(_run_child("sync", base, str(args.streams), *extra, args=args))
            if not args.no_floors:
                floors_.append(_run_child("floors", base, str(args.streams), "--rows",
                                          str(size), args=args))  # fmt: skip
    return {"size": size, "sync": _median(syncs), "floor": _median(floors_) if floors_ else None}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per key, the median of the runs' numbers (the first run's value for the rest)."""
    merged = dict(runs[0])
    for key, value in merged.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def _measure_model(size: int, args: argparse.Namespace) -> dict[str, Any]:
    with _emulator(size) as base:
        rule = {"kind": "slow", "path": r"/results$", "count": 0,
                "delay": args.model_first_byte,
                "rate": int(args.model_stream_mbps * 1_000_000)}  # fmt: skip
        requests.post(f"{base}/__emulator/faults", json=rule, timeout=_TIMEOUT).raise_for_status()
        return {
            "sync_1": _run_child("sync", base, "1", args=args),
            "sync_5": _run_child("sync", base, "5", args=args),
            "floor_5": _run_child("floors", base, "5", "--rows", str(size), args=args),
        }


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


def _run_child(
    kind: str, base: str, streams: str, *rest: str, args: argparse.Namespace
) -> dict[str, Any]:
    options = ["--stage-file-mb", str(args.stage_file_mb), "--max-records", str(args.max_records)]
    with _warehouse_process() as configs:
        command = [sys.executable, "-m", "lht.local.bench", "--child", kind, "--base-url", base,
                   "--warehouse", configs, "--streams", streams, *options, *rest]  # fmt: skip
        done = subprocess.run(command, capture_output=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {kind} failed: {done.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


def _header() -> None:
    print(  # noqa: T201
        f"{'rows':>9} {'method':<20}{'LHT s':>7}{'job+dl':>8}{'load':>7}{'LHT/fl':>7}"
        f"{'RSS MB':>7}{'API':>5}{'PUTs':>5}{'CPU s':>7}{'incr s':>7}",
        flush=True,
    )


def _report_row(row: dict[str, Any]) -> None:
    sync, floor = row["sync"], row["floor"]
    incr = sync.get("incremental_seconds")
    if floor:
        dl, load = floor["job_s"] + floor["download_s"], floor["load_s"]
        cells = f"{dl:>8.2f}{load:>7.2f}{sync['seconds'] / (dl + load):>7.2f}"
    else:
        cells = f"{'-':>8}{'-':>7}{'-':>7}"
    print(  # noqa: T201
        f"{row['size']:>9} {sync['method']:<20}{sync['seconds']:>7.2f}{cells}"
        f"{sync['peak_rss_mb']:>7.0f}{sync['api_calls']:>5.0f}{sync['files']:>5.0f}"
        f"{sync['cpu_s']:>7.2f}{(f'{incr:.2f}' if incr else '-'):>7}",
        flush=True,
    )


def _report_model(size: int, args: argparse.Namespace, runs: dict[str, Any]) -> None:
    floor = runs["floor_5"]
    best = floor["job_s"] + floor["download_s"] + floor["load_s"]
    print(  # noqa: T201
        f"\nmodel at {size} rows: {args.model_stream_mbps} MB/s per result stream, first byte "
        f"after {args.model_first_byte} s; floor (5 streams): job {floor['job_s']:.1f} s, "
        f"downloads {floor['download_s']:.1f} s, load {floor['load_s']:.1f} s\n"
        f"{'run':<12}{'LHT s':>8}{'job wait':>9}{'polls':>6}{'overshoot':>10}{'downloads':>10}"
        f"{'LHT/best':>9}",
        flush=True,
    )
    for name in ("sync_1", "sync_5"):
        sync = runs[name]
        overshoot = sync["job_wait_s"] - floor["job_s"]
        print(  # noqa: T201
            f"{name.replace('sync_', 'streams='):<12}{sync['seconds']:>8.1f}"
            f"{sync['job_wait_s']:>9.1f}{sync['polls']:>6}{overshoot:>10.1f}"
            f"{sync['download_s']:>10.1f}{sync['seconds'] / best:>9.2f}",
            flush=True,
        )


# -- children -----------------------------------------------------------------------------------
def _child(args: argparse.Namespace) -> int:
    if args.child == "warehouse":
        return _child_warehouse()
    configs, streams = json.loads(args.warehouse), int(args.streams)
    with _warehouse(configs) as session:
        if args.child == "sync":
            options = SyncOptions(download_streams=streams, stage_file_mb=args.stage_file_mb,
                                  max_records=args.max_records)  # fmt: skip
            result = _child_sync(args.base_url, session, options, args.incremental)
        else:
            describe = _client(args.base_url).describe("Account")
            page = page_size(args.max_records, args.rows, streams)  # the sync's page size
            result = floors(args.base_url, *CLIENT, describe, session, streams=streams,
                            page=page or args.max_records)  # fmt: skip
    print(json.dumps(result))  # noqa: T201 - the parent reads this line
    return 0


def _client(base: str) -> SalesforceClient:
    return SalesforceClient(Credentials(base, *CLIENT))


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


class _Phases(logging.Handler):
    """Reads the sync's own progress records: job wait and polls, when the pages arrived."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.job_wait_s, self.polls = 0.0, 0
        self.job_done = self.last_page = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        args: tuple[Any, ...] = record.args if isinstance(record.args, tuple) else ()
        if record.name == "lht.salesforce.bulk" and "poll(s)" in str(record.msg):
            self.job_wait_s, self.polls = float(args[2]), int(args[3])
            self.job_done = record.created
        elif record.name == "lht.salesforce.bulk_pages" and " page " in str(record.msg):
            self.last_page = max(self.last_page, record.created)


def _child_sync(base: str, session: Any, options: SyncOptions, incremental: bool) -> dict[str, Any]:
    client = _client(base)
    phases = _Phases()
    for name in ("lht.salesforce.bulk", "lht.salesforce.bulk_pages"):
        logging.getLogger(name).addHandler(phases)
        logging.getLogger(name).setLevel(logging.INFO)
    request = SyncRequest("Account", "RAW", "ACCOUNTS", options)
    cpu = _cpu_seconds()
    full = run_sync(session, client, request)
    cpu = _cpu_seconds() - cpu
    if not full["success"]:
        raise RuntimeError(full["error"])
    result = {"method": full["sync_method"], "seconds": full["sync_duration_seconds"],
              "api_calls": full["api_calls"], "rows": full["actual_records"],
              "files": full["files_staged"], "cpu_s": round(cpu, 2),
              "job_wait_s": phases.job_wait_s, "polls": phases.polls,
              "download_s": round(max(phases.last_page - phases.job_done, 0.0), 2)}  # fmt: skip
    if incremental:
        changed = max(1, full["actual_records"] // 100)
        body = {"sobject": "Account", "action": "update", "count": changed,
                "values": {"Name": "Changed by bench"}}  # fmt: skip
        requests.post(f"{base}/__emulator/mutate", json=body, timeout=_TIMEOUT).raise_for_status()
        again = run_sync(session, client, request)
        if not again["success"]:
            raise RuntimeError(again["error"])
        result["incremental_seconds"] = again["sync_duration_seconds"]
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
