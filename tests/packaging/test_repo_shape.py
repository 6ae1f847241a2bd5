"""The entry points the README promises exist and say what they do."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["scripts/test", "scripts/check", "scripts/demo", "scripts/deploy", ".ci/run"]


def _requirements(path: Path) -> list[str]:
    """A pip requirements file (requirements.core.txt): comments and blank lines allowed."""
    lines = (raw.split("#")[0].strip() for raw in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def _snowflake_packages() -> list[str]:
    """requirements.snowflake.txt read the way snow reads it: every line is a package.

    snowflake-cli ``_plugins/snowpark/commands.py`` ``_read_snowflake_requirements_file``:
    ``file_path.read_text(...).splitlines()``, nothing stripped (no comment handling).
    """
    return (ROOT / "requirements.snowflake.txt").read_text(encoding="utf-8").splitlines()


def _name(line: str) -> str:
    return re.split(r"[<>=!~\[; ]", line)[0].lower().replace("_", "-")


def test_readme_first_code_block_is_demo_then_test() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```")[1]

    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:]]
    assert [c for c in commands if c] == ["./scripts/demo", "./scripts/test"]
    assert text.index("./scripts/demo") < text.index("## What LHT is")


def test_ci_run_calls_the_readme_test_command() -> None:
    body = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert re.search(r"^\./scripts/test \"\$@\" \|\| rc=1$", body, re.MULTILINE)


def test_ci_run_runs_both_benchmarks_small_and_fails_with_them() -> None:
    """A benchmark that stops working must fail CI (#11.7): both run at a small size and a
    failing one sets the exit status."""
    body = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert re.search(r"^.*\./scripts/bench --sizes 2000\b.* \|\| rc=1$", body, re.MULTILINE)
    assert re.search(r"^.*scripts/bench_push\.py --sizes 2000 \|\| rc=1$", body, re.MULTILINE)
    assert re.search(r"^exit \"\$rc\"$", body, re.MULTILINE)


def test_scripts_are_executable_bash_with_valid_syntax() -> None:
    for name in [*SCRIPTS, "scripts/_env.sh"]:
        path = ROOT / name
        if name != "scripts/_env.sh":
            assert path.stat().st_mode & 0o111, f"{name} is not executable"
        done = subprocess.run(
            ["bash", "-n", str(path)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{name}: {done.stderr}"


def test_snowflake_requirements_are_core_dependencies() -> None:
    snowflake = {_name(line) for line in _snowflake_packages()}
    core = {_name(line) for line in _requirements(ROOT / "requirements.core.txt")}

    assert snowflake
    assert snowflake <= core, f"not in requirements.core.txt: {sorted(snowflake - core)}"
    assert not (ROOT / "requirements.txt").exists(), "snow snowpark build would need a connection"


def test_snowflake_requirements_every_line_as_snow_reads_it_is_a_requirement() -> None:
    """snow copies each line into PACKAGES=(...): a comment or blank line would be a package."""
    lines = _snowflake_packages()

    assert lines
    for number, line in enumerate(lines, start=1):
        assert line == line.strip() and line, f"line {number}: blank or padded: {line!r}"
        assert not line.startswith("#"), f"line {number} is a comment; explain in the README"
        assert str(Requirement(line)) == line, f"line {number}: not a plain requirement: {line!r}"
        assert not Requirement(line).url and not Requirement(line).marker, f"line {number}"


def test_core_dependencies_have_pinned_ranges() -> None:
    requirements = _requirements(ROOT / "requirements.core.txt")

    assert requirements
    for line in requirements:
        assert ">=" in line and "<" in line.replace("<=", ""), f"unbounded: {line}"
