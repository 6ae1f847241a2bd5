"""lht.secrets.read_secret: _snowflake inside Snowflake, env var or JSON file locally."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from lht.errors import ConfigError
from lht.secrets import env_var_name, read_secret, salesforce_access_info

OAUTH = {"login_url": "https://acme.my.salesforce.com", "client_id": "id", "client_secret": "s3"}


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_env_var_name_alias_upper_snake() -> None:
    assert env_var_name("salesforce_oauth") == "LHT_SECRET_SALESFORCE_OAUTH"
    assert env_var_name("sf.oauth-2") == "LHT_SECRET_SF_OAUTH_2"


def test_read_secret_env_var_set_wins_over_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.json", {"salesforce_oauth": "from-file"})
    env = {"LHT_SECRET_SALESFORCE_OAUTH": "from-env"}

    assert read_secret("salesforce_oauth", environ=env, secrets_file=path) == "from-env"


def test_read_secret_file_object_value_returned_as_json(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.json", {"salesforce_oauth": OAUTH})

    value = read_secret("salesforce_oauth", environ={}, secrets_file=path)

    assert json.loads(value) == OAUTH


def test_read_secret_file_from_lht_secrets_file_env(tmp_path: Path) -> None:
    path = _write(tmp_path / "other.json", {"token": "abc"})

    assert read_secret("token", environ={"LHT_SECRETS_FILE": str(path)}) == "abc"


def test_read_secret_default_file_in_cwd_dot_lht(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".lht").mkdir()
    _write(tmp_path / ".lht" / "secrets.json", {"token": "xyz"})
    monkeypatch.chdir(tmp_path)

    assert read_secret("token", environ={}) == "xyz"


def test_read_secret_missing_everywhere_raises_config_error_naming_env_var(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.json", {"other": "value-not-shown"})

    with pytest.raises(ConfigError, match="LHT_SECRET_SALESFORCE_OAUTH") as info:
        read_secret("salesforce_oauth", environ={}, secrets_file=path)
    assert "value-not-shown" not in str(info.value)


def test_read_secret_corrupt_file_raises_config_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(ConfigError, match="cannot read secrets file"):
        read_secret("token", environ={}, secrets_file=path)


def test_read_secret_bad_name_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid secret name"):
        read_secret("../etc/passwd", environ={})


def test_read_secret_inside_snowflake_uses_snowflake_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    fake = types.ModuleType("_snowflake")

    def get_generic_secret_string(name: str) -> str:
        calls.append(name)
        return "from-snowflake"

    fake.get_generic_secret_string = get_generic_secret_string  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_snowflake", fake)

    value = read_secret("salesforce_oauth", environ={"LHT_SECRET_SALESFORCE_OAUTH": "env"})

    assert (value, calls) == ("from-snowflake", ["salesforce_oauth"])


def test_read_secret_unbound_inside_snowflake_is_a_config_error_naming_only_the_alias(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = types.ModuleType("_snowflake")

    def get_generic_secret_string(name: str) -> str:
        raise ValueError(f"secret {name} not bound; value was hunter2")

    fake.get_generic_secret_string = get_generic_secret_string  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_snowflake", fake)

    with pytest.raises(ConfigError, match="'salesforce_oauth' is not readable") as info:
        read_secret("salesforce_oauth")
    assert "hunter2" not in str(info.value)


def _fake_snowflake(monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str]) -> None:
    fake = types.ModuleType("_snowflake")

    def get_generic_secret_string(name: str) -> str:
        if name not in secrets:
            raise ValueError(f"secret {name} is not bound")
        return secrets[name]

    fake.get_generic_secret_string = get_generic_secret_string  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_snowflake", fake)


def test_salesforce_access_info_from_the_bound_secret_masks_its_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    creds = {"login_url": "https://acme.my.salesforce.com/", "client_id": "3MVG9id",
             "client_secret": "s3cr3t-value"}  # fmt: skip
    _fake_snowflake(monkeypatch, {"salesforce_oauth": json.dumps(creds)})

    info = salesforce_access_info()

    assert info == {**creds, "login_url": "https://acme.my.salesforce.com"}
    assert "s3cr3t-value" not in repr(info) and "s3cr3t-value" not in str(info)
    assert "3MVG9id" not in repr(info) and "acme.my.salesforce.com" in repr(info)


def test_salesforce_access_info_names_missing_keys_not_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_snowflake(monkeypatch, {"salesforce_oauth": json.dumps({"client_secret": "xyz123"})})

    with pytest.raises(ConfigError, match="login_url, client_id") as info:
        salesforce_access_info()
    assert "xyz123" not in str(info.value)


def test_read_secret_in_a_notebook_falls_back_to_streamlit_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_snowflake(monkeypatch, {})  # _snowflake present but the alias is not bound there
    streamlit = types.ModuleType("streamlit")
    streamlit.secrets = {"salesforce_oauth": "from-st-secrets"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "streamlit", streamlit)

    assert read_secret("salesforce_oauth") == "from-st-secrets"
    with pytest.raises(ConfigError, match="'other' is not readable"):
        read_secret("other")
