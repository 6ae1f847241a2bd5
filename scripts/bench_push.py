"""Benchmark: upsert N warehouse rows into the emulator's X__c through PUSH_SOBJECT's code path.

    .venv/bin/python scripts/bench_push.py                 # 25k, 50k, 100k rows
    .venv/bin/python scripts/bench_push.py --sizes 100000

Each size runs in a fresh process (so peak RSS is per size); the Salesforce emulator and the
local warehouse (fakesnow's server, with LHT's local patches) run in two other processes, so
the measured RSS is the push's own (Snowpark client + LHT). fakesnow answers a query with the
whole result in one response (real Snowflake serves result chunks), so the script first
reads the source once on its own and reports that growth separately from what the push adds
beyond it. Prints one JSON line per size: seconds, rows/s, jobs, peak RSS, both growths.
"""

# ruff: noqa: PLC0415  (each mode imports only what its process needs, after sys.path is set)
from __future__ import annotations

import argparse
import json
import resource
import socket
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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_warehouse(port: int) -> None:
    """Run fakesnow's server (with LHT's local patches) until killed."""
    sys.path[:0] = [str(ROOT / "app"), str(ROOT)]
    import fakesnow

    from lht.local import fakesnow_patch

    fakesnow_patch.apply()
    with fakesnow.server(port=port):
        while True:
            time.sleep(3600)


def _session(port: int) -> Any:
    from snowflake.snowpark import Session

    config = {"user": "fake", "password": "snow", "account": "fakesnow", "host": "127.0.0.1",
              "port": port, "protocol": "http", "network_timeout": 60,
              "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}}  # fmt: skip
    session = Session.builder.configs(config).create()
    for sql in ("CREATE DATABASE IF NOT EXISTS BENCH", "USE DATABASE BENCH",
                "CREATE SCHEMA IF NOT EXISTS BENCH.LHT", "USE SCHEMA BENCH.LHT",
                "CREATE STAGE IF NOT EXISTS BENCH.LHT.LHT_STAGE"):  # fmt: skip
        session.sql(sql).collect()
    return session


def run_one(rows: int, sf_port: int, wh_port: int) -> dict[str, object]:
    sys.path[:0] = [str(ROOT / "app"), str(ROOT)]
    from lht.push.service import push_sobject
    from lht.salesforce.auth import Credentials
    from lht.salesforce.bulk import PollPolicy
    from lht.salesforce.client import SalesforceClient

    creds = Credentials(f"http://127.0.0.1:{sf_port}", "lht-local-client-id",
                        "lht-local-client-secret")  # fmt: skip
    client = SalesforceClient(creds, poll=PollPolicy(initial=0.2, multiplier=1.5, max_interval=2))
    session = _session(wh_port)
    table = f"BENCH_X_{rows}"
    session.sql(
        f"CREATE OR REPLACE TABLE {table} AS SELECT 'bench ' || seq4() AS NAME, "
        "'BX-' || seq4() AS EXTERNAL_ID__C, 'text value ' || seq4() AS TEXT__C, "
        "CAST(seq4() * 1.25 AS NUMBER(16,2)) AS AMOUNT__C "
        f"FROM TABLE(GENERATOR(ROWCOUNT => {int(rows)}))"
    ).collect()
    before = _rss_mb()
    for _ in session.sql(f"SELECT * FROM {table}").to_local_iterator():
        pass  # the stand-in sends a whole result in one response: measure that alone first
    after_read = _rss_mb()
    start = time.perf_counter()
    out = push_sobject(session, client, "X__c", "upsert", table,
                       options={"external_id_field": "External_Id__c"})  # fmt: skip
    seconds = time.perf_counter() - start
    return {
        "rows": rows, "success": out["success"], "succeeded": out["succeeded"],
        "jobs": len(out["jobs"]), "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds), "peak_rss_mb": round(_rss_mb(), 1),
        "rss_growth_reading_source_mb": round(after_read - before, 1),
        "rss_growth_push_beyond_read_mb": round(_rss_mb() - after_read, 1), "error": out["error"],
    }  # fmt: skip


def _start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(port)
    return proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-warehouse", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_warehouse:
        serve_warehouse(args.serve_warehouse)
        return 0
    if args.one:
        sf_port, wh_port = (int(p) for p in args.ports.split(","))
        print(json.dumps(run_one(args.one, sf_port, wh_port)), flush=True)
        return 0
    sf_port, wh_port = _free_port(), _free_port()
    procs = [
        _start([sys.executable, "-m", "emulator", "--port", str(sf_port), "--rows", "X__c=0"],
               sf_port),
        _start([sys.executable, __file__, "--serve-warehouse", str(wh_port)], wh_port),
    ]  # fmt: skip
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            subprocess.run([sys.executable, __file__, "--one", str(size), "--ports",
                            f"{sf_port},{wh_port}"], check=True, cwd=ROOT)  # fmt: skip
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
