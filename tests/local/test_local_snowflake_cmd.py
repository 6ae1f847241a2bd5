"""``lht local-snowflake``: the local Snowflake in the foreground, reached by the real ``snow``
and by the connector through the connection it wrote; Ctrl-C stops it cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lht.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SNOW = ROOT / ".venv-snow" / "bin" / "snow"
CONNECTOR_PROBE = (
    "import snowflake.connector\n"
    "c = snowflake.connector.connect(connection_name='lht_test')\n"
    "print(c.cursor().execute('SELECT CURRENT_ACCOUNT(), CURRENT_USER()').fetchone())\n"
)


def test_local_snowflake_bad_connection_name_is_bad_usage_before_starting(capsys) -> None:
    assert main(["local-snowflake", "--write-connection", "my conn"]) == 2
    assert "invalid connection name 'my conn'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not SNOW.exists(), reason=".venv-snow missing (scripts/_env.sh)")
def test_local_snowflake_serves_snow_and_the_connector_and_stops_on_ctrl_c(tmp_path) -> None:
    argv = [sys.executable, "-m", "lht.cli", "--data-dir", str(tmp_path / "data"),
            "local-snowflake", "--write-connection", "lht_test"]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert re.search(r"local Snowflake listening on 127\.0\.0\.1:\d+", lines[0]), lines
        home = lines[2].strip().removeprefix("export SNOWFLAKE_HOME=")
        assert Path(home) == (tmp_path / "data" / "snowflake").resolve()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SNOWFLAKE_HOME": home}
        snow = subprocess.run([str(SNOW), "sql", "-c", "lht_test", "--format", "json", "-q",
                               "SELECT CURRENT_ACCOUNT() AS A, CURRENT_WAREHOUSE() AS W"],
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
        driver = subprocess.run([sys.executable, "-c", CONNECTOR_PROBE], env=env,
                                capture_output=True, text=True, timeout=120,
                                check=False)  # fmt: skip
    finally:
        proc.send_signal(signal.SIGINT)
        rest, errors = proc.communicate(timeout=60)
    assert snow.returncode == 0, snow.stderr[-2000:]
    assert json.loads(snow.stdout) == [{"A": "LHT_LOCAL", "W": "COMPUTE_WH"}]
    assert driver.returncode == 0, driver.stderr[-2000:]
    assert driver.stdout.strip() == "('LHT_LOCAL', 'LHT_LOCAL')"
    assert proc.returncode == 0, errors[-2000:]
    assert rest.strip().endswith("local Snowflake stopped")
    assert "Traceback" not in errors
