"""#11 "Show it": every fault kind the emulator has (its own registry, ``emulator.core.faults.
KINDS``) against every extraction step of a sync. Each run ends either in exact equality with
Salesforce or FAILED with the table and watermark unchanged; never RUNNING. Collections (push)
is not in this matrix yet."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import FaultRule
from emulator.core.faults import KINDS

BULK = {"bulk_api_threshold": 1, "stage_threshold": 2, "max_records": 40}
#: step → (path regex, method, sync options)
STEPS = {
    "token": ("/oauth2/token", None, {}),
    "describe": ("/describe", None, {}),
    "rest-page": ("/queryAll", None, {}),
    "job-create": ("/jobs/query$", "POST", BULK),
    "job-poll": ("/jobs/query/[^/]+$", "GET", BULK),
    "bulk-page": ("/results", None, BULK),
}
#: kind → the rule's extra fields (one occurrence, small enough to keep the matrix fast)
FAULTS: dict[str, dict[str, Any]] = {
    "status": {"status": 503},
    "error": {"status": 500},
    "session": {},
    "limit": {},
    "truncate": {"after_bytes": 60},
    "slow": {"delay": 0.05},
    "reset": {},
}


def test_every_emulator_fault_kind_is_in_the_matrix() -> None:
    assert set(FAULTS) == set(KINDS)


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_e2e_fault_ends_in_equality_or_unchanged_failure(emu, h, kind, step):
    path, method, options = STEPS[step]
    assert h.sync("Account", "accounts", **options)["success"]
    emu.org.update("Account", sorted(h.rows("accounts"))[0], {"Name": "After the fault"})
    before = h.rows("accounts"), [(r["WATERMARK"], r["LAST_RUN_ID"]) for r in h.state("accounts")]
    emu.org.faults.add(FaultRule(kind=kind, path=path, method=method, **FAULTS[kind]))
    if step == "token":  # the client holds a token: one 401 makes it ask for a new one
        emu.org.faults.add(FaultRule(kind="session", path="/describe"))

    result = h.sync("Account", "accounts", force_full_sync=False, **options)

    assert emu.org.faults.list()[0]["fired"] == 1, "the fault never fired"
    statuses = [r["STATUS"] for r in h.runs("accounts")]
    assert "RUNNING" not in statuses
    if result["success"]:
        assert h.differences("Account", "accounts") == []
    else:
        assert result["error"] and statuses[-1] == "FAILED"
        after = (
            h.rows("accounts"),
            [(r["WATERMARK"], r["LAST_RUN_ID"]) for r in h.state("accounts")],
        )
        assert after == before
