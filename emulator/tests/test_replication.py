"""GET .../updated and .../deleted (data replication), the delete log and its knobs,
hard-delete-only objects, and formula values that change without SystemModstamp moving."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from emulator import Emulator
from emulator.tests.helpers import API, Client

SOBJ = f"{API}/sobjects"


def _at_minute(emu: Emulator) -> datetime:
    """Freeze the org clock on a whole minute (and keep tokens valid across clock jumps)."""
    emu.org.options.set("auth.token_ttl_seconds", 0)
    emu.org.clock.freeze(True)
    emu.org.clock.set(emu.org.clock.now().replace(second=0, microsecond=0))
    return emu.org.clock.now()


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def _deleted(client: Client, sobject: str, start: datetime, end: datetime) -> Any:
    return client.get(f"{SOBJ}/{sobject}/deleted/", params=_window(start, end))


def _ids(client: Client, soql: str, resource: str = "query") -> list[str]:
    return [r["Id"] for r in client.query(soql, resource).json()["records"]]


def _error(reply: Any) -> tuple[int, str]:
    return reply.status_code, reply.json()[0]["errorCode"]


def test_deleted_lists_soft_and_hard_deletes_with_their_dates(
    emu: Emulator, client: Client
) -> None:
    start = _at_minute(emu)
    soft, hard = _ids(client, "SELECT Id FROM Account ORDER BY Name LIMIT 2")
    emu.org.clock.advance(30)
    client.delete(f"{SOBJ}/Account/{soft}")
    emu.org.clock.advance(60)
    emu.org.delete("Account", hard, hard=True)
    emu.org.clock.advance(60)
    body = _deleted(client, "Account", start, emu.org.clock.now()).json()
    assert list(body) == ["deletedRecords", "earliestDateAvailable", "latestDateCovered"]
    assert body["deletedRecords"] == [
        {
            "id": soft,
            "deletedDate": (start + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        },
        {
            "id": hard,
            "deletedDate": (start + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        },
    ]
    earliest = emu.org.clock.now().replace(second=0) - timedelta(days=15)
    assert body["earliestDateAvailable"] == earliest.strftime("%Y-%m-%dT%H:%M:00.000+0000")
    assert body["latestDateCovered"] == emu.org.clock.now().strftime("%Y-%m-%dT%H:%M:00.000+0000")
    assert hard not in _ids(client, f"SELECT Id FROM Account WHERE Id = '{hard}'", "queryAll")


def test_deleted_window_is_minute_truncated_and_end_must_follow_start(
    emu: Emulator, client: Client
) -> None:
    start = _at_minute(emu)
    record = _ids(client, "SELECT Id FROM Account LIMIT 1")[0]
    emu.org.clock.advance(90)
    client.delete(f"{SOBJ}/Account/{record}")  # at start + 1:30
    emu.org.clock.advance(120)
    before = _deleted(client, "Account", start, start + timedelta(seconds=89)).json()
    assert before["deletedRecords"] == []  # end 1:29 is truncated to 1:00
    inside = _deleted(
        client, "Account", start + timedelta(seconds=59), start + timedelta(seconds=150)
    )
    assert [d["id"] for d in inside.json()["deletedRecords"]] == [record]
    same_minute = _deleted(client, "Account", start, start + timedelta(seconds=30))
    assert _error(same_minute) == (400, "INVALID_REPLICATION_DATE")


def test_delete_log_keeps_fifteen_days_and_rejects_an_older_start(
    emu: Emulator, client: Client
) -> None:
    start = _at_minute(emu)
    record = _ids(client, "SELECT Id FROM Contact LIMIT 1")[0]
    client.delete(f"{SOBJ}/Contact/{record}")
    emu.org.clock.advance(14 * 86400)
    now = emu.org.clock.now()
    assert [d["id"] for d in _deleted(client, "Contact", start, now).json()["deletedRecords"]] == [
        record
    ]
    emu.org.clock.advance(2 * 86400)
    now = emu.org.clock.now()
    too_old = _deleted(client, "Contact", start, now)
    assert _error(too_old) == (400, "INVALID_REPLICATION_DATE")
    assert too_old.json()[0]["message"] == "startDate before org replication enabled date"
    recent = _deleted(client, "Contact", now - timedelta(days=15), now).json()
    assert recent["deletedRecords"] == []
    assert emu.org.data("Contact").delete_log == {}  # expired entries are dropped


def test_purged_delete_log_moves_earliest_date_available(emu: Emulator, client: Client) -> None:
    start = _at_minute(emu)
    first, second = _ids(client, "SELECT Id FROM Account LIMIT 2")
    client.delete(f"{SOBJ}/Account/{first}")
    emu.org.clock.advance(600)
    cut = emu.org.clock.now()
    client.delete(f"{SOBJ}/Account/{second}")
    emu.org.clock.advance(600)
    purge = client.post(
        "/__emulator/deletelog", json={"sobject": "Account", "before": cut.isoformat()}
    )
    assert purge.json()["objects"]["Account"]["entries"] == 1
    now = emu.org.clock.now()
    assert _error(_deleted(client, "Account", start, now)) == (400, "INVALID_REPLICATION_DATE")
    body = _deleted(client, "Account", cut, now).json()
    assert body["earliestDateAvailable"] == cut.strftime("%Y-%m-%dT%H:%M:00.000+0000")
    assert [d["id"] for d in body["deletedRecords"]] == [second]
    assert emu.org.purge_delete_log("Account") == 1  # Python API: up to now


def test_more_ids_than_the_limit_is_exceeded_id_limit(emu: Emulator, client: Client) -> None:
    start = _at_minute(emu)
    emu.org.options.set("replication.max_ids", 2)
    for record in _ids(client, "SELECT Id FROM Account LIMIT 3"):
        client.patch(f"{SOBJ}/Account/{record}", json={"Rating": "Hot"})
    emu.org.mutate("Lead", "delete", count=3)
    emu.org.clock.advance(120)
    window = _window(start, emu.org.clock.now())
    for path in ("Account/updated", "Lead/deleted"):
        assert _error(client.get(f"{SOBJ}/{path}/", params=window)) == (400, "EXCEEDED_ID_LIMIT")
    emu.org.options.set("replication.max_ids", 3)
    assert len(client.get(f"{SOBJ}/Lead/deleted/", params=window).json()["deletedRecords"]) == 3


def test_object_that_is_not_replicateable_is_refused(emu: Emulator, client: Client) -> None:
    start = _at_minute(emu)
    emu.org.clock.advance(120)
    window = _window(start, emu.org.clock.now())
    described = client.get(f"{SOBJ}/AccountPartner/describe").json()
    assert described["replicateable"] is False
    for resource in ("updated", "deleted"):
        reply = client.get(f"{SOBJ}/AccountPartner/{resource}/", params=window)
        assert _error(reply) == (400, "INVALID_TYPE")
    emu.org.options.set("replication.unsupported_error_code", "CANNOT_REPLICATE")
    reply = client.get(f"{SOBJ}/AccountPartner/deleted/", params=window)
    assert _error(reply) == (400, "CANNOT_REPLICATE")


@pytest.mark.parametrize("sobject", ["CampaignMember", "GroupMember"])
def test_hard_delete_only_object_leaves_queryall_and_enters_the_delete_log(
    emu: Emulator, client: Client, sobject: str
) -> None:
    start = _at_minute(emu)
    described = client.get(f"{SOBJ}/{sobject}/describe").json()
    assert described["deletable"] is True and described["undeletable"] is False
    has_is_deleted = any(f["name"] == "IsDeleted" for f in described["fields"])
    assert has_is_deleted is (sobject == "CampaignMember")  # as in the Field Reference
    record = _ids(client, f"SELECT Id FROM {sobject} LIMIT 1")[0]
    assert client.delete(f"{SOBJ}/{sobject}/{record}").status_code == 204
    assert record not in _ids(client, f"SELECT Id FROM {sobject}", "queryAll")
    assert client.delete(f"{SOBJ}/{sobject}/{record}").status_code == 404
    emu.org.clock.advance(120)
    body = _deleted(client, sobject, start, emu.org.clock.now()).json()
    assert [d["id"] for d in body["deletedRecords"]] == [record]


def test_undelete_removes_the_delete_log_entry_unless_configured(emu: Emulator) -> None:
    org = emu.org
    first, second = org.mutate("Case", "delete", count=2)
    org.undelete("Case", first)
    assert org.data("Case").index_of(first) not in org.data("Case").delete_log
    org.options.set("replication.undelete_clears_log", False)
    org.undelete("Case", second)
    assert org.data("Case").index_of(second) in org.data("Case").delete_log


def test_hard_deletes_can_be_kept_out_of_the_delete_log(emu: Emulator) -> None:
    emu.org.options.set("replication.log_hard_deletes", False)
    emu.org.mutate("Account", "hard_delete", count=2)
    assert emu.org.data("Account").delete_log == {}


def test_all_or_none_rollback_also_rolls_back_the_delete_log(client: Client, emu: Emulator) -> None:
    record = _ids(client, "SELECT Id FROM Account LIMIT 1")[0]
    reply = client.delete(
        f"{API}/composite/sobjects",
        params={"ids": f"{record},001000000000000AAA", "allOrNone": "true"},
    )
    assert reply.status_code == 200
    assert emu.org.data("Account").delete_log == {}


def test_formula_value_changes_without_system_modstamp_moving(
    emu: Emulator, client: Client
) -> None:
    soql = "SELECT Id, ExpectedRevenue, SystemModstamp FROM Opportunity ORDER BY Id LIMIT 2"
    before = client.query(soql).json()["records"]
    start = _at_minute(emu)
    changed = client.post(
        "/__emulator/mutate",
        json={
            "sobject": "Opportunity",
            "action": "formula",
            "ids": [before[0]["Id"]],
            "values": {"ExpectedRevenue": "1234.5"},
        },
    )
    assert changed.json() == {"ids": [before[0]["Id"]]}
    after = client.query(soql).json()["records"]
    assert after[0]["ExpectedRevenue"] == 1234.5
    assert after[0]["SystemModstamp"] == before[0]["SystemModstamp"]
    assert after[1] == before[1]
    emu.org.clock.advance(120)
    updated = client.get(f"{SOBJ}/Opportunity/updated/", params=_window(start, emu.org.clock.now()))
    assert updated.json()["ids"] == []
    not_formula = client.post(
        "/__emulator/mutate",
        json={"sobject": "Opportunity", "action": "formula", "count": 1, "values": {"Amount": 1}},
    )
    assert not_formula.status_code == 400
