"""The one place LHT patches fakesnow (the local Snowflake stand-in). Local mode only.

Five small, independent fixes, each wrapping one fakesnow function or class and leaving its code
alone (plus the helpers the local Snowflake layer, ``lht.local.snowflake``, needs into fakesnow's
state: the stage-file root, and the stage table DROP STAGE edits):

1. PUT target quoting. Snowpark's ``session.file.put_stream`` sends
   ``PUT 'file://...' '@DB.SCHEMA.STAGE/sub/'`` with the stage location single-quoted, which real
   Snowflake accepts. fakesnow 0.12.1 parses the quoted target as a ``Var`` whose text still
   carries the quotes and rejects it ("does not start with @"). The patch strips one pair of
   surrounding single quotes from the PUT target before fakesnow's ``put_stage`` transform runs.

2. MERGE inside BEGIN ... COMMIT. fakesnow implements MERGE through a helper table
   ``merge_candidates``; creating it also writes a table-comment row into fakesnow's
   ``_fs_global`` catalog. DuckDB refuses a transaction that writes to two attached databases, so
   every MERGE inside an explicit transaction failed. Real Snowflake has no such limit and LHT
   commits MERGE + watermark + run-log row together, so the comment bookkeeping is skipped for
   that helper table only (nobody describes it). (First written by the SYNC engineer as
   ``fakesnow_merge_fix``; folded in here.)

3. NULL timestamps. fakesnow's server builds Snowflake's ``{epoch, fraction[, timezone]}`` struct
   for TIMESTAMP columns (``fakesnow.arrow.timestamp_to_sf_struct``) without a null mask, so every
   NULL TIMESTAMP_NTZ/TZ reached the client as 1970-01-01 (a push would have sent that date to
   Salesforce). The wrapper re-applies the source column's nulls. (First written by the SYNC
   engineer as ``fakesnow_timestamp_fix``; folded in here.)

4. One DuckDB instance per database directory. fakesnow's server builds a new ``FakeSnow`` (its own
   in-memory DuckDB connection, which then ATTACHes ``<db_path>/<DATABASE>.db``) on every login
   with ``FAKESNOW_DB_PATH``, so a second session to the same file failed with DuckDB's "Unique
   file handle conflict". The patch hands every login for the same ``db_path`` the same
   ``FakeSnow``; fakesnow already gives each login its own ``duck_conn.cursor()`` (DuckDB's
   supported way to use one database from several threads, each cursor with its own
   transactions), so sessions opened this way can run in parallel threads. The shared instance is
   reference counted per login and closed by :func:`release` when the last of its sessions ends
   (``LocalWarehouse`` calls it), which detaches the file so it can be reopened later.

5. Macros of a database named like a schema. fakesnow creates its helper macros (FLATTEN,
   OBJECT_CONSTRUCT, TO_TIMESTAMP, ...) as ``<DATABASE>._fs_<name>`` on CREATE DATABASE and on
   connect. When the current database also has a schema of that name (LHT's default deploy is
   database ``LHT`` with schema ``LHT``), DuckDB cannot tell catalog from schema and CREATE
   DATABASE fails ("Ambiguous reference to catalog or schema"). The wrapper writes the names as
   ``<DATABASE>.main._fs_<name>`` — the same objects, unambiguous.

Quoted literal text in date/time formats. Snowflake formats take literal text in double quotes
   (``TO_TIMESTAMP_NTZ(x, 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"')``, the form LHT loads Salesforce
   datetimes with). sqlglot maps ``"T"`` but keeps other quoted text with its quotes, so DuckDB's
   ``strptime`` looked for a ``"`` and refused every value. The wrapper of fakesnow's
   ``to_timestamp`` transform drops the quotes around literal text in the format of
   ``TO_TIMESTAMP*`` / ``TO_TIME`` calls (``%`` in that text is escaped as ``%%``).

The patches are tied to the exact fakesnow versions they were tested on: on any other version
``apply()`` raises instead of silently changing behaviour. Re-run tests/warehouse/
test_local_runtime.py and extend ``TESTED_VERSIONS`` when bumping the pin.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lht.errors import ConfigError

TESTED_VERSIONS = frozenset({"0.12.1"})

_lock = threading.Lock()
_applied = False


def apply() -> None:
    """Install the patches once per process; fail loudly on an untested fakesnow version."""
    global _applied  # noqa: PLW0603 - process-wide, idempotent patch state
    version = importlib.metadata.version("fakesnow")
    if version not in TESTED_VERSIONS:
        raise ConfigError(
            f"fakesnow {version} is untested with lht.local.fakesnow_patch "
            f"(tested: {', '.join(sorted(TESTED_VERSIONS))}); "
            "re-run tests/warehouse and update TESTED_VERSIONS"
        )
    with _lock:
        if _applied:
            return
        from fakesnow import arrow, info_schema, macros, transforms  # noqa: PLC0415 - local only

        transforms.put_stage = _unquoting(transforms.put_stage)
        arrow.timestamp_to_sf_struct = _keeping_nulls(arrow.timestamp_to_sf_struct)  # type: ignore[assignment]
        info_schema.insert_table_comment_sql = _skipping_merge_helper(
            info_schema.insert_table_comment_sql
        )
        # by name: the ``fakesnow.server`` attribute is a function until the module is imported
        server: Any = importlib.import_module("fakesnow.server")
        server.FakeSnow = _shared_per_path(server.FakeSnow)
        macros.creation_sql = _main_schema_macros(macros.creation_sql)  # type: ignore[assignment]
        transforms.to_timestamp = _literal_format_text(transforms.to_timestamp)
        _applied = True


#: ``str(Path(db_path))`` → [shared ``FakeSnow``, open logins]; guarded by ``_lock``.
_shared: dict[str, list[Any]] = {}


def _shared_per_path(fake_snow: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the ``FakeSnow`` the server instantiates per login so logins for one ``db_path`` share
    one instance (and so one DuckDB database); in-memory and ``:isolated:`` logins are unchanged."""

    def patched(*args: Any, db_path: Any = None, **kwargs: Any) -> Any:
        if args or db_path is None or db_path == ":isolated:":
            return fake_snow(*args, db_path=db_path, **kwargs)
        key = str(Path(db_path))
        with _lock:
            entry = _shared.get(key)
            if entry is None:
                entry = _shared[key] = [fake_snow(db_path=db_path, **kwargs), 0]
            entry[1] += 1
            return entry[0]

    patched.__wrapped__ = fake_snow  # type: ignore[attr-defined]
    return patched


