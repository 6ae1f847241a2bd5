"""What a restart must bring back that fakesnow keeps only in memory.

fakesnow attaches a database file only when a login names it or on CREATE DATABASE, and keeps
stage definitions in an in-memory table (``_fs_global``). On the first login on a data
directory the local Snowflake therefore attaches every ``<DATABASE>.db`` file found there and
re-creates the stages recorded in its catalog (their files live under ``<db_dir>/stages/``, see
``lht.local.fakesnow_patch.use_stage_root``), both through fakesnow's own SQL.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lht.local.snowflake.sqltext import quote_name

if TYPE_CHECKING:
    from lht.local.snowflake.catalog import Catalog

__all__ = ["restore"]

logger = logging.getLogger(__name__)
_DATABASE_FILE = re.compile(r"^[A-Z_][A-Z0-9_$]*$")


def restore(db_dir: Path, catalog: Catalog, connection: Any) -> None:
    cursor = connection.cursor()
    for path in sorted(db_dir.glob("*.db")):
        if _DATABASE_FILE.match(path.stem):
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {path.stem}")
    for stage in catalog.find("STAGE"):
        name = ".".join(quote_name(p) for p in (stage.database, stage.schema, stage.name))
        cursor.execute(f"CREATE STAGE IF NOT EXISTS {name}")
    logger.debug("local Snowflake: restored %s", db_dir)
