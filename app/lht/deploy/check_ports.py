"""What CHECK_SETUP's checks return and the two ports they reach the world through."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from lht.orchestrate.config import ConfigEntry
from lht.salesforce.describe import SObjectDescribe, SObjectSummary

__all__ = ["CheckResult", "SalesforceCheckPort", "WarehouseCheckPort", "not_checked"]


@dataclass(frozen=True)
class CheckResult:
    check_name: str
    status: str  # OK | WARN | FAIL
    detail: str
    how_to_fix: str = ""

    def as_row(self) -> dict[str, str]:
        return {"check_name": self.check_name, "status": self.status, "detail": self.detail,
                "how_to_fix": self.how_to_fix}  # fmt: skip


class SalesforceCheckPort(Protocol):
    def login(self) -> str: ...  # a fresh token's instance URL
    def describe(self, sobject: str) -> SObjectDescribe: ...
    def describe_global(self) -> tuple[SObjectSummary, ...]: ...
    def query_records(
        self, soql: str, include_deleted: bool = True
    ) -> Iterator[dict[str, Any]]: ...
    def limits(self) -> dict[str, Any]: ...


class WarehouseCheckPort(Protocol):
    def network_rule_values(self) -> list[str]: ...
    def table_columns(self, tables: Sequence[str]) -> dict[str, set[str]]: ...
    def config_entries(self) -> list[ConfigEntry]: ...
    def tasks(self) -> dict[str, str]: ...  # task name → state (started / suspended)
    def stage_roundtrip(self) -> bool: ...  # put + remove; False when only the remove failed


def not_checked(name: str, why: str) -> CheckResult:
    """A check whose prerequisite failed: WARN, never a guess."""
    return CheckResult(name, "WARN", f"not checked: {why}", "fix the checks above first")
