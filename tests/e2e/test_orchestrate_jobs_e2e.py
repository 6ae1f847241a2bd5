"""Bulk job administration against the emulator: list, abort, clean up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lht.errors import ConfigError, SalesforceError
from lht.orchestrate.jobs import abort_job, cleanup_jobs, list_jobs


def _jobs(client):
    query = client.bulk_query("SELECT Id FROM Account")  # completes, never deleted here
    first = client.ingest_job("Account", "insert")  # Open
    second = client.ingest_job("Contact", "insert")  # Open
    return query.id, first.id, second.id


def test_jobs_list_abort_and_cleanup(client, emu):
    query_id, ingest_a, ingest_b = _jobs(client)
    rows = {r["id"]: r for r in list_jobs(client)}
    assert (rows[query_id]["kind"], rows[query_id]["state"]) == ("query", "JobComplete")
    assert (rows[ingest_a]["kind"], rows[ingest_a]["state"]) == ("ingest", "Open")
    assert rows[ingest_b]["object"] == "Contact" and rows[ingest_b]["age_hours"] >= 0

    aborted = abort_job(client, ingest_a)
    assert aborted["state"] == "Aborted"
    assert {r["id"]: r["state"] for r in list_jobs(client, "ingest")}[ingest_a] == "Aborted"
    with pytest.raises(SalesforceError):
        abort_job(client, ingest_a)  # already aborted: Salesforce refuses
    with pytest.raises(ConfigError):
        abort_job(client, "7500000000NOPE")

    now = emu.org.clock.now()
    assert cleanup_jobs(client, 1, clock=lambda: now) == []  # all younger than an hour
    done = cleanup_jobs(client, 1, clock=lambda: now + timedelta(hours=2))
    actions = {r["id"]: (r["action"], r["error"]) for r in done}
    assert actions == {
        query_id: ("deleted", None),
        ingest_a: ("deleted", None),
        ingest_b: ("aborted+deleted", None),
    }
    assert list_jobs(client) == []


def test_cleanup_rejects_negative_age(client):
    with pytest.raises(ConfigError):
        cleanup_jobs(client, -1)
