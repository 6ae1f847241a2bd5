"""The local stand-in does what LHT relies on: PUT to a stage sub-path, COPY, MERGE, transactions.

These are real tests of fakesnow + Snowpark (with ``lht.local.fakesnow_patch``), not of LHT code:
if a fakesnow bump breaks one of them, local mode no longer mirrors Snowflake for that feature.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from lht.errors import ConfigError, WarehouseError
from lht.local import fakesnow_patch
from lht.local.runtime import LocalWarehouse

CSV_FORMAT = (
    "FILE_FORMAT=(TYPE=CSV SKIP_HEADER=1 FIELD_OPTIONALLY_ENCLOSED_BY='\"' COMPRESSION=GZIP)"
)


def _gzip_csv(rows: list[str]) -> io.BytesIO:
    return io.BytesIO(gzip.compress(("ID,NAME\n" + "\n".join(rows) + "\n").encode()))


def _table(session: Any, prefix: str) -> str:
    name = f"LHT.{prefix}_{uuid.uuid4().hex[:8].upper()}"
    session.sql(f"CREATE TABLE {name} (ID VARCHAR, NAME VARCHAR)").collect()
    return name


def _put(session: Any, path: str, rows: list[str]) -> None:
    session.file.put_stream(_gzip_csv(rows), path, auto_compress=False)


def _rows(session: Any, table: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.sql(f"SELECT ID, NAME FROM {table} ORDER BY ID").collect()]


def test_put_stream_quoted_stage_subpath_then_copy_loads_only_that_subpath(
    snowpark_session: Any,
) -> None:
    run = uuid.uuid4().hex[:8]
    _put(snowpark_session, f"@LHT.LHT_STAGE/Account/{run}/part-0.csv.gz", ['1,"a, quoted"', "2,b"])
    _put(snowpark_session, f"@LHT.LHT_STAGE/Account/{run}/part-1.csv.gz", ["3,c"])
    _put(snowpark_session, f"@LHT.LHT_STAGE/Account/{run}x/part-0.csv.gz", ["9,other run"])
    table = _table(snowpark_session, "COPY")

    snowpark_session.sql(
        f"COPY INTO {table} FROM @LHT.LHT_STAGE/Account/{run}/ {CSV_FORMAT}"
    ).collect()

    assert _rows(snowpark_session, table) == [("1", "a, quoted"), ("2", "b"), ("3", "c")]


def test_copy_same_files_twice_second_copy_skips_loaded_files(snowpark_session: Any) -> None:
    run = uuid.uuid4().hex[:8]
    _put(snowpark_session, f"@LHT.LHT_STAGE/Contact/{run}/part-0.csv.gz", ["1,a"])
    table = _table(snowpark_session, "COPY")
    copy = f"COPY INTO {table} FROM @LHT.LHT_STAGE/Contact/{run}/ {CSV_FORMAT}"

    snowpark_session.sql(copy).collect()
    snowpark_session.sql(copy).collect()

    assert _rows(snowpark_session, table) == [("1", "a")]


def _merge_sql(target: str, source: str) -> str:
    return (
        f"MERGE INTO {target} t USING {source} s ON t.ID = s.ID "
        "WHEN MATCHED AND s.NAME = 'DELETE' THEN DELETE "
        "WHEN MATCHED THEN UPDATE SET NAME = s.NAME "
        "WHEN NOT MATCHED THEN INSERT (ID, NAME) VALUES (s.ID, s.NAME)"
    )


def _merge_fixture(session: Any) -> tuple[str, str]:
    target, source = _table(session, "TGT"), _table(session, "SRC")
    session.sql(f"INSERT INTO {target} VALUES ('1', 'old'), ('2', 'gone')").collect()
    session.sql(
        f"INSERT INTO {source} VALUES ('1', 'new'), ('2', 'DELETE'), ('3', 'added')"
    ).collect()
    return target, source


def test_merge_insert_update_delete_reports_snowflake_counts(snowpark_session: Any) -> None:
    target, source = _merge_fixture(snowpark_session)

    result = snowpark_session.sql(_merge_sql(target, source)).collect()[0].as_dict()

    assert result == {
        "number of rows inserted": 1,
        "number of rows updated": 1,
        "number of rows deleted": 1,
    }
    assert _rows(snowpark_session, target) == [("1", "new"), ("3", "added")]


def test_merge_inside_transaction_commit_persists(snowpark_session: Any) -> None:
    target, source = _merge_fixture(snowpark_session)

    snowpark_session.sql("BEGIN").collect()
    snowpark_session.sql(_merge_sql(target, source)).collect()
    snowpark_session.sql(f"INSERT INTO {source} VALUES ('4', 'bookkeeping')").collect()
    snowpark_session.sql("COMMIT").collect()

    assert _rows(snowpark_session, target) == [("1", "new"), ("3", "added")]


def test_transaction_rollback_discards_merge_and_insert(snowpark_session: Any) -> None:
    target, source = _merge_fixture(snowpark_session)

    snowpark_session.sql("BEGIN").collect()
    snowpark_session.sql(_merge_sql(target, source)).collect()
    snowpark_session.sql(f"INSERT INTO {target} VALUES ('5', 'x')").collect()
    snowpark_session.sql("ROLLBACK").collect()

    assert _rows(snowpark_session, target) == [("1", "old"), ("2", "gone")]


def test_null_timestamps_read_back_as_none_not_epoch(snowpark_session: Any) -> None:
    name = f"LHT.TS_{uuid.uuid4().hex[:8].upper()}"
    snowpark_session.sql(
        f"CREATE TABLE {name} (ID INT, NTZ TIMESTAMP_NTZ, TZ TIMESTAMP_TZ)"
    ).collect()
    snowpark_session.sql(
        f"INSERT INTO {name} VALUES (1, NULL, NULL), "
        "(2, '2024-01-02 03:04:05.678', '2024-01-02T03:04:05.678+00:00')"
    ).collect()

    rows = snowpark_session.sql(f"SELECT ID, NTZ, TZ FROM {name} ORDER BY ID").collect()

    assert (rows[0][1], rows[0][2]) == (None, None)
    assert rows[1][1].isoformat() == "2024-01-02T03:04:05.678000"
    assert rows[1][2].isoformat() == "2024-01-02T03:04:05.678000+00:00"


def test_local_warehouse_default_context_database_schema_and_stage(
    local_warehouse: LocalWarehouse,
) -> None:
    # A new session: the shared one's current schema follows whatever other tests created
    # (CREATE SCHEMA switches it, as on Snowflake), so it says nothing about the defaults.
    session = local_warehouse.new_session()
    try:
        row = session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
    finally:
        local_warehouse.close_session(session)

    assert tuple(row) == ("LHT_LOCAL", "LHT")
    assert local_warehouse.stage == "LHT.LHT_STAGE"
    assert (local_warehouse.db_dir / "LHT_LOCAL.db").is_file()


def test_local_warehouse_reopen_same_dir_keeps_tables(tmp_path: Path) -> None:
    with LocalWarehouse(data_dir=tmp_path, database="LHT_REOPEN") as first:
        first.session.sql("CREATE TABLE LHT.KEEP (ID INT)").collect()
        first.session.sql("INSERT INTO LHT.KEEP VALUES (1), (2)").collect()

    with LocalWarehouse(data_dir=tmp_path, database="LHT_REOPEN") as second:
        count = second.session.sql("SELECT COUNT(*) FROM LHT.KEEP").collect()[0][0]

    assert count == 2


def test_local_warehouse_same_dir_opened_twice_raises_warehouse_error(tmp_path: Path) -> None:
    second = LocalWarehouse(data_dir=tmp_path, database="LHT_TWICE")
    with (
        LocalWarehouse(data_dir=tmp_path, database="LHT_TWICE"),
        pytest.raises(WarehouseError, match="another LocalWarehouse"),
    ):
        second.start()


def test_local_warehouse_session_before_start_raises_warehouse_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="not started"):
        _ = LocalWarehouse(data_dir=tmp_path).session


def test_local_warehouse_bad_database_name_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid local database"):
        LocalWarehouse(data_dir=tmp_path, database="LHT; DROP")


def test_fakesnow_patch_untested_version_raises_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fakesnow_patch.importlib.metadata, "version", lambda _name: "9.9.9")

    with pytest.raises(ConfigError, match=r"fakesnow 9\.9\.9 is untested"):
        fakesnow_patch.apply()


def test_local_warehouse_last_close_stops_server_and_restart_reads_file(tmp_path: Path) -> None:
    """Own process: the shared fixture keeps this process's server alive."""
    script = textwrap.dedent(
        f"""
        import socket
        from lht.local.runtime import LocalWarehouse, _SERVER
        with LocalWarehouse(data_dir={str(tmp_path)!r}) as wh:
            wh.session.sql("CREATE TABLE LHT.T (ID INT)").collect()
            wh.session.sql("INSERT INTO LHT.T VALUES (7)").collect()
            port = _SERVER.port
        assert _SERVER.port == 0
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "server still listening"
        with LocalWarehouse(data_dir={str(tmp_path)!r}) as wh:
            print(wh.session.sql("SELECT ID FROM LHT.T").collect()[0][0])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, check=False
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "7"


def test_local_session_socket_timeout_allows_long_statements(local_warehouse: Any) -> None:
    """1M-row COPY/MERGE statements on the stand-in run past the connector's 60 s default."""
    assert local_warehouse.connection_parameters["socket_timeout"] >= 1800
    assert local_warehouse.session._conn._conn.socket_timeout >= 1800
