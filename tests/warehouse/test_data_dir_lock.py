"""#11.6: a second LHT process on the same data dir fails fast with a clear message.

DuckDB allows one process per database file; the second ``lht`` command used to wait on that
file lock and print the stand-in server's traceback.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lht.errors import WarehouseError
from lht.local.runtime import LocalWarehouse

HOLDER = """
import sys
from lht.local.runtime import LocalWarehouse
with LocalWarehouse(data_dir=sys.argv[1]):
    print("ready", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def held_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir whose warehouse another process holds open."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"ready"
        yield tmp_path
    finally:
        holder.communicate(timeout=60)


def test_second_process_on_same_data_dir_fails_fast_naming_the_holder(held_dir: Path) -> None:
    started = time.monotonic()
    with pytest.raises(WarehouseError, match="another LHT process") as caught:
        LocalWarehouse(data_dir=held_dir).start()
    assert time.monotonic() - started < 10
    assert str(held_dir / "warehouse") in str(caught.value)


def test_second_lht_command_on_same_data_dir_prints_one_clear_line(held_dir: Path) -> None:
    command = [sys.executable, "-m", "lht.cli", "status", "--data-dir", str(held_dir)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "another LHT process" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_data_dir_is_free_again_after_the_holder_exits(tmp_path: Path) -> None:
    with LocalWarehouse(data_dir=tmp_path):
        pass
    with LocalWarehouse(data_dir=tmp_path) as again:
        assert again.session is not None