_TEMP_STAGE_ROOT: list[str] = []


def use_stage_root(path: Path | None) -> None:
    """Keep internal-stage files under ``path`` instead of fakesnow's process temp dir
    (``fakesnow.transforms.stage.LOCAL_BUCKET_PATH``, read at call time by the stage transforms
    and the server's upload route), so staged files survive a restart of the stand-in; None
    goes back to the temp dir."""
    from fakesnow.transforms import stage  # noqa: PLC0415 - local mode only

    if not _TEMP_STAGE_ROOT:
        _TEMP_STAGE_ROOT.append(stage.LOCAL_BUCKET_PATH)
    if path is None:
        stage.LOCAL_BUCKET_PATH = _TEMP_STAGE_ROOT[0]
        return
    path.mkdir(parents=True, exist_ok=True)
    stage.LOCAL_BUCKET_PATH = str(path.resolve())


def stage_directory(database: str, schema: str, name: str) -> str:
    """The directory fakesnow keeps an internal stage's files in."""
    from fakesnow.transforms import stage  # noqa: PLC0415 - local mode only

    return str(stage.internal_dir(f"{database}.{schema}.{name}"))


_STAGES = "_fs_global._fs_information_schema._fs_stages"


def stage_exists(connection: Any, database: str, schema: str, name: str) -> bool:
    """Whether fakesnow knows the stage (its in-memory stage table, by exact names)."""
    rows = connection._duck_conn.execute(  # fakesnow's own DuckDB cursor
        f"SELECT 1 FROM {_STAGES} WHERE database_name = ? AND schema_name = ? AND name = ?",
        [database, schema, name],
    ).fetchall()
    return bool(rows)


