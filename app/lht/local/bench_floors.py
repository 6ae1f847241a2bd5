"""The benchmark's floors: the least work any tool must do to move the same rows.

* **job + download**: one Bulk 2.0 ``queryAll`` job over the sync's SOQL, polled every 50 ms,
  and its result pages (same page size) read with plain ``requests`` as gzip bytes into temp
  files — ``streams`` at once through ``resultPages`` (one: the locator walk). No checks, no
  parsing.
* **put + COPY + typed load**: those files PUT to the stage, one COPY into an all-VARCHAR
  table, then the typed, deduplicated INSERT into a new table (the statements a first full
  sync must run to get typed rows; built with the same builders).

LHT ÷ (sum of both floors) is the benchmark's ratio: above 1 is LHT's own cost (checks, state,
locks, run rows, describe, COUNT), below 1 means LHT overlapped what the floors do in turn.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from lht.model import Column
from lht.salesforce.describe import SObjectDescribe
from lht.sync.plan import select_fields
from lht.warehouse import statements as sql
from lht.warehouse.identifiers import TableName
from lht.warehouse.runner import StatementRunner
from lht.warehouse.stage import StageWriter
from lht.warehouse.types import snowflake_type

__all__ = ["floors"]

API = "v62.0"
_TIMEOUT = 600.0
_CHUNK = 1 << 20


def floors(
    base: str, client_id: str, secret: str, describe: SObjectDescribe, session: Any, *,
    streams: int, page: int,
) -> dict[str, Any]:  # fmt: skip
    """Both floors, timed separately (the HTTP login and the describe are not timed)."""
    fields, _ = select_fields(describe, (), ())
    soql = f"SELECT {', '.join(f.name for f in fields)} FROM {describe.name}"
    with requests.Session() as http, tempfile.TemporaryDirectory(prefix="lht-floor-") as tmp:
        _login(http, base, client_id, secret)
        started = time.monotonic()
        job = _run_job(http, base, soql)
        job_s = time.monotonic() - started
        files = _download(http, f"{base}/services/data/{API}/jobs/query/{job}", page, streams,
                          Path(tmp))  # fmt: skip
        download_s = time.monotonic() - started - job_s
        columns = [Column(f.name, _type(f), f.type) for f in fields]
        size = sum(p.stat().st_size for p in files)
        load_s = _load(session, files, columns)
    return {"job_s": round(job_s, 3), "download_s": round(download_s, 3),
            "load_s": round(load_s, 3), "files": len(files), "bytes": size}  # fmt: skip


def _type(field: Any) -> str:
    found = snowflake_type(field.type, length=field.length, precision=field.precision,
                           scale=field.scale, digits=field.digits)  # fmt: skip
    return found or "VARCHAR"


def _login(http: requests.Session, base: str, client_id: str, secret: str) -> None:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    reply = http.post(f"{base}/services/oauth2/token", data=form, timeout=_TIMEOUT)
    reply.raise_for_status()
    http.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"


def _run_job(http: requests.Session, base: str, soql: str) -> str:
    jobs = f"{base}/services/data/{API}/jobs/query"
    reply = http.post(jobs, json={"operation": "queryAll", "query": soql}, timeout=_TIMEOUT)
    reply.raise_for_status()
    job: str = reply.json()["id"]
    while (state := http.get(f"{jobs}/{job}", timeout=_TIMEOUT).json()["state"]) != "JobComplete":
        if state in ("Failed", "Aborted"):
            raise RuntimeError(f"floor job {job} ended {state}")
        time.sleep(0.05)
    return job


def _download(
    http: requests.Session, job_url: str, page: int, streams: int, tmp: Path
) -> list[Path]:
    """Every page as gzip bytes into ``tmp``: ``streams`` at once, or the locator walk."""
    if streams == 1:
        return _walk(http, job_url, page, tmp)
    host = job_url.split("/services/", maxsplit=1)[0]
    urls: list[str] = []
    url: str | None = f"{job_url}/resultPages?maxRecords={page}"
    while url:
        listing = http.get(url, timeout=_TIMEOUT).json()
        urls += [host + entry["resultUrl"] for entry in listing["resultPages"]]
        url = None if listing["done"] else host + listing["nextRecordsUrl"]
    targets = [tmp / f"p{n:05d}.csv.gz" for n in range(len(urls))]
    with ThreadPoolExecutor(streams) as pool:
        saved = pool.map(lambda u, p: _save(http, u, None, p), urls, targets)
        return [path for path, _ in saved]


def _walk(http: requests.Session, job_url: str, page: int, tmp: Path) -> list[Path]:
    paths: list[Path] = []
    locator = ""
    while True:
        params = {"maxRecords": page, **({"locator": locator} if locator else {})}
        path, locator = _save(http, f"{job_url}/results", params, tmp / f"p{len(paths):05d}.csv.gz")
        paths.append(path)
        if locator in ("", "null"):
            return paths


def _save(http: requests.Session, url: str, params: Any, path: Path) -> tuple[Path, str]:
    gzip_only = {"Accept-Encoding": "gzip"}
    with http.get(url, params=params, stream=True, timeout=_TIMEOUT, headers=gzip_only) as reply:
        reply.raise_for_status()
        with path.open("wb") as out:
            for chunk in reply.raw.stream(_CHUNK, decode_content=False):
                out.write(chunk)
        return path, reply.headers.get("Sforce-Locator", "null")


def _load(session: Any, files: list[Path], columns: list[Column]) -> float:
    runner, stage = StatementRunner(session), StageWriter(session)
    raw, typed = TableName.of("LHT", "FLOOR_RAW"), TableName.of("LHT", "FLOOR_TYPED")
    started = time.monotonic()
    runner.run(sql.create_staging_table(raw, columns))
    for path in files:
        with path.open("rb") as handle:
            stage.put(f"floor/{path.name}", handle)
    runner.run(sql.copy_into_staging(raw, stage.stage_name, "floor"))
    runner.run(sql.create_table(typed, columns, if_not_exists=False))
    order = next((c for c in columns if c.name == "SystemModstamp"), None)
    runner.run(sql.insert_from_staging(typed, raw, columns, order=order))
    return time.monotonic() - started
