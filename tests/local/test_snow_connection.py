"""Snowflake CLI connections to the local Snowflake (lht.local.snow_connection)."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from lht.errors import ConfigError
from lht.local.snow_connection import SnowConnection, snow_env, write_connection


def _read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_write_connection_creates_home_and_a_private_file_snow_accepts(tmp_path: Path) -> None:
    home = tmp_path / "a" / "snowflake"
    written = write_connection(home, SnowConnection("local", 4242, role="LHT_ADMIN"))

    assert written == home / "connections.toml"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # snow refuses group/other access
    expected = {"account": "LHT_LOCAL", "user": "LHT_LOCAL", "password": "local",
                "host": "127.0.0.1", "port": 4242, "protocol": "http", "role": "LHT_ADMIN",
                "warehouse": "COMPUTE_WH"}  # fmt: skip
    assert _read(written) == {"local": expected}
    assert snow_env(home) == {"SNOWFLAKE_HOME": str(home.resolve())}


def test_write_connection_keeps_other_entries_and_replaces_the_same_name(tmp_path: Path) -> None:
    target = tmp_path / "connections.toml"
    target.write_text('[mine]\naccount = "acme-xy123"\nuser = "jane"\n', encoding="utf-8")
    target.chmod(0o644)
    write_connection(tmp_path, SnowConnection("local", 1000))
    write_connection(tmp_path, SnowConnection("local", 2000, user="OPERATOR", warehouse=None))

    data = _read(target)
    assert data["mine"] == {"account": "acme-xy123", "user": "jane"}
    assert data["local"]["port"] == 2000 and data["local"]["user"] == "OPERATOR"
    assert "warehouse" not in data["local"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"name": "my conn"}, "connection name"), ({"port": 0}, "port"),
     ({"role": "LHT-ADMIN"}, "role"), ({"user": "a;b"}, "user")],
)  # fmt: skip
def test_snow_connection_bad_value_is_a_config_error_naming_it(fields: dict, named: str) -> None:
    values = {"name": "local", "port": 4242, **fields}
    with pytest.raises(ConfigError, match=named):
        SnowConnection(**values)


def test_write_connection_refuses_a_file_it_cannot_rewrite_faithfully(tmp_path: Path) -> None:
    (tmp_path / "connections.toml").write_text("[x.nested]\na = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a flat table"):
        write_connection(tmp_path, SnowConnection("local", 1))
    (tmp_path / "connections.toml").write_text("[x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not TOML"):
        write_connection(tmp_path, SnowConnection("local", 1))


def test_snow_env_refuses_a_missing_directory(tmp_path: Path) -> None:
    """snow would silently fall back to the user's own files (connector sf_dirs.py)."""
    with pytest.raises(ConfigError, match="does not exist"):
        snow_env(tmp_path / "missing")
