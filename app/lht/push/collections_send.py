"""The sObject Collections path of a push (≤ 200 rows): one REST call, results in order.

JSON records carry typed values; NULL is omitted (field unchanged) or sent as ``null`` with
``clear_nulls``. Relationship columns become nested parent references
(``{"Account": {"Ext__c": "A1"}}``). Rows that failed with ``UNABLE_TO_LOCK_ROW`` are sent
once more. hardDelete has no Collections form and always goes through Bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lht.push.plan import PushPlan
from lht.push.ports import PushSalesforce
from lht.push.render import render_json_value
from lht.push.results import ResultRow, collection_results, is_lock_error

__all__ = ["COLLECTION_OPERATIONS", "send_collections", "to_record"]

COLLECTION_OPERATIONS = frozenset({"insert", "update", "upsert", "delete"})


def to_record(plan: PushPlan, values: Sequence[Any]) -> dict[str, Any]:
    """One source row as a Collections record (without ``attributes``)."""
    record: dict[str, Any] = {}
    match_index = plan.columns.match_index
    for i, (mapping, value) in enumerate(zip(plan.columns.mappings, values, strict=True)):
        clear = plan.options.clear_nulls and i != match_index
        rendered = render_json_value(value, clear, mapping.source)
        if rendered is ...:
            continue
        type_prefix, _, path = mapping.header.rpartition(":")
        relationship, dot, parent_field = path.partition(".")
        if not dot:
            record[mapping.header] = rendered
            continue
        parent: dict[str, Any] = {parent_field: rendered}
        if type_prefix:
            parent = {"attributes": {"type": type_prefix}, **parent}
        record[relationship] = parent
    return record


def send_collections(
    plan: PushPlan,
    sf: PushSalesforce,
    rows: Sequence[Sequence[Any]],
    keys: Sequence[str | None],
) -> tuple[list[ResultRow], int]:
    """Send ``rows``; returns (one result per row, number of rows retried after a lock).

    Rows without a match key (NULL ``Id`` / external id) are not sent: Collections refuses
    the whole request for one such record, so they fail here, each with its own result."""
    results: list[ResultRow | None] = [None] * len(rows)
    if plan.operation != "insert":
        for i, key in enumerate(keys):
            if key is None:
                results[i] = _missing_key(plan)
    pending = [i for i, r in enumerate(results) if r is None]
    retried = 0
    for attempt in range(2):
        if not pending:
            break
        answers = _call(plan, sf, [rows[i] for i in pending], [keys[i] for i in pending])
        for index, answer in zip(pending, answers, strict=True):
            results[index] = answer
        pending = [i for i in pending if _locked(results[i])] if attempt == 0 else []
        retried = max(retried, len(pending))
    return [r for r in results if r is not None], retried


def _locked(result: ResultRow | None) -> bool:
    return result is not None and result.outcome == "failed" and is_lock_error(result.error)


def _missing_key(plan: PushPlan) -> ResultRow:
    field = plan.match_field or "Id"
    return ResultRow(
        source_key=None, salesforce_id=None, created=None, outcome="failed",
        error=f"LHT_MISSING_KEY:{field} is empty; row not sent:{field} --", job_id=None,
    )  # fmt: skip


def _call(
    plan: PushPlan, sf: PushSalesforce, rows: Sequence[Sequence[Any]], keys: Sequence[str | None]
) -> list[ResultRow]:
    operation, sobject = plan.operation, plan.sobject
    if operation == "delete":
        answers = sf.collection_delete([str(r[0]) for r in rows])
    else:
        records = [to_record(plan, r) for r in rows]
        if operation == "insert":
            answers = sf.collection_create(sobject, records)
        elif operation == "update":
            answers = sf.collection_update(sobject, records)
        else:
            answers = sf.collection_upsert(sobject, plan.external_id_field or "Id", records)
    return collection_results(answers, keys, operation)
