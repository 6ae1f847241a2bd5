"""Bulk query speed of the emulator: ``python -m emulator.bench [--rows 1000000]``.

Starts ``python -m emulator`` in a subprocess with a virtual Account dataset, runs one Bulk 2.0
query job over all Bulk-queryable Account fields, and prints: the time until the job is
``JobComplete`` (the one-time render) and the emulator's CPU seconds for it (a figure that other
load on the machine does not inflate), the results download throughput over loopback (MB/s, all
pages, the way a client reads them; plain and gzip-encoded), and the emulator process's memory
(VmRSS before the job, VmHWM peak after the downloads), so flat memory can be checked. With
``--model-rate BYTES_PER_S`` it also downloads under the performance model (``bulk_model``): the
locator walk against five parallel ``resultPages`` streams. Not a test: it takes about a minute
for a million rows and loads both cores.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

API = "v62.0"
CLIENT_ID = "lht-local-client-id"
CLIENT_SECRET = "lht-local-client-secret"
TIMEOUT = 60.0


@dataclass(frozen=True)
class Download:
    pages: int
    records: int
    bytes: int
    seconds: float

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (robust to other load on the machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def start_emulator(port: int, rows: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "emulator", "--port", str(port), "--rows", f"Account={rows}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"emulator exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            requests.get(f"http://127.0.0.1:{port}/services/data/", timeout=2)
            return process
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("emulator did not start within 60 s")


def login(session: requests.Session, base: str) -> None:
    reply = session.post(
        f"{base}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=TIMEOUT,
    )
    reply.raise_for_status()
    session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"


def account_fields(session: requests.Session, base: str) -> list[str]:
    reply = session.get(f"{base}/services/data/{API}/sobjects/Account/describe", timeout=TIMEOUT)
    reply.raise_for_status()
    skip = {"address", "location", "base64"}
    return [f["name"] for f in reply.json()["fields"] if f["type"] not in skip]


def run_job(session: requests.Session, base: str, soql: str) -> tuple[str, float]:
    """Create the job and poll until JobComplete; returns (job id, seconds to complete)."""
    jobs = f"{base}/services/data/{API}/jobs/query"
    started = time.perf_counter()
    reply = session.post(jobs, json={"operation": "queryAll", "query": soql}, timeout=TIMEOUT)
    reply.raise_for_status()
    job_id = reply.json()["id"]
    while True:
        state = session.get(f"{jobs}/{job_id}", timeout=TIMEOUT).json()["state"]
        if state == "JobComplete":
            return job_id, time.perf_counter() - started
        if state in ("Failed", "Aborted"):
            raise RuntimeError(f"job {job_id} ended {state}")
        time.sleep(0.5)


def download(
    session: requests.Session, base: str, job_id: str, max_records: int | None, encoding: str
) -> Download:
    """Read every page like a client (1 MiB reads, gzip decoded); bytes = CSV bytes received."""
    url = f"{base}/services/data/{API}/jobs/query/{job_id}/results"
    headers = {"Accept-Encoding": encoding}
    locator, pages, records, size = "", 0, 0, 0
    started = time.perf_counter()
    while True:
        params = {k: v for k, v in (("locator", locator), ("maxRecords", max_records)) if v}
        with session.get(
            url, params=params, headers=headers, stream=True, timeout=TIMEOUT
        ) as reply:
            reply.raise_for_status()
            for chunk in reply.iter_content(chunk_size=1 << 20):
                size += len(chunk)
            records += int(reply.headers["Sforce-NumberOfRecords"])
            locator = reply.headers["Sforce-Locator"]
        pages += 1
        if locator == "null":
            return Download(pages, records, size, time.perf_counter() - started)


def parallel_download(
    session: requests.Session, base: str, job_id: str, size: int, streams: int
) -> Download:
    """Read every page through ``resultPages`` with ``streams`` concurrent downloads (gzip)."""
    url = f"{base}/services/data/{API}/jobs/query/{job_id}/resultPages"
    started = time.perf_counter()
    urls: list[str] = []
    listing = session.get(url, params={"maxRecords": size}, timeout=TIMEOUT).json()
    while True:
        urls += [base + page["resultUrl"] for page in listing["resultPages"]]
        if listing["done"]:
            break
        listing = session.get(base + listing["nextRecordsUrl"], timeout=TIMEOUT).json()

    def fetch(page_url: str) -> tuple[int, int]:
        with session.get(page_url, stream=True, timeout=TIMEOUT) as reply:
            reply.raise_for_status()
            size = sum(len(chunk) for chunk in reply.iter_content(chunk_size=1 << 20))
            return int(reply.headers["Sforce-NumberOfRecords"]), size

    with ThreadPoolExecutor(max_workers=streams) as pool:
        results = list(pool.map(fetch, urls))
    seconds = time.perf_counter() - started
    return Download(len(urls), sum(r for r, _ in results), sum(b for _, b in results), seconds)


def modelled(session: requests.Session, base: str, job_id: str, args: argparse.Namespace) -> str:
    """Downloads under the performance model: the locator walk vs 5 parallel streams."""
    knobs = {
        "bulk.model_first_byte_seconds": args.model_first_byte,
        "bulk.model_stream_bytes_per_second": args.model_rate,
        "bulk.model_max_streams": 5,
    }
    session.post(f"{base}/__emulator/options", json=knobs, timeout=TIMEOUT).raise_for_status()
    size = args.max_records or 50_000
    walk = download(session, base, job_id, size, "gzip, deflate")
    five = parallel_download(session, base, job_id, size, 5)
    return (
        f"model (first byte {args.model_first_byte} s, {args.model_rate / 1e6:g} MB/s per stream, "
        f"cap 5): 1 stream {walk.seconds:.1f} s, 5 streams {five.seconds:.1f} s "
        f"({walk.seconds / five.seconds:.1f}x), {five.pages} pages of {size} rows"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Account rows (default 1M)")
    parser.add_argument(
        "--max-records", type=int, default=None, help="page size (default: server's)"
    )
    parser.add_argument(
        "--model-rate",
        type=int,
        default=0,
        help="also download under the performance model at this many bytes/s per stream",
    )
    parser.add_argument(
        "--model-first-byte", type=float, default=0.5, help="model first-byte delay (s)"
    )
    args = parser.parse_args(argv)
    port = _free_port()
    process = start_emulator(port, args.rows)
    base = f"http://127.0.0.1:{port}"
    try:
        with requests.Session() as session:
            login(session, base)
            fields = account_fields(session, base)
            rss_before = _memory_kb(process.pid, "VmRSS")
            cpu_before = _cpu_seconds(process.pid)
            job_id, render_s = run_job(session, base, f"SELECT {', '.join(fields)} FROM Account")
            render_cpu = _cpu_seconds(process.pid) - cpu_before
            result = download(session, base, job_id, args.max_records, "identity")
            zipped = download(session, base, job_id, args.max_records, "gzip, deflate")
            peak = _memory_kb(process.pid, "VmHWM")
            rss_after = _memory_kb(process.pid, "VmRSS")
            model_line = modelled(session, base, job_id, args) if args.model_rate else ""
    finally:
        process.terminate()
        process.wait(timeout=30)
    rate = result.records / render_s if render_s else 0.0
    print(f"rows={result.records} fields={len(fields)} pages={result.pages} bytes={result.bytes}")
    print(f"render (create -> JobComplete): {render_s:.1f} s ({rate:,.0f} rows/s)")
    print(f"render CPU (emulator process, create -> JobComplete): {render_cpu:.1f} s")
    print(f"download, identity: {result.seconds:.2f} s = {result.mb_per_s:.0f} MB/s over loopback")
    print(
        f"download, gzip (requests' default Accept-Encoding, decoded by the client): "
        f"{zipped.seconds:.2f} s = {zipped.mb_per_s:.0f} MB/s of CSV"
    )
    print(f"emulator RSS before the job: {rss_before / 1024:.0f} MB")
    print(
        f"emulator RSS after download: {rss_after / 1024:.0f} MB (peak VmHWM {peak / 1024:.0f} MB)"
    )
    if model_line:
        print(model_line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
