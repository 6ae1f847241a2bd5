"""README "Snowflake Notebooks": its cells, verbatim, in a fresh Python process as a notebook
runs them, against the local Snowflake (a database made by setup.sql) and the emulator.

What the notebook runtime provides is set up before the cells run: the active Snowpark session
(``get_active_session()``), the ``_snowflake`` module serving the secret attached to the
notebook, and ``app.zip`` on ``@LHT.LHT_CODE_STAGE`` (put there with ``put_stream``, as ``snow
snowpark deploy`` uploads it). One part is served by this harness: the local Snowflake has no
GET yet, so ``session.file.get_stream`` reads the file from the stage's directory on disk (the
bytes PUT stored). The cells then import ``lht`` from that zip, build ``access_info`` with
``lht.secrets.salesforce_access_info()`` and sync Account.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from lht.local import fakesnow_patch
from tests.e2e.deployed_db import create_deployed_database

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = r"""
import io, json, os, sys
from pathlib import Path
config = json.loads(os.environ["NOTEBOOK_CONFIG"])
sys.path.insert(0, config["runtime_dir"])  # the runtime's _snowflake module
from snowflake.snowpark import Session
session = Session.builder.configs(config["connection"]).create()
session.sql(f"USE SCHEMA {config['database']}.LHT").collect()
stage_dir = Path(config["code_stage_dir"])
session.file.get_stream = lambda location, **_: io.BytesIO(
    (stage_dir / location.rsplit("/", 1)[-1]).read_bytes())
assert "lht" not in sys.modules
cells = {}
for cell in config["cells"]:
    exec(compile(cell, "<notebook cell>", "exec"), cells)
import lht
report = {"lht": lht.__file__, "result": cells["result"], "shown": repr(cells["access_info"])}
print("NOTEBOOK " + json.dumps(report, default=str), flush=True)
os._exit(0)
"""
SNOWFLAKE_MODULE = '''
"""The notebook runtime's _snowflake: the secrets attached to the notebook, by alias."""
import json, os

def get_generic_secret_string(name):
    secrets = json.loads(os.environ["NOTEBOOK_SECRETS"])
    if name not in secrets:
        raise ValueError(f"secret {name} is not attached to this notebook")
    return secrets[name]
'''


def readme_cells() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Snowflake Notebooks", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"<!-- notebook cell -->\n```python\n(.*?)```", section, re.S)
    assert len(cells) == 3, "README Snowflake Notebooks: expected three marked cells"
    return cells


def app_zip() -> bytes:
    """app/'s contents at the zip root, as ``snow snowpark build`` zips them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((ROOT / "app").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(ROOT / "app").as_posix())
    return buffer.getvalue()


def test_readme_notebook_cells_sync_with_the_secret_from_snowflake_module(
    local_warehouse: Any, emu_server: Any, tmp_path: Path
) -> None:
    emu_server.org.faults.clear()
    creds = {"login_url": emu_server.base_url, "client_id": emu_server.client_id,
             "client_secret": emu_server.client_secret}  # fmt: skip
    session = local_warehouse.new_session()
    try:
        database = create_deployed_database(session, emu_server.base_url, {
            "SF_CLIENT_ID": creds["client_id"], "SF_CLIENT_SECRET": creds["client_secret"],
        }, "LHT_NOTEBOOK")  # fmt: skip
        session.file.put_stream(io.BytesIO(app_zip()), f"@{database}.LHT.LHT_CODE_STAGE/app.zip",
                                auto_compress=False)  # fmt: skip
        (tmp_path / "_snowflake.py").write_text(SNOWFLAKE_MODULE, encoding="utf-8")
        config = {
            "connection": local_warehouse.connection_parameters,
            "database": database,
            "runtime_dir": str(tmp_path),
            "code_stage_dir": fakesnow_patch.stage_directory(database, "LHT", "LHT_CODE_STAGE"),
            "cells": [c.replace("LHT.LHT.", f"{database}.LHT.") for c in readme_cells()],
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("LHT_SECRET")}
        secrets = {"salesforce_oauth": json.dumps(creds)}
        env |= {"NOTEBOOK_CONFIG": json.dumps(config, default=str),
                "NOTEBOOK_SECRETS": json.dumps(secrets)}  # fmt: skip
        env.pop("PYTHONPATH", None)
        done = subprocess.run([sys.executable, "-c", NOTEBOOK], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        rows = session.sql(f"SELECT COUNT(*) AS N FROM {database}.RAW.ACCOUNTS").collect()
    finally:
        local_warehouse.close_session(session)

    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.split("NOTEBOOK ", 1)[1])
    assert report["lht"].endswith("app.zip/lht/__init__.py")  # imported from the staged zip
    result = report["result"]
    assert result["success"] is True, result["error"]
    assert result["actual_records"] == rows[0]["N"] > 0
    assert result["sync_method"].endswith("_full")
    assert creds["client_secret"] not in report["shown"]
    assert emu_server.base_url in report["shown"]
