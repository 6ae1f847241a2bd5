"""Read a named secret: `_snowflake` inside Snowflake, env var or `.lht/secrets.json` locally.

The name is the alias the procedure binds in snowflake.yml (``secrets: {salesforce_oauth:
LHT.SALESFORCE_OAUTH}``), so the same call works in both places::

    raw = read_secret("salesforce_oauth")   # JSON {"login_url", "client_id", "client_secret"}

Lookup order:

1. Inside a Snowflake stored procedure or notebook: ``_snowflake.get_generic_secret_string(name)``
   (the module exists only there; it is imported on call, never at import time).
2. Environment variable ``LHT_SECRET_<NAME>`` (name upper-cased, ``-``/``.`` become ``_``).
3. JSON file ``.lht/secrets.json`` in the working directory (or ``LHT_SECRETS_FILE``), an object
   mapping secret names to strings (a non-string value, e.g. the OAuth object, is returned as its
   JSON text).
4. In a Snowflake Notebook without ``_snowflake`` (or where it refuses): ``st.secrets[name]``.

:func:`salesforce_access_info` turns the Salesforce secret into the ``access_info`` dict of the
legacy ``sync_sobject_intelligent`` API (for notebooks).

Values are never logged; errors name the secret and where it was looked for, not its content.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lht.errors import ConfigError

__all__ = [
    "DEFAULT_SECRETS_FILE",
    "SALESFORCE_OAUTH",
    "AccessInfo",
    "env_var_name",
    "read_secret",
    "salesforce_access_info",
]

#: Alias of the Salesforce Connected App secret (GENERIC_STRING object ``LHT.SALESFORCE_OAUTH``).
SALESFORCE_OAUTH = "salesforce_oauth"
DEFAULT_SECRETS_FILE = Path(".lht") / "secrets.json"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def read_secret(
    name: str,
    *,
    environ: Mapping[str, str] | None = None,
    secrets_file: str | Path | None = None,
) -> str:
    """Return the secret called ``name`` as a string, or raise ``ConfigError`` if not found."""
    if not _NAME.match(name):
        raise ConfigError(f"invalid secret name {name!r}")
    snowflake_module = _snowflake_module()
    if snowflake_module is not None:
        try:
            return _from_snowflake(snowflake_module, name)
        except ConfigError:
            notebook = _from_streamlit(name)
            if notebook is None:
                raise
            return notebook
    env = os.environ if environ is None else environ
    value = env.get(env_var_name(name))
    if value:
        return value
    path = Path(secrets_file or env.get("LHT_SECRETS_FILE") or DEFAULT_SECRETS_FILE)
    found = _from_file(path, name) or _from_streamlit(name)
    if found is not None:
        return found
    raise ConfigError(
        f"secret {name!r} not found: set {env_var_name(name)} or add it to {path} "
        "(inside Snowflake it must be bound to the procedure in snowflake.yml)"
    )


def _from_snowflake(module: Any, name: str) -> str:
    """``_snowflake.get_generic_secret_string(name)``; its failure (the alias is not bound to
    the procedure, or the secret is not a GENERIC_STRING) becomes a ConfigError naming the
    alias only. This is the boundary to ``_snowflake``, so any exception it raises is mapped."""
    try:
        value = module.get_generic_secret_string(name)
    except Exception as exc:  # boundary to Snowflake's _snowflake module (driver errors)
        raise ConfigError(
            f"secret {name!r} is not readable inside Snowflake ({type(exc).__name__}): bind it "
            "in snowflake.yml's secrets and let the external access integration allow it"
        ) from None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"secret {name!r} is empty inside Snowflake")
    return value


class AccessInfo(dict[str, str]):
    """The ``access_info`` dict of :func:`lht.salesforce.intelligent_sync.sync_sobject_intelligent`
    (``login_url``, ``client_id``, ``client_secret``) whose ``repr`` shows the login URL only,
    so a notebook cell that displays it never prints the credentials."""

    def __repr__(self) -> str:
        return f"AccessInfo(login_url={self.get('login_url')!r}, client_id=…, client_secret=…)"

    __str__ = __repr__


def salesforce_access_info(secret_name: str = SALESFORCE_OAUTH) -> AccessInfo:
    """``access_info`` for ``sync_sobject_intelligent`` from the bound OAuth secret.

    In a Snowflake Notebook the secret is the one attached with ``ALTER NOTEBOOK ... SET
    SECRETS = ('salesforce_oauth' = <db>.LHT.SALESFORCE_OAUTH)`` (README "Snowflake
    Notebooks"); in a procedure the one snowflake.yml binds; locally ``LHT_SECRET_<NAME>`` or
    ``.lht/secrets.json``. The JSON must hold ``login_url``, ``client_id`` and
    ``client_secret`` (ConfigError naming what is missing, never the values)."""
    from lht.salesforce.auth import Credentials  # noqa: PLC0415 - keeps lht.secrets light

    creds = Credentials.from_json(read_secret(secret_name))
    return AccessInfo(login_url=creds.login_url, client_id=creds.client_id,
                      client_secret=creds.client_secret)  # fmt: skip


def _from_streamlit(name: str) -> str | None:
    """A Snowflake Notebook's attached secret through ``st.secrets[name]``, which Snowflake
    documents for notebook code (docs.snowflake.com/en/user-guide/ui-snowsight/
    notebooks-external-access); None when streamlit is not installed or has no such secret.
    Boundary to streamlit: whatever it raises for a missing secret means "not here"."""
    module = sys.modules.get("streamlit")
    if module is None:
        if importlib.util.find_spec("streamlit") is None:
            return None
        module = importlib.import_module("streamlit")
    try:
        value = module.secrets[name]
    except Exception:  # boundary: streamlit raises several types for "no secrets here"
        return None
    return value if isinstance(value, str) and value else None


def env_var_name(name: str) -> str:
    """``salesforce_oauth`` -> ``LHT_SECRET_SALESFORCE_OAUTH``."""
    return "LHT_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _snowflake_module() -> Any:
    """The ``_snowflake`` module when running inside Snowflake, else None."""
    try:
        return importlib.import_module("_snowflake")
    except ImportError:
        return None


def _from_file(path: Path, name: str) -> str | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read secrets file {path}: {type(exc).__name__}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"secrets file {path} must hold a JSON object of name -> secret")
    value = data.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)
