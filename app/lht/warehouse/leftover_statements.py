"""SQL that finds what killed or failed sync runs left behind (see :mod:`lht.sync.leftovers`).

A sync run creates ``LHT."<TABLE>__LHT_STG_<run12>"`` (staging), for a rebuild
``"<SCHEMA>"."<TABLE>__LHT_NEW_<run12>"``, and stages files under ``@LHT.LHT_STAGE/<sobject>/
<run_id>/``; ``<run12>`` is the first 12 characters of the run id (:func:`lht.warehouse.
statements.staging_table`). A run that succeeds drops and removes them; one that fails keeps
them for diagnosis (its error names them); a killed one cannot. These statements find such
tables in INFORMATION_SCHEMA.TABLES (the current database) and the runs they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lht.errors import ConfigError
from lht.warehouse.identifiers import TableName
from lht.warehouse.state_statements import StateTables
from lht.warehouse.statements import Statement

__all__ = [
    "NEW_MARK",
    "STAGING_MARK",
    "find_leftover_tables",
    "leftover_counts",
    "runs_by_short_id",
]

_SHORT_ID = re.compile(r"[A-Za-z0-9]{1,12}")
STAGING_MARK = "__LHT_STG_"
NEW_MARK = "__LHT_NEW_"


def find_leftover_tables(t: StateTables, target: TableName | None = None) -> Statement:
    """``TABLE_SCHEMA, TABLE_NAME`` of run tables: of one target (its staging tables in the
    state schema, its rebuild tables in the target schema) or, without ``target``, of all."""
    columns = "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE "
    if target is None:
        text = (columns + "(TABLE_SCHEMA = ? AND CONTAINS(TABLE_NAME, ?)) "
                "OR CONTAINS(TABLE_NAME, ?) ORDER BY TABLE_SCHEMA, TABLE_NAME")  # fmt: skip
        return Statement("find_leftover_tables", text, (t.schema, STAGING_MARK, NEW_MARK))
    text = (columns + "(TABLE_SCHEMA = ? AND STARTSWITH(TABLE_NAME, ?)) "
            "OR (TABLE_SCHEMA = ? AND STARTSWITH(TABLE_NAME, ?)) "
            "ORDER BY TABLE_SCHEMA, TABLE_NAME")  # fmt: skip
    params = (t.schema, target.table + STAGING_MARK, target.schema, target.table + NEW_MARK)
    return Statement("find_leftover_tables", text, params)


def runs_by_short_id(t: StateTables, shorts: Sequence[str]) -> Statement:
    """``RUN_ID, SOBJECT, TARGET_SCHEMA, TARGET_TABLE, STATUS, LOCK_RUN_ID, LOCK_EXPIRES_AT``
    of the sync runs whose id starts with one of ``shorts`` (upper-cased, as in table names),
    with the current holder of their target's lock."""
    for short in shorts:
        if not _SHORT_ID.fullmatch(short):
            raise ConfigError(f"invalid short run id {short!r}")
    marks = ", ".join("?" for _ in shorts) or "NULL"
    text = (
        "SELECT r.RUN_ID, r.SOBJECT, r.TARGET_SCHEMA, r.TARGET_TABLE, r.STATUS, "
        "l.RUN_ID AS LOCK_RUN_ID, l.EXPIRES_AT AS LOCK_EXPIRES_AT "
        f"FROM {t.runs.sql} AS r LEFT JOIN {t.locks.sql} AS l "
        "ON l.TARGET = r.TARGET_SCHEMA || '.' || r.TARGET_TABLE "
        f"WHERE UPPER(LEFT(r.RUN_ID, 12)) IN ({marks})"
    )
    return Statement("runs_by_short_id", text, tuple(s.upper() for s in shorts))


def leftover_counts(t: StateTables) -> str:
    """A query (SYNC_STATUS's ``leftovers`` CTE): per ``SOBJECT, TARGET_SCHEMA, TARGET_TABLE``
    the number ``N`` of staging and rebuild tables of its ended runs that still exist — what
    failed or killed runs left and the next run or CLEANUP_LEFTOVERS removes. Runs still
    RUNNING are not counted (a dead one is ended when its lock is taken over)."""
    short = "UPPER(LEFT(r.RUN_ID, 12))"
    return (
        "SELECT r.SOBJECT, r.TARGET_SCHEMA, r.TARGET_TABLE, COUNT(*) AS N "
        f"FROM INFORMATION_SCHEMA.TABLES AS it JOIN {t.runs.sql} AS r "
        f"ON r.STATUS <> 'RUNNING' AND ((it.TABLE_SCHEMA = '{t.schema}' AND it.TABLE_NAME = "
        f"r.TARGET_TABLE || '{STAGING_MARK}' || {short}) OR (it.TABLE_SCHEMA = r.TARGET_SCHEMA "
        f"AND it.TABLE_NAME = r.TARGET_TABLE || '{NEW_MARK}' || {short})) "
        "GROUP BY r.SOBJECT, r.TARGET_SCHEMA, r.TARGET_TABLE"
    )
