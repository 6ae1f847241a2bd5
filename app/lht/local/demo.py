"""``python -m lht.local.demo``: LHT end to end on one machine, no accounts needed.

Starts the Salesforce emulator (in-process, HTTP on 127.0.0.1) and the embedded warehouse,
points the procedure's secret at the emulator (env ``LHT_SECRET_SALESFORCE_OAUTH``), then:

1. syncs Account, Contact, Opportunity and X__c (sizes chosen so several methods run);
2. changes data in the emulator: updates, inserts, soft deletes, hard deletes and a new field;
3. syncs again (incremental), then force-full-syncs Account (the only way to see hard deletes);
4. prints what each run did and checks every column of every row against the emulator's REST
   API (an independent read path). Exit code 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from emulator import Emulator, FieldDef
from lht.local.runtime import LocalWarehouse
from lht.local.verify import RestReader, compare_rows, warehouse_rows
from lht.sync.options import SyncOptions, SyncRequest
from lht.sync.service import client_from_secret, run_sync
from lht.warehouse.runner import StatementRunner
from lht.warehouse.statements import create_schema

__all__ = ["main"]

DATASETS = {"Account": 60_000, "Contact": 5_000, "Opportunity": 800, "X__c": 400}
#: The default thresholds (Account → bulk_api_stage, Contact → bulk_api, others → regular_api).
THRESHOLDS: dict[str, Any] = {"bulk_api_threshold": 1_000, "stage_threshold": 50_000}
TARGETS = {"Account": "ACCOUNTS", "Contact": "CONTACTS", "Opportunity": "OPPORTUNITIES",
           "X__c": "X_OBJECTS"}  # fmt: skip
SCHEMA = "RAW"
Out = Callable[[str], None]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _quiet_logs(args.verbose)
    out: Out = print
    scratch = None if args.data_dir else tempfile.TemporaryDirectory(prefix="lht-demo-")
    data_dir = args.data_dir or (scratch.name if scratch else ".lht")
    emu = Emulator(seed=args.seed, datasets=_scaled(args.scale)).start()
    try:
        os.environ["LHT_SECRET_SALESFORCE_OAUTH"] = json.dumps(
            {
                "login_url": emu.base_url,
                "client_id": emu.client_id,
                "client_secret": emu.client_secret,
            }
        )
        with LocalWarehouse(data_dir=data_dir) as wh:
            _quiet_logs(args.verbose)  # again: the server configures its loggers on start
            return _run(emu, wh.session, out)
    finally:
        emu.stop()
        if scratch is not None:
            scratch.cleanup()


def _quiet_logs(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    if not verbose:  # the stand-in's server chatter and its known REMOVE gap are not news here
        for name in ("fakesnow", "fakesnow.server", "uvicorn", "uvicorn.error", "sqlglot",
                     "lht.warehouse.stage", "snowflake"):  # fmt: skip
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lht.local.demo", description=__doc__)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the dataset sizes")
    parser.add_argument("--data-dir", help="keep the warehouse here (default: a temp dir)")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def _scaled(scale: float) -> dict[str, int]:
    return {name: max(10, int(count * scale)) for name, count in DATASETS.items()}


def _run(emu: Emulator, session: Any, out: Out) -> int:
    # The first sync would create it too; created up front so the demo's checks can run.
    StatementRunner(session).run(create_schema(SCHEMA))
    client = client_from_secret()
    results: list[tuple[str, dict[str, Any]]] = []
    out(f"Salesforce emulator at {emu.base_url}; warehouse: embedded (fakesnow)")
    out(f"thresholds: {THRESHOLDS}\n")
    for sobject in TARGETS:  # full even when --data-dir kept tables: the emulator starts afresh
        results.append(("1 initial", _sync(session, client, sobject, force_full_sync=True)))
    out("Changing data in the emulator: " + _mutate(emu))
    for sobject in TARGETS:
        results.append(("2 incremental", _sync(session, client, sobject)))
    results.append(("3 force full", _sync(session, client, "Account", force_full_sync=True)))
    _print_table(results, out)
    return _verify(emu, session, out) if all(r["success"] for _, r in results) else 1


def _sync(session: Any, client: Any, sobject: str, **options: Any) -> dict[str, Any]:
    opts = SyncOptions.from_mapping({**THRESHOLDS, **options})
    request = SyncRequest(sobject, SCHEMA, TARGETS[sobject], opts)
    return run_sync(session, client, request)


def _mutate(emu: Emulator) -> str:
    org = emu.org
    accounts = _ids(emu, "Account", 400)
    for n, rid in enumerate(accounts[:200]):
        org.update("Account", rid, {"Name": f"Renamed account {n}", "AnnualRevenue": 1000 + n})
    for n in range(50):
        org.insert("Account", {"Name": f"New account {n}"})
    for rid in accounts[200:230]:
        org.delete("Account", rid)
    for rid in accounts[230:240]:
        org.delete("Account", rid, hard=True)
    org.add_field("Account", FieldDef("Region__c", "string", "Region", length=40, custom=True))
    for rid in accounts[240:300]:
        org.update("Account", rid, {"Region__c": "EMEA"})
    for rid in _ids(emu, "Contact", 40):
        org.update("Contact", rid, {"LastName": "Updated"})
    opportunities = _ids(emu, "Opportunity", 30)
    for rid in opportunities[:20]:
        org.update("Opportunity", rid, {"Amount": 12345.67})
    for rid in opportunities[20:]:
        org.delete("Opportunity", rid)
    return (
        "200 Account updates, 50 inserts, 30 soft + 10 hard deletes, new field Region__c "
        "on 60 rows; 40 Contact updates; 20 Opportunity updates, 10 soft deletes\n"
    )


def _ids(emu: Emulator, sobject: str, count: int) -> list[str]:
    data = emu.org.data(sobject)
    found: list[str] = []
    for index in data.indices():
        found.append(data.make_id(index))
        if len(found) == count:
            break
    return found


def _print_table(results: list[tuple[str, dict[str, Any]]], out: Out) -> None:
    header = f"{'round':<14}{'object':<13}{'method':<28}{'rows':>8}{'ins':>7}{'upd':>7}"
    out(header + f"{'del':>6}{'seconds':>9}  status")
    for round_name, r in results:
        status = "ok" if r["success"] else f"FAILED: {r['error']}"
        counts = f"{r['rows_inserted']:>7}{r['rows_updated']:>7}{r['rows_deleted']:>6}"
        out(
            f"{round_name:<14}{r['sobject']:<13}{r['sync_method']:<28}{r['actual_records']:>8}"
            f"{counts}{r['sync_duration_seconds']:>9.2f}  {status}"
        )
    out("")


def _verify(emu: Emulator, session: Any, out: Out) -> int:
    reader = RestReader(emu.base_url, emu.client_id, emu.client_secret)
    failures = 0
    for sobject, table in TARGETS.items():
        started = time.monotonic()
        specs = reader.fields(sobject)
        sf_rows = reader.rows(sobject, [s.name for s in specs])
        problems = compare_rows(specs, sf_rows, warehouse_rows(session, SCHEMA, table))
        verdict = "EQUAL" if not problems else f"{len(problems)} DIFFERENCES"
        out(f"verify {sobject:<12} {len(sf_rows):>7} Salesforce rows x {len(specs):>3} columns: "
            f"{verdict} ({time.monotonic() - started:.1f}s)")  # fmt: skip
        for line in problems[:5]:
            out(f"    {line}")
        failures += bool(problems)
    out("\nwarehouse equals the emulator's data" if not failures else "\nMISMATCH")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
