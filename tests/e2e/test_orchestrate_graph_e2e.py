"""The local task-graph runner executes the generated graph on the embedded warehouse:
root, then the children (own Salesforce client each), then the finalizer. The stand-in allows
one session per database file, so the children run one after another here (see
lht.orchestrate.local_runner); the threaded path is covered by tests/unit/orchestrate."""

from __future__ import annotations

import json
import uuid

import pytest

from lht.orchestrate.config import list_config, set_config
from lht.orchestrate.graph import Compute, plan_graph
from lht.orchestrate.local_runner import run_graph
from lht.salesforce.auth import Credentials
from lht.salesforce.client import PollPolicy, RetryPolicy, SalesforceClient

OBJECTS = ("Account", "Contact", "Opportunity", "X__c", "Case")


@pytest.fixture
def client_factory(emu):
    def factory():
        creds = Credentials(emu.base_url, emu.client_id, emu.client_secret)
        return SalesforceClient(creds, sleeper=lambda _s: None,
                                retry=RetryPolicy(max_attempts=4, base_delay=0.0, max_delay=0.0),
                                poll=PollPolicy(initial=0.0, max_interval=0.0))  # fmt: skip

    return factory


def test_local_runner_executes_generated_graph(h, client_factory):
    group = f"G{uuid.uuid4().hex[:8].upper()}"
    for name in OBJECTS:
        set_config(h.session, name, h.schema, name.replace("__c", ""), group=group)
    set_config(h.session, "Lead", h.schema, "LEADS", group=group,
               options={"where_clause": "NoSuchField__c = 1"})  # fmt: skip
    graph = plan_graph(list_config(h.session, group), group=group, cron="0 * * * * UTC",
                       compute=Compute.parse("SERVERLESS"))  # fmt: skip
    run = run_graph(graph, session_factory=lambda: h.session, client_factory=client_factory)

    kinds = [n.kind for n in run.nodes]
    assert kinds == ["root"] + ["sync"] * 6 + ["finalize"]
    root, children, final = run.nodes[0], run.nodes[1:-1], run.nodes[-1]
    assert all(c.started >= root.ended and c.ended <= final.started for c in children)
    statuses = {c.result["target"]: c.result["status"] for c in children}
    assert statuses.pop(f"{h.schema}.LEADS") == "FAILED"
    assert set(statuses.values()) == {"SUCCESS"}
    for name in OBJECTS:
        assert h.differences(name, name.replace("__c", "")) == []
    assert (final.result["succeeded"], final.result["failed"]) == (5, 1)
    stored = h.session.sql('SELECT DETAILS FROM "LHT"."SYNC_GRAPH_RUNS" WHERE GRAPH_RUN_ID = ?',
                           params=[run.graph_run_id]).collect()  # fmt: skip
    assert json.loads(stored[0]["DETAILS"])[f"{h.schema}.ACCOUNT"] == "SUCCESS"
