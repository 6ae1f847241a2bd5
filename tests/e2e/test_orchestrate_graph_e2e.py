"""The local task-graph runner executes the generated graph on the embedded warehouse:
root, then the children (own Salesforce client each), then the finalizer: one child after another
on the test's session, and in parallel threads on sessions of their own from the LocalWarehouse
(lht.orchestrate.local_runner, lht.local.fakesnow_patch)."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest

from lht.local.verify import warehouse_rows
from lht.orchestrate.config import list_config, set_config
from lht.orchestrate.graph import Compute, plan_graph
from lht.orchestrate.local_runner import run_graph
from lht.salesforce.auth import Credentials
from lht.salesforce.client import PollPolicy, RetryPolicy, SalesforceClient

OBJECTS = ("Account", "Contact", "Opportunity", "X__c", "Case")
TABLES = tuple(name.replace("__c", "").upper() for name in OBJECTS)


@pytest.fixture
def client_factory(emu):
    def factory():
        creds = Credentials(emu.base_url, emu.client_id, emu.client_secret)
        return SalesforceClient(creds, sleeper=lambda _s: None,
                                retry=RetryPolicy(max_attempts=4, base_delay=0.0, max_delay=0.0),
                                poll=PollPolicy(min_interval=0.0, max_interval=0.0))  # fmt: skip

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


def test_local_runner_parallel_children_on_own_sessions_match_sequential_run(
    h, client_factory, local_warehouse, runner
):
    """Children run in threads, each on its own session of the one embedded database, overlap in
    time, and leave the same tables and statuses as the same graph run one child at a time."""
    results = {}
    for mode in ("parallel", "sequential"):
        schema = h.schema if mode == "parallel" else f"{h.schema}_SEQ"
        if mode == "sequential":
            h.session.sql(f'CREATE SCHEMA "{schema}"').collect()
        group = f"G{uuid.uuid4().hex[:8].upper()}"
        for name in OBJECTS:
            set_config(h.session, name, schema, name.replace("__c", ""), group=group)
        graph = plan_graph(list_config(h.session, group), group=group, cron="0 * * * * UTC",
                           compute=Compute.parse("SERVERLESS"))  # fmt: skip
        if mode == "parallel":
            run = run_graph(graph, sessions=local_warehouse, client_factory=client_factory)
        else:
            run = run_graph(graph, session_factory=lambda: h.session, client_factory=client_factory)
        children = run.nodes[1:-1]
        results[mode] = (
            run,
            {c.result["target"].split(".")[1]: c.result["status"] for c in children},
            {t: warehouse_rows(h.session, schema, t) for t in TABLES},
        )

    parallel, sequential = results["parallel"], results["sequential"]
    root, children, final = parallel[0].nodes[0], parallel[0].nodes[1:-1], parallel[0].nodes[-1]
    assert all(c.started >= root.ended and c.ended <= final.started for c in children)
    assert len({c.thread for c in children}) == len(OBJECTS)
    assert max(c.started for c in children) < min(c.ended for c in children)  # all overlapped
    kids = sequential[0].nodes[1:-1]
    assert all(a.ended <= b.started for a, b in itertools.pairwise(kids))
    assert parallel[1] == sequential[1] == dict.fromkeys(TABLES, "SUCCESS")
    assert parallel[2] == sequential[2]
    assert all(parallel[2][t] for t in TABLES)
    for name in OBJECTS:
        assert h.differences(name, name.replace("__c", "")) == []
    summary = parallel[0].nodes[-1].result
    assert (summary["succeeded"], summary["failed"]) == (5, 0)
