"""Concurrent HTTP clients (readers and writers at once) never see a server error."""

from __future__ import annotations

import threading

from emulator import Emulator
from emulator.tests.helpers import API, Client


def test_parallel_reads_and_writes_never_fail(emu: Emulator) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        client = Client(emu.base_url, emu.access_token())
        for k in range(15):
            created = client.post(f"{API}/sobjects/Account", json={"Name": f"w{n}-{k}"})
            record_id = created.json()["id"]
            updated = client.patch(f"{API}/sobjects/Account/{record_id}", json={"Rating": "Hot"})
            deleted = client.delete(f"{API}/sobjects/Account/{record_id}")
            with lock:
                statuses.extend([created.status_code, updated.status_code, deleted.status_code])

    def reader() -> None:
        client = Client(emu.base_url, emu.access_token())
        for _ in range(6):
            page = client.query(
                "SELECT Id, Name, Rating FROM Account WHERE Rating != null", "queryAll"
            )
            count = client.query("SELECT COUNT() FROM Account", "queryAll")
            with lock:
                statuses.extend([page.status_code, count.status_code])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(statuses) <= {200, 201, 204}
    assert len(statuses) == 3 * 15 * 3 + 3 * 6 * 2
    total = Client(emu.base_url, emu.access_token()).query(
        "SELECT COUNT() FROM Account", "queryAll"
    )
    assert total.json()["totalSize"] == 4500 + 45
