"""Benchmark: upsert N warehouse rows into the emulator's X__c through PUSH_SOBJECT's code path.

    .venv/bin/python scripts/bench_push.py                 # 25k, 50k, 100k rows
    .venv/bin/python scripts/bench_push.py --sizes 100000 --repeat 3   # + medians

Each size runs in a fresh process (so peak RSS is per size); the Salesforce emulator and the
local warehouse (fakesnow's server, with LHT's local patches) run in two other processes, so
the measured RSS is the push's own (Snowpark client + LHT). fakesnow answers a query with the
whole result in one response (real Snowflake serves result chunks), so the script first
reads the source once on its own (its seconds: ``read s``) and reports that growth separately
from what the push adds beyond it. Per size, in the same process and against the same
emulator, the plain-ingest floor is measured too: the same CSV in one upsert job (create,
upload, close, polled every 50 ms: ``ingest``), then its three result files read raw
(``results``); ``LHT/fl`` = push seconds ÷ (ingest + results). Prints one row per size: push
seconds, the floor, the ratio, jobs, CPU seconds and peak RSS of the pushing process.
"""

# ruff: noqa: PLC0415  (each mode imports only what its process needs, after sys.path is set)
from __future__ import annotations

import argparse
import json
import logging
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"emulator did not start on port {port}")


CLIENT = ("lht-local-client-id", "lht-local-client-secret")
TERMINAL = ("JobComplete", "Failed", "Aborted")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_warehouse() -> None:
    """Run the stand-in server (LHT's patched fakesnow) until stdin closes; the first line out
    is its connect kwargs (JSON)."""
    sys.path[:0] = [str(ROOT / "app"), str(ROOT)]
    from lht.local.runtime import standin_server

    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # fakesnow's parser notes, not errors
    with standin_server() as configs:
        print(json.dumps(configs), flush=True)
        sys.stdin.read()


def _session(configs: dict[str, Any]) -> Any:
    from snowflake.snowpark import Session

    session = Session.builder.configs(configs).create()
    for sql in ("CREATE DATABASE IF NOT EXISTS BENCH", "USE DATABASE BENCH",
                "CREATE SCHEMA IF NOT EXISTS BENCH.LHT", "USE SCHEMA BENCH.LHT",
                "CREATE STAGE IF NOT EXISTS BENCH.LHT.LHT_STAGE"):  # fmt: skip
        session.sql(sql).collect()
    return session


def run_one(rows: int, sf_port: int, configs: dict[str, Any]) -> dict[str, object]:
    sys.path[:0] = [str(ROOT / "app"), str(ROOT)]
    from lht.push.service import push_sobject
    from lht.salesforce.auth import Credentials
    from lht.salesforce.bulk import PollPolicy
    from lht.salesforce.client import SalesforceClient

    base = f"http://127.0.0.1:{sf_port}"
    client = SalesforceClient(Credentials(base, *CLIENT),
                              poll=PollPolicy(min_interval=0.2, max_interval=2))  # fmt: skip
    session = _session(configs)
    table = f"BENCH_X_{rows}"
    session.sql(
        f"CREATE OR REPLACE TABLE {table} AS SELECT 'bench ' || seq4() AS NAME, "
        f"'BX{rows}-' || seq4() AS EXTERNAL_ID__C, 'text value ' || seq4() AS TEXT__C, "
        "CAST(seq4() * 1.25 AS NUMBER(16,2)) AS AMOUNT__C "
        f"FROM TABLE(GENERATOR(ROWCOUNT => {int(rows)}))"
    ).collect()
    before = _rss_mb()
    started = time.monotonic()
    for _ in session.sql(f"SELECT * FROM {table}").to_local_iterator():
        pass  # the stand-in sends a whole result in one response: measure that alone first
    read_s = time.monotonic() - started
    after_read = _rss_mb()
    floor = _floor(base, rows)
    cpu = _cpu_seconds()
    start = time.perf_counter()
    out = push_sobject(session, client, "X__c", "upsert", table,
                       options={"external_id_field": "External_Id__c"})  # fmt: skip
    seconds = time.perf_counter() - start
    return {
        "rows": rows, "success": out["success"], "succeeded": out["succeeded"],
        "jobs": len(out["jobs"]), "seconds": round(seconds, 2),
        "cpu_s": round(_cpu_seconds() - cpu, 2), "source_read_s": round(read_s, 2), **floor,
        "rows_per_s": round(rows / seconds), "peak_rss_mb": round(_rss_mb(), 1),
        "rss_growth_reading_source_mb": round(after_read - before, 1),
        "rss_growth_push_beyond_read_mb": round(_rss_mb() - after_read, 1), "error": out["error"],
    }  # fmt: skip


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _floor(base: str, rows: int) -> dict[str, float]:
    """The plain-ingest floor: the same CSV (other keys, so it inserts as the push does) in
    one upsert job — create, upload, close, polled every 50 ms — then its three result files
    read raw. No source read, no rendering, no checks, nothing recorded."""
    import requests

    body = "Name,External_Id__c,Text__c,Amount__c\n" + "".join(
        f"bench {i},FX{rows}-{i},text value {i},{i * 1.25:.2f}\n" for i in range(rows)
    )
    with requests.Session() as http:
        form = {"grant_type": "client_credentials", "client_id": CLIENT[0],
                "client_secret": CLIENT[1]}  # fmt: skip
        token = http.post(f"{base}/services/oauth2/token", data=form, timeout=60).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        jobs = f"{base}/services/data/v62.0/jobs/ingest"
        started = time.monotonic()
        spec = {"object": "X__c", "operation": "upsert", "externalIdFieldName": "External_Id__c",
                "contentType": "CSV", "lineEnding": "LF"}  # fmt: skip
        job = http.post(jobs, json=spec, timeout=60).json()["id"]
        http.put(f"{jobs}/{job}/batches", data=body.encode(), timeout=600,
                 headers={"Content-Type": "text/csv"}).raise_for_status()  # fmt: skip
        http.patch(f"{jobs}/{job}", json={"state": "UploadComplete"}, timeout=60)
        while http.get(f"{jobs}/{job}", timeout=600).json()["state"] not in TERMINAL:
            time.sleep(0.05)
        ingest_s = time.monotonic() - started
        for name in ("successfulResults", "failedResults", "unprocessedrecords"):
            http.get(f"{jobs}/{job}/{name}", timeout=600).raise_for_status()
        results_s = time.monotonic() - started - ingest_s
    return {"floor_ingest_s": round(ingest_s, 2), "floor_results_s": round(results_s, 2)}


