"""``CALL LHT.CHECK_SETUP()`` / ``lht check``: is this deployment able to sync?

Ten checks, each independent: one that fails (or raises) becomes its own ``FAIL`` row and the
others still run; a check whose prerequisite is missing (no secret, so no token) says so as
``WARN`` instead of guessing. Every row is ``(CHECK_NAME, STATUS, DETAIL, HOW_TO_FIX)`` with
STATUS ``OK`` / ``WARN`` / ``FAIL``. Secrets and tokens never appear: details name the login
URL and hosts only, and any detail is scrubbed of the client secret before it is returned.

The checks reach Snowflake and Salesforce only through two small ports
(:class:`WarehouseCheckPort`, :class:`SalesforceCheckPort`; implementations in
:mod:`lht.deploy.probes`), so each is unit-tested with every failure injected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from itertools import islice

from lht.deploy.check_ports import (
    CheckResult,
    SalesforceCheckPort,
    WarehouseCheckPort,
    not_checked,
)
from lht.deploy.settings import host_port
from lht.deploy.task_checks import check_tasks
from lht.errors import LhtError, SalesforceAuthError
from lht.orchestrate.budget import DEFAULT_SHARE, usage_from_limits
from lht.salesforce.auth import Credentials
from lht.salesforce.describe import SObjectSummary
from lht.warehouse import orchestrate_statements as ost
from lht.warehouse import state_statements as sst

__all__ = [
    "COLUMNS",
    "CheckResult",
    "SalesforceCheckPort",
    "WarehouseCheckPort",
    "rule_allows",
    "run_checks",
]

log = logging.getLogger(__name__)

COLUMNS = ("CHECK_NAME", "STATUS", "DETAIL", "HOW_TO_FIX")
QUERY = "SELECT Id FROM User LIMIT 1"
_DEPLOY = "rerun ./scripts/deploy (sql/setup.sql brings it up to date)"


def run_checks(
    credentials: Callable[[], Credentials],
    connect: Callable[[Credentials], SalesforceCheckPort],
    warehouse: WarehouseCheckPort,
) -> list[CheckResult]:
    """Run every check in order; never raises for what a check finds."""
    creds, secret = _secret(credentials)
    sf, instance, token = _token(creds, connect)
    results = [
        secret,
        token,
        _guard("network_rule", lambda: _network_rule(warehouse, creds, instance)),
        _guard("describe", lambda: _describe(sf)),
        _guard("query", lambda: _query(sf)),
        _guard("stage", lambda: _stage(warehouse)),
        _guard("state_tables", lambda: _state_tables(warehouse)),
        _guard("sync_config", lambda: _sync_config(warehouse, sf)),
        _guard("tasks", lambda: check_tasks(warehouse)),
        _guard("api_usage", lambda: _api_usage(sf)),
    ]
    secret_text = creds.client_secret if creds is not None else None
    return [_scrub(r, secret_text) for r in results]


def _guard(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    """A check that raised an LHT error is a FAIL row; the next check still runs."""
    try:
        return check()
    except LhtError as exc:
        log.info("check %s failed: %s", name, type(exc).__name__)
        return CheckResult(name, "FAIL", f"{type(exc).__name__}: {exc}", _FIXES.get(name, ""))


def _scrub(result: CheckResult, secret: str | None) -> CheckResult:
    if not secret:
        return result
    return CheckResult(result.check_name, result.status,
                       result.detail.replace(secret, "<redacted>"),
                       result.how_to_fix.replace(secret, "<redacted>"))  # fmt: skip


_FIXES = {
    "network_rule": "rerun sql/setup.sql (it creates LHT.SALESFORCE_API); " + _DEPLOY,
    "describe": "give the Run As user API Enabled and Read on Account (README, What the Run As "
    "user needs)",
    "query": "give the Run As user API Enabled and Read on User",
    "stage": "LHT_ADMIN must own (or have READ, WRITE on) stage LHT.LHT_STAGE: " + _DEPLOY,
    "state_tables": _DEPLOY + "; or run one sync, which creates the tables",
    "sync_config": "fix the entries: CALL LHT.SET_SYNC_CONFIG(...) / LHT.REMOVE_SYNC_CONFIG(...)",
    "tasks": "CALL LHT.SCHEDULE_SYNC(...) again for the group",
    "api_usage": "give the Run As user View Setup and Configuration (GET /limits needs it)",
}


def _secret(read: Callable[[], Credentials]) -> tuple[Credentials | None, CheckResult]:
    try:
        creds = read()
    except LhtError as exc:
        fix = ("bind LHT.SALESFORCE_OAUTH to the procedures (snowflake.yml secrets) holding "
               '{"login_url", "client_id", "client_secret"}: ' + _DEPLOY)  # fmt: skip
        return None, CheckResult("secret", "FAIL", str(exc), fix)
    detail = f"salesforce_oauth holds login_url {creds.login_url}, a client_id and a client_secret"
    return creds, CheckResult("secret", "OK", detail)


def _token(
    creds: Credentials | None, connect: Callable[[Credentials], SalesforceCheckPort]
) -> tuple[SalesforceCheckPort | None, str | None, CheckResult]:
    if creds is None:
        return None, None, not_checked("token", "no usable secret")
    try:
        sf = connect(creds)
        instance = sf.login()
    except SalesforceAuthError as exc:
        fix = ("check the consumer key and secret, that the app allows the client-credentials "
               "flow and has a Run As user (README step 1); then " + _DEPLOY)  # fmt: skip
        return None, None, CheckResult("token", "FAIL", str(exc), fix)
    except LhtError as exc:
        fix = ("Salesforce did not answer: is the login host in the network rule (see "
               "network_rule), the URL right, the integration enabled?")  # fmt: skip
        return None, None, CheckResult("token", "FAIL", f"{type(exc).__name__}: {exc}", fix)
    return sf, instance, CheckResult("token", "OK", f"token granted; instance_url {instance}")


def rule_allows(values: Sequence[str], wanted: str) -> bool:
    """Whether HOST_PORT rule ``values`` let a procedure reach ``wanted`` (``host:port``).

    A value is ``host[:port]`` (443 when left out; port 0 means every port), and ``*.`` at
    the start matches exactly one more label (docs: create-network-rule, VALUE_LIST)."""
    host, _, port = wanted.rpartition(":")
    for value in values:
        name, _, ports = value.strip().strip("'").lower().partition(":")
        low, _, high = (ports or "443").partition("-")
        if not (low.isdigit() and (not high or high.isdigit())):
            continue
        port_ok = low == "0" or int(low) <= int(port) <= int(high or low)
        if port_ok and (name == host or _wildcard(name, host)):
            return True
    return False


def _wildcard(pattern: str, host: str) -> bool:
    if not pattern.startswith("*."):
        return False
    label, _, rest = host.partition(".")
    return bool(label) and rest == pattern[2:]


def _network_rule(
    warehouse: WarehouseCheckPort, creds: Credentials | None, instance: str | None
) -> CheckResult:
    values = warehouse.network_rule_values()
    if creds is None:
        return not_checked("network_rule", f"no secret to compare with ({', '.join(values)})")
    wanted = {"login_url": host_port(creds.login_url, "login_url")}
    if instance:
        wanted["instance_url"] = host_port(instance, "instance_url")
    missing: dict[str, list[str]] = {}  # host:port → which URLs need it
    for what, host in wanted.items():
        if not rule_allows(values, host):
            missing.setdefault(host, []).append(what)
    allowed = ", ".join(values) or "nothing"
    if not missing:
        return CheckResult("network_rule", "OK", f"LHT.SALESFORCE_API allows {allowed}")
    detail = f"LHT.SALESFORCE_API allows {allowed}; not " + ", ".join(
        f"{host} (the {' and '.join(whats)} host)" for host, whats in missing.items()
    )
    needs = [what for whats in missing.values() for what in whats]
    fix = (f"set SF_LOGIN_URL={creds.login_url}" if "login_url" in needs
           else f"set SF_INSTANCE_URL={instance}") + " and " + _DEPLOY  # fmt: skip
    return CheckResult("network_rule", "FAIL", detail, fix)


def _describe(sf: SalesforceCheckPort | None) -> CheckResult:
    if sf is None:
        return not_checked("describe", "no Salesforce token")
    described = sf.describe("Account")
    return CheckResult("describe", "OK", f"Account: {len(described.fields)} fields readable")


def _query(sf: SalesforceCheckPort | None) -> CheckResult:
    if sf is None:
        return not_checked("query", "no Salesforce token")
    rows = list(islice(sf.query_records(QUERY, include_deleted=False), 1))
    if not rows:
        return CheckResult("query", "WARN", f"{QUERY} returned no row", _FIXES["query"])
    return CheckResult("query", "OK", f"{QUERY} returned a row")


def _stage(warehouse: WarehouseCheckPort) -> CheckResult:
    if warehouse.stage_roundtrip():
        return CheckResult("stage", "OK", "put and remove of a file on @LHT.LHT_STAGE worked")
    return CheckResult("stage", "WARN", "put worked, REMOVE did not: staged files of runs are "
                       "not cleaned up", "LHT_ADMIN needs WRITE on LHT.LHT_STAGE")  # fmt: skip


def _expected_tables() -> dict[str, set[str]]:
    expected = {t: set(cols) for t, cols in sst.expected_columns(sst.StateTables()).items()}
    return expected | {"SYNC_CONFIG": set(ost.CONFIG_COLUMNS)}


def _state_tables(warehouse: WarehouseCheckPort) -> CheckResult:
    expected = _expected_tables()
    found = warehouse.table_columns(sorted(expected))
    missing = sorted(t for t in expected if t not in found)
    if missing:
        detail = f"missing in schema LHT: {', '.join(missing)}"
        return CheckResult("state_tables", "FAIL", detail, _FIXES["state_tables"])
    short = {t: sorted(cols - found[t]) for t, cols in expected.items() if cols - found[t]}
    if short:
        detail = "; ".join(f"{t} lacks {', '.join(c)}" for t, c in sorted(short.items()))
        return CheckResult("state_tables", "WARN", detail, "the next sync adds missing columns")
    return CheckResult("state_tables", "OK", f"{', '.join(sorted(expected))} have their columns")


def _sync_config(warehouse: WarehouseCheckPort, sf: SalesforceCheckPort | None) -> CheckResult:
    try:
        entries = warehouse.config_entries()
    except LhtError as exc:  # a missing table is state_tables' FAIL; say why, do not repeat it
        return not_checked("sync_config", f"SYNC_CONFIG not readable ({type(exc).__name__})")
    if not entries:
        return CheckResult("sync_config", "OK", "no SYNC_CONFIG entries yet")
    if sf is None:
        return not_checked("sync_config", f"{len(entries)} entries, no Salesforce token")
    known: Mapping[str, SObjectSummary] = {s.name.lower(): s for s in sf.describe_global()}
    bad = [f"{e.target}: {e.sobject} {_why_unusable(known, e.sobject)}" for e in entries
           if _why_unusable(known, e.sobject)]  # fmt: skip
    if bad:
        return CheckResult("sync_config", "FAIL", "; ".join(bad), _FIXES["sync_config"])
    return CheckResult("sync_config", "OK", f"{len(entries)} entries name queryable objects")


def _why_unusable(known: Mapping[str, SObjectSummary], sobject: str) -> str:
    summary = known.get(sobject.lower())
    if summary is None:
        return "does not exist (or the Run As user cannot see it)"
    return "" if summary.queryable else "is not queryable"


def _api_usage(sf: SalesforceCheckPort | None) -> CheckResult:
    if sf is None:
        return not_checked("api_usage", "no Salesforce token")
    numbers = usage_from_limits(sf.limits())
    if numbers is None:
        return CheckResult("api_usage", "WARN", "/limits has no DailyApiRequests", "")
    used, allowed = numbers
    share = used / allowed if allowed else 1.0
    detail = f"DailyApiRequests {used}/{allowed} ({share:.0%}) used"
    if share >= 1.0:
        return CheckResult("api_usage", "FAIL", detail, "wait for the 24 h window to roll over")
    if share >= DEFAULT_SHARE:
        fix = f"SYNC_ALL defers objects above {DEFAULT_SHARE:.0%}: sync less often or later"
        return CheckResult("api_usage", "WARN", detail, fix)
    return CheckResult("api_usage", "OK", detail)
