"""Helpers for the contract tests (client against the real emulator over loopback HTTP)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from lht.salesforce.auth import Credentials
from lht.salesforce.bulk import PollPolicy
from lht.salesforce.client import SalesforceClient
from lht.salesforce.retry import RetryPolicy

DATASETS = {"Account": 2500, "Contact": 300, "Opportunity": 200}


@dataclass
class FakeTime:
    """Injected sleeper/clock: sleeping advances a virtual clock and is recorded."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        time.sleep(min(seconds, 0.02))  # let emulator background work progress, briefly


def credentials(emu: Any, secret: str | None = None) -> Credentials:
    return Credentials(emu.base_url, emu.client_id, secret or emu.client_secret)


def make_client(
    emu: Any, fake_time: FakeTime, secret: str | None = None, session: Any = None
) -> SalesforceClient:
    return SalesforceClient(
        credentials(emu, secret),
        session=session,
        sleeper=fake_time.sleep,
        clock=fake_time.clock,
        timeout=30.0,
        retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0, jitter=0.0),
        poll=PollPolicy(min_interval=0.5, max_interval=4.0),
        rand=lambda: 0.5,
    )


def add_fault(emu: Any, **rule: Any) -> Any:
    """Install an emulator fault rule (see emulator/core/faults.py for kinds)."""
    from emulator import FaultRule  # noqa: PLC0415 - optional test dependency

    return emu.org.faults.add(FaultRule(**rule))


def add_record_rule(emu: Any, **rule: Any) -> Any:
    """Make matching records fail with a record-level error (emulator/core/writes.py)."""
    from emulator import RecordRule  # noqa: PLC0415 - optional test dependency

    return emu.org.add_rule(RecordRule.from_json(rule))


def set_option(emu: Any, name: str, value: Any) -> None:
    emu.org.options.set(name, value)
