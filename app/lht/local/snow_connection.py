"""Snowflake CLI connections to the local Snowflake: one ``connections.toml`` in a directory of
the project's own, and the environment that makes ``snow`` (and the connector) read it.

``snow`` and the Python connector find their files through ``SNOWFLAKE_HOME``: when that
directory *exists* every file (``connections.toml``, ``config.toml``, logs) is taken from it,
otherwise they fall back to the user's platform directories (``~/.config/snowflake``) —
snowflake-connector-python ``sf_dirs.py`` (``_resolve_platform_dirs``) and ``constants.py``
(``CONNECTIONS_FILE``). So the directory is created before ``SNOWFLAKE_HOME`` points at it,
and the user's global one is only written when it is passed explicitly.

``snow`` refuses a ``connections.toml`` or ``config.toml`` that others may read or write
(snowflake-cli ``api/config.py``, ``_check_file_permissions``): the file is written 0600.
The same file serves ``lht --connection NAME`` (the connector's ``connection_name`` loader).

The stand-in has no authentication: account, user and password are placeholders (a user the
local account does not know logs in as an account administrator, see the access COVERAGE).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lht.errors import ConfigError

__all__ = [
    "CONNECTIONS_FILE",
    "LOCAL_ACCOUNT",
    "LOCAL_PASSWORD",
    "LOCAL_USER",
    "SnowConnection",
    "snow_env",
    "write_connection",
]

CONNECTIONS_FILE = "connections.toml"
#: Placeholders the stand-in accepts (it checks no credentials); the account is the local
#: Snowflake's own name (``CURRENT_ACCOUNT()``), the user the one LocalWarehouse logs in as.
LOCAL_ACCOUNT = "LHT_LOCAL"
LOCAL_USER = "LHT_LOCAL"
LOCAL_PASSWORD = "local"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")


@dataclass(frozen=True)
class SnowConnection:
    """One ``[name]`` entry of ``connections.toml`` for the stand-in on 127.0.0.1:``port``."""

    name: str
    port: int
    user: str = LOCAL_USER
    role: str | None = None
    warehouse: str | None = "COMPUTE_WH"
    database: str | None = None
    schema: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(
                f"invalid connection name {self.name!r}: use letters, digits, '_' and '-'"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"invalid port {self.port} for connection {self.name!r}")
        for what in ("user", "role", "warehouse", "database", "schema"):
            value = getattr(self, what)
            if value is not None and not _IDENT.match(value):
                raise ConfigError(f"invalid {what} {value!r} for connection {self.name!r}")

    def entries(self) -> dict[str, str | int]:
        """The entry's keys as the connector names them (``protocol = "http"``: loopback)."""
        found: dict[str, str | int] = {
            "account": LOCAL_ACCOUNT,
            "user": self.user,
            "password": LOCAL_PASSWORD,
            "host": "127.0.0.1",
            "port": self.port,
            "protocol": "http",
        }
        optional = {"role": self.role, "warehouse": self.warehouse,
                    "database": self.database, "schema": self.schema}  # fmt: skip
        found.update({key: value for key, value in optional.items() if value is not None})
        return found


def write_connection(home: str | Path, *connections: SnowConnection) -> Path:
    """Write ``connections`` into ``home/connections.toml`` (created 0600; entries of other
    names already there are kept, same names replaced). Returns the file's path."""
    directory = Path(home)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / CONNECTIONS_FILE
    existing: dict[str, object] = {}
    if target.is_file():
        try:
            existing = tomllib.loads(target.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"cannot read {target}: not TOML ({exc})") from None
    merged = {**existing, **{c.name: c.entries() for c in connections}}
    text = "\n".join(_table(name, entries, target) for name, entries in merged.items())
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    target.chmod(0o600)  # an existing file keeps its mode through os.open
    return target


def snow_env(home: str | Path) -> dict[str, str]:
    """The environment entries that make ``snow`` and the connector use ``home``."""
    directory = Path(home).resolve()
    if not directory.is_dir():
        raise ConfigError(f"{directory} does not exist: write a connection there first")
    return {"SNOWFLAKE_HOME": str(directory)}


def _table(name: str, entries: object, target: Path) -> str:
    if not isinstance(entries, dict) or not all(
        isinstance(v, str | int | bool) for v in entries.values()
    ):
        raise ConfigError(f"{target}: connection {name!r} is not a flat table; fix it by hand")
    lines = [f"[{_key(name)}]"]
    for key, value in entries.items():
        rendered = json.dumps(value)  # TOML basic strings, integers and booleans read the same
        lines.append(f"{_key(key)} = {rendered}")
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if _NAME.match(key) else json.dumps(key)
