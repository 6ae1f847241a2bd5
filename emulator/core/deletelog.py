"""The delete log of each object (soft and hard deletes with their deletedDate) and its purge:
the state behind GET .../deleted (`emulator/rest/replication.py` renders it).

Retention: entries older than `replication.deleted_days` are dropped ("Results are returned for no
more than 15 days previous to the day the call is executed (or earlier if an administrator has
purged the Recycle Bin)", REST API guide "sObject Get Deleted"); `purge_delete_log` empties a log
up to a moment, which moves `earliestDateAvailable`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from emulator.core.options import register_option

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option(
    "replication.deleted_days",
    15,
    "How long the delete log keeps an entry, and how far back GET .../deleted accepts `start` "
    "(days).",
)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def earliest_date_available(org: Org, sobject: str) -> datetime:
    """Start of the delete log's coverage: now - retention, or its last purge if later."""
    data = org.data(sobject)
    retention = _minute(
        org.clock.now() - timedelta(days=int(org.options["replication.deleted_days"]))
    )
    purged = data.log_purged_before
    return max(retention, _minute(purged)) if purged is not None else retention


def deleted_entries(
    org: Org, sobject: str, start: datetime, end: datetime
) -> list[tuple[str, datetime]]:
    """(id, deletedDate) of the delete-log entries in [start, end], oldest first; entries past
    the retention are dropped from the log."""
    with org.lock:
        data = org.data(sobject)
        cutoff = org.clock.now() - timedelta(days=int(org.options["replication.deleted_days"]))
        for index in [i for i, when in data.delete_log.items() if when < cutoff]:
            del data.delete_log[index]
        rows = [(when, i) for i, when in data.delete_log.items() if start <= when <= end]
    return [(data.make_id(i), when) for when, i in sorted(rows)]


def purge_delete_log(org: Org, sobject: str, before: datetime | None = None) -> int:
    """Empty the object's delete log up to `before` (default: now), as Salesforce's background
    purge or an administrator emptying the Recycle Bin does; `earliestDateAvailable` moves to
    `before`. Returns the number of entries removed."""
    with org.lock:
        data = org.data(sobject)
        cut = before or org.clock.now()
        gone = [i for i, when in data.delete_log.items() if when < cut]
        for index in gone:
            del data.delete_log[index]
        if data.log_purged_before is None or cut > data.log_purged_before:
            data.log_purged_before = cut
        return len(gone)
