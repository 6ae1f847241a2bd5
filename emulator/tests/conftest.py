"""Fixtures for the emulator's own contract tests: one server per module, reset after every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import Emulator
from emulator.tests.helpers import Client


@pytest.fixture(scope="module")
def _server() -> Iterator[Emulator]:
    emu = Emulator(seed=42, datasets={"Account": 4500, "Contact": 300})
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(_server: Emulator) -> Iterator[Emulator]:
    """A running emulator (HTTP, 127.0.0.1) in its initial state."""
    yield _server
    _server.reset()


@pytest.fixture
def client(emu: Emulator) -> Client:
    """An HTTP client holding a valid access token for `emu`."""
    return Client(emu.base_url, emu.access_token())
