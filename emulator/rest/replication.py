"""Data-replication resources: GET .../sobjects/{T}/updated/ and .../deleted/ (the REST forms of
SOAP getUpdated()/getDeleted()), and the delete log behind them.

Modelled on the REST API Developer Guide "sObject Get Updated" / "sObject Get Deleted" and the SOAP
API guide "getDeleted()", "GetDeletedResult", "Object-Specific Requirements for Data Replication":

* `start`/`end` are truncated to the minute; `end` must come after `start`, else
  INVALID_REPLICATION_DATE; `latestDateCovered` is `end` capped at the org clock.
* updated: `SystemModstamp` in [start, end), `start` at most 30 days back.
* deleted: entries of the object's delete log (every soft and hard delete, with its deletedDate) in
  [start, end]. The log keeps 15 days ("Results are returned for no more than 15 days previous to
  the day the call is executed (or earlier if an administrator has purged the Recycle Bin)");
  `earliestDateAvailable` is the later of now - 15 days and the last purge of the log
  (`purge_delete_log`, the control surface's `/__emulator/deletelog`); a `start` before it is
  INVALID_REPLICATION_DATE ("If the purge happened before getDeleted() was called, an
  INVALID_REPLICATION_DATE error is returned").
* more than 600,000 ids → EXCEEDED_ID_LIMIT (both resources; limit is an option for tests).
* the object must be `replicateable`; the error for one that is not is undocumented (a knob).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from emulator import errors
from emulator.core.deletelog import deleted_entries, earliest_date_available
from emulator.core.options import register_option
from emulator.core.pruning import candidate_indices
from emulator.core.writes import parse_datetime
from emulator.http import Request, Response, json_response
from emulator.rest.values import format_datetime
from emulator.routing import Router
from emulator.soql.syntax import And, Cmp

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option(
    "replication.updated_days", 30, "How far back GET .../updated accepts `start` (days)."
)
register_option(
    "replication.max_ids",
    600_000,
    "Most ids GET .../updated or .../deleted returns; more → 400 EXCEEDED_ID_LIMIT.",
)
register_option(
    "replication.unsupported_error_code",
    "INVALID_TYPE",
    "errorCode (400) of updated/deleted on an object that is not replicateable [UNCONFIRMED].",
)

BASE = r"/services/data/(?P<ver>v\d+\.\d+)/sobjects/(?P<sobject>\w+)"


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _parse(req: Request, key: str) -> datetime:
    raw = req.query.get(key)
    if raw is None:
        raise errors.REPLICATION_ARGUMENT_MISSING.error(name=key)
    try:  # an unencoded '+' of the offset arrives as a space
        return _minute(parse_datetime(raw.strip().replace(" ", "+")))
    except ValueError:
        raise errors.REPLICATION_BAD_DATE.error() from None


def _window(org: Org, req: Request, earliest: datetime) -> tuple[datetime, datetime]:
    """(start, latestDateCovered) of a request, or 400 INVALID_REPLICATION_DATE."""
    start, end = _parse(req, "start"), _parse(req, "end")
    if start < earliest:
        raise errors.REPLICATION_TOO_OLD.error()
    if end <= start:
        raise errors.REPLICATION_REVERSED.error()
    return start, min(end, _minute(org.clock.now()))


def _replicateable(org: Org, req: Request, match: re.Match[str]) -> str:
    obj = org.object(match["sobject"])
    if not obj.replicateable:
        code = str(org.options["replication.unsupported_error_code"])
        raise errors.REPLICATION_UNSUPPORTED.error(code=code, sobject=obj.name)
    return obj.name


def _check_count(org: Org, count: int) -> None:
    limit = int(org.options["replication.max_ids"])
    if count > limit:
        raise errors.REPLICATION_TOO_MANY.error(limit=limit)


def updated(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = _replicateable(org, req, match)
    days = int(org.options["replication.updated_days"])
    start, end = _window(org, req, _minute(org.clock.now() - timedelta(days=days)))
    data = org.data(sobject)
    stamp = data.field_fn("SystemModstamp")
    window = And((Cmp("SystemModstamp", ">=", start), Cmp("SystemModstamp", "<", end)))
    ids = [
        data.make_id(i)
        for i in candidate_indices(data, window)
        if i not in data.deleted and start <= stamp(i) < end
    ]
    _check_count(org, len(ids))
    return json_response({"ids": ids, "latestDateCovered": format_datetime(end)})


def deleted(org: Org, req: Request, match: re.Match[str]) -> Response:
    sobject = _replicateable(org, req, match)
    earliest = earliest_date_available(org, sobject)
    start, end = _window(org, req, earliest)
    rows = deleted_entries(org, sobject, start, end)
    _check_count(org, len(rows))
    return json_response(
        {
            "deletedRecords": [
                {"id": rid, "deletedDate": format_datetime(when)} for rid, when in rows
            ],
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(end),
        }
    )


def register(router: Router) -> None:
    router.add("GET", BASE + r"/updated", updated)
    router.add("GET", BASE + r"/deleted", deleted)