def _start_emulator(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "emulator", "--port", str(port), "--rows", "X__c=0"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(port)
    return proc


def _start_warehouse() -> tuple[subprocess.Popen[bytes], str]:
    command = [sys.executable, __file__, "--serve-warehouse"]
    proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    configs = proc.stdout.readline().decode().strip()
    if not configs:
        raise SystemExit(f"the stand-in process exited with code {proc.wait(30)}")
    return proc, configs


def _push(size: int, sf_port: int, configs: str) -> dict[str, Any] | None:
    """One size in a fresh process; its row, or None when it failed or did not succeed."""
    command = [sys.executable, __file__, "--one", str(size), "--port", str(sf_port),
               "--warehouse", configs]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, check=False)
    line = done.stdout.decode().strip().splitlines()[-1:] or ["{}"]
    row: dict[str, Any] = json.loads(line[0])
    if done.returncode != 0 or row.get("success") is not True:
        print(f"{size:>9} failed: {line[0][-300:]}", flush=True)
        return None
    row["ratio"] = row["seconds"] / (row["floor_ingest_s"] + row["floor_results_s"])
    _print_row(str(size), row)
    return row


def _print_row(label: str, row: dict[str, Any]) -> None:
    print(f"{label:>9}{row['seconds']:>8.2f}{row['floor_ingest_s']:>8.2f}"
          f"{row['floor_results_s']:>9.2f}{row['ratio']:>8.2f}{row['jobs']:>6}"
          f"{row['cpu_s']:>7.2f}{row['peak_rss_mb']:>8.0f}{row['source_read_s']:>8.2f}",
          flush=True)  # fmt: skip


def _median_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per number, the median over the runs of one size."""
    return {key: statistics.median(r[key] for r in rows) for key in (
        "seconds", "floor_ingest_s", "floor_results_s", "ratio", "jobs", "cpu_s",
        "peak_rss_mb", "source_read_s")}  # fmt: skip


def _size(size: int, repeat: int, sf_port: int, configs: str) -> bool:
    """``repeat`` runs of one size (each its own process, push and floor interleaved), then
    their medians when there was more than one; False when any run failed."""
    rows = [_push(size, sf_port, configs) for _ in range(repeat)]
    done = [r for r in rows if r is not None]
    if repeat > 1 and done:
        _print_row("median", _median_row(done))
    return len(done) == repeat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (then medians)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-warehouse", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_warehouse:
        serve_warehouse()
        return 0
    if args.one:
        print(json.dumps(run_one(args.one, args.port, json.loads(args.warehouse))), flush=True)
        return 0
    sf_port = _free_port()
    emulator = _start_emulator(sf_port)
    warehouse = None
    try:
        warehouse, configs = _start_warehouse()
        print(f"{'rows':>9}{'LHT s':>8}{'ingest':>8}{'results':>9}{'LHT/fl':>8}{'jobs':>6}"
              f"{'CPU s':>7}{'RSS MB':>8}{'read s':>8}", flush=True)  # fmt: skip
        results = [_size(int(s), args.repeat, sf_port, configs) for s in args.sizes.split(",")]
    finally:
        for proc in (p for p in (warehouse, emulator) if p is not None):
            proc.terminate()
            proc.wait(timeout=30)
    return 0 if all(results) else 1  # a failed size must fail the bench (CI runs it small)


if __name__ == "__main__":
    raise SystemExit(main())
