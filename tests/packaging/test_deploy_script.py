"""scripts/deploy drives snow as the README says: a recording stand-in for ``snow`` (LHT_SNOW)
captures every invocation's argv and the credentials it sees in its environment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "S3CRETvalue42"
RECORDER = """#!/usr/bin/env bash
python3 - "$@" <<'PY' >>"$LHT_SNOW_LOG"
import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(),
                  "env": {k: os.environ.get(k) for k in ("SF_CLIENT_ID", "SF_CLIENT_SECRET")}}))
PY
"""
SETTINGS = {
    "LHT_DATABASE": "lht_dev",
    "LHT_WAREHOUSE": "LHT_WH",
    "LHT_DEPLOY_USER": "jane.doe@acme.com",
    "SF_LOGIN_URL": "http://127.0.0.1:5555",
    "SF_CLIENT_ID": "3MVG9client",
    "SF_CLIENT_SECRET": SECRET,
}


def _deploy(tmp_path: Path, settings: dict[str, str], *args: str) -> tuple[int, list[Any], str]:
    snow = tmp_path / "snow"
    snow.write_text(RECORDER, encoding="utf-8")
    snow.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    log.touch()
    keep = ("PATH", "HOME", "PIP_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "LHT_PYTHON")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {"LHT_SNOW": str(snow), "LHT_SNOW_LOG": str(log), **settings}
    done = subprocess.run(
        [str(ROOT / "scripts" / "deploy"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return done.returncode, calls, done.stderr


def _option(argv: list[str], name: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == name]


def test_deploy_runs_setup_build_deploy_with_warehouse_and_env_credentials(
    tmp_path: Path,
) -> None:
    code, calls, stderr = _deploy(tmp_path, SETTINGS, "--connection", "rehearsal")

    assert code == 0, stderr
    assert [c["argv"][:2] for c in calls] == [["sql", "--connection"], ["snowpark", "build"],
                                              ["snowpark", "deploy"]]  # fmt: skip
    setup, _build, deploy = (c["argv"] for c in calls)
    assert _option(setup, "-f") == ["sql/setup.sql"]
    assert _option(setup, "--warehouse") == ["LHT_WH"]
    assert _option(setup, "-D") == [
        "database=LHT_DEV",
        "warehouse=LHT_WH",
        "deploy_user=jane.doe@acme.com",
        "sf_login_url=http://127.0.0.1:5555",
        "sf_network_hosts='127.0.0.1:5555'",
    ]
    assert calls[0]["env"] == {"SF_CLIENT_ID": "3MVG9client", "SF_CLIENT_SECRET": SECRET}
    assert _option(deploy, "--warehouse") == ["LHT_WH"]
    assert _option(deploy, "--role") == ["LHT_ADMIN"]
    assert _option(deploy, "--database") == ["LHT_DEV"]
    assert _option(deploy, "--env") == ["LHT_DATABASE=LHT_DEV"]
    assert _option(deploy, "--connection") == ["rehearsal"]
    assert all(SECRET not in arg for c in calls for arg in c["argv"])
    assert SECRET not in stderr


def test_deploy_skip_setup_needs_no_credentials(tmp_path: Path) -> None:
    settings = {"LHT_DATABASE": "LHT", "LHT_WAREHOUSE": "LHT_WH"}
    code, calls, stderr = _deploy(tmp_path, settings, "--skip-setup")

    assert code == 0, stderr
    assert [c["argv"][:2] for c in calls] == [["snowpark", "build"], ["snowpark", "deploy"]]
    assert _option(calls[1]["argv"], "--warehouse") == ["LHT_WH"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SF_CLIENT_SECRET": ""}, "SF_CLIENT_SECRET"),
        ({"SF_LOGIN_URL": "http://acme.my.salesforce.com"}, "https"),
        ({"LHT_DATABASE": "lht-dev"}, "LHT_DATABASE"),
    ],
)
def test_deploy_bad_setting_stops_before_snow_runs(
    tmp_path: Path, change: dict[str, str], named: str
) -> None:
    code, calls, stderr = _deploy(tmp_path, {**SETTINGS, **change})

    assert code == 2
    assert calls == []
    assert named in stderr and SECRET not in stderr
