"""Snowpark handler of ``CALL LHT.CHECK_SETUP()``: one row per check of this deployment.

Returns a Snowpark DataFrame matching snowflake.yml's ``returns: table(CHECK_NAME varchar,
STATUS varchar, DETAIL varchar, HOW_TO_FIX varchar)`` (see README "Deploying to Snowflake").
Never raises: if the checks cannot run at all, that is one ``FAIL`` row.
"""

from __future__ import annotations

import logging
from typing import Any

from snowflake.snowpark.types import StringType, StructField, StructType

from lht.deploy.checks import COLUMNS
from lht.deploy.probes import check_setup as run_checks

__all__ = ["check_setup"]

log = logging.getLogger(__name__)


def check_setup(session: Any) -> Any:
    try:
        rows = [result.as_row() for result in run_checks(session)]
    except Exception as exc:  # handler boundary: a FAIL row instead of an exception
        log.exception("CHECK_SETUP could not run")
        rows = [{"check_name": "check_setup", "status": "FAIL",
                 "detail": f"{type(exc).__name__}: {exc}", "how_to_fix": ""}]  # fmt: skip
    schema = StructType([StructField(c, StringType()) for c in COLUMNS])
    return session.create_dataframe([[row[c.lower()] for c in COLUMNS] for row in rows],
                                    schema=schema)  # fmt: skip