def forget_stage(connection: Any, database: str, schema: str, name: str) -> None:
    """DROP STAGE, which fakesnow 0.12.1 does not implement: delete its stage-table row."""
    connection._duck_conn.execute(  # fakesnow's own DuckDB cursor
        f"DELETE FROM {_STAGES} WHERE database_name = ? AND schema_name = ? AND name = ?",
        [database, schema, name],
    )


def release(db_path: Any) -> None:
    """One login on ``db_path`` ended: close the shared DuckDB database after the last one."""
    if db_path is None:
        return
    with _lock:
        entry = _shared.get(str(Path(db_path)))
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _shared[str(Path(db_path))]
    entry[0].duck_conn.close()


def _literal_format_text(to_timestamp: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap fakesnow's ``to_timestamp`` transform: ``"text"`` in a parsed date/time format
    (``StrToTime`` / ``TsOrDsToTime``, strptime-style after sqlglot) becomes plain ``text``."""
    from sqlglot import exp  # noqa: PLC0415 - dependency of fakesnow, local mode only

    quoted = re.compile(r'"([^"%]*)"')

    def patched(expression: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(expression, exp.StrToTime | exp.TsOrDsToTime):
            found = expression.args.get("format")
            if isinstance(found, exp.Literal) and found.is_string and '"' in found.this:
                plain = quoted.sub(lambda m: m.group(1), found.this)
                expression.set("format", exp.Literal.string(plain))
        return to_timestamp(expression, *args, **kwargs)

    patched.__wrapped__ = to_timestamp  # type: ignore[attr-defined]
    return patched


def _unquoting(put_stage: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap fakesnow's ``put_stage`` transform so a quoted ``'@stage/path'`` target is accepted."""
    from sqlglot import exp  # noqa: PLC0415 - dependency of fakesnow, local mode only

    def patched(expression: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(expression, exp.Put):
            target = expression.args.get("target")
            if isinstance(target, exp.Var):
                text = target.text("this")
                if len(text) >= 2 and text[0] == text[-1] == "'":
                    expression.set("target", exp.Var(this=text[1:-1]))
        return put_stage(expression, *args, **kwargs)

    patched.__wrapped__ = put_stage  # type: ignore[attr-defined]
    return patched


def _main_schema_macros(creation_sql: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap ``macros.creation_sql`` so macro names are qualified with the ``main`` schema."""

    def patched(catalog: str) -> str:
        return creation_sql(catalog).replace(f"MACRO {catalog}._fs_", f"MACRO {catalog}.main._fs_")

    patched.__wrapped__ = creation_sql  # type: ignore[attr-defined]
    return patched


def _skipping_merge_helper(original: Callable[..., str]) -> Callable[..., str]:
    """Wrap ``insert_table_comment_sql`` to write nothing for fakesnow's MERGE helper table."""

    def patched(catalog: str, schema: str, table: str, comment: str) -> str:
        if table.upper() == "MERGE_CANDIDATES":
            return "SELECT 1"
        return original(catalog, schema, table, comment)

    patched.__wrapped__ = original  # type: ignore[attr-defined]
    return patched


def _keeping_nulls(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap ``timestamp_to_sf_struct`` so NULL timestamps stay NULL in the result struct."""
    import pyarrow as pa  # noqa: PLC0415 - dependency of fakesnow, local mode only

    def patched(ts: Any) -> Any:
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        struct = convert(ts)
        if ts.null_count == 0:
            return struct
        return pa.StructArray.from_arrays(
            arrays=[struct.field(i) for i in range(struct.type.num_fields)],
            fields=list(struct.type),
            mask=ts.is_null(),
        )

    patched.__wrapped__ = convert  # type: ignore[attr-defined]
    return patched
