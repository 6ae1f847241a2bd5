"""`python -m emulator` serves what README.md documents (token, query, control endpoints)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cli_base() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "emulator", "--port", str(port), "--rows", "Account=2500"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/services/data/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_serves_token_query_and_control(cli_base: str) -> None:
    token = requests.post(
        cli_base + "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "lht-local-client-id",
            "client_secret": "lht-local-client-secret",
        },
        timeout=10,
    ).json()
    assert token["instance_url"] == cli_base
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    count = requests.get(
        cli_base + "/services/data/v62.0/query",
        params={"q": "SELECT COUNT() FROM Account"},
        headers=headers,
        timeout=10,
    )
    assert count.json()["totalSize"] == 2500
    status = requests.get(cli_base + "/__emulator", timeout=10).json()
    assert status["rows"]["Account"] == 2500
