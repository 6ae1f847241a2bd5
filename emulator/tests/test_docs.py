"""COVERAGE.md documents every registered knob (incl. the Bulk modules') and every control route."""

from __future__ import annotations

import re
from pathlib import Path

import emulator
from emulator.core.options import registered_options
from emulator.routes import build_router

DOC = (Path(__file__).resolve().parents[1] / "COVERAGE.md").read_text()
SOURCE_DIR = Path(emulator.__file__).parent
#: Where handlers name an error code: the code is the string literal in these call shapes.
RAISED = (
    r'NamedError\(\s*"([A-Za-z_]+)"',
    r'sf_error\(\s*\d+,\s*"([A-Za-z_]+)"',
    r'SalesforceHttpError\(\s*\d+,\s*"([A-Za-z_]+)"',
    r'RecordError\(\s*"([A-Za-z_]+)"',
    r'RowFailure\(\s*"([A-Za-z_]+)"',
    r'AsyncApiError\(\s*"([A-Za-z_]+)"',
    r'OAuthError\(\s*"([a-z_]+)"',
    r'query_error\(\s*[^,]+,\s*[^,]+,\s*"([A-Za-z_]+)"',
    r'\bfault\(\s*"([A-Z_]+)"',
    r'register_option\(\s*"[a-z.]+_error_code",\s*"([A-Z_]+)"',
)


def _raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCE_DIR.rglob("*.py"):
        if "tests" not in path.relative_to(SOURCE_DIR).parts:
            text = path.read_text()
            codes.update(m.group(1) for pattern in RAISED for m in re.finditer(pattern, text))
    return codes


def _documented_codes() -> set[str]:
    table = DOC.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Za-z_]+)` \|", table, re.MULTILINE))


def test_every_option_is_listed_with_its_default_in_coverage() -> None:
    build_router()  # imports every module, so all options are registered
    for spec in registered_options():
        row = re.search(rf"^\| `{re.escape(spec.name)}` \| `([^`]*)` \|", DOC, re.MULTILINE)
        assert row is not None, f"{spec.name} missing from COVERAGE.md"
        assert row.group(1) == repr(spec.default), spec.name


def test_every_control_route_is_documented() -> None:
    for route in build_router().routes:
        path = route.pattern.pattern.removeprefix("^").split("(")[0].split("/?")[0]
        if path.startswith("/__emulator"):
            assert f"`{path}" in DOC, path


def test_every_error_code_raised_is_in_the_coverage_table_and_only_those() -> None:
    raised, documented = _raised_codes(), _documented_codes()
    assert len(raised) > 40  # the scan still finds the call shapes
    assert raised - documented == set(), "raised but not in COVERAGE.md's Error codes table"
    assert documented - raised == set(), "in COVERAGE.md's Error codes table but never raised"
