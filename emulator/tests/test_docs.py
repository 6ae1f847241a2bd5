"""COVERAGE.md documents every registered knob (incl. the Bulk modules') and every control route."""

from __future__ import annotations

import re
from pathlib import Path

from emulator.core.options import registered_options
from emulator.routes import build_router

DOC = (Path(__file__).resolve().parents[1] / "COVERAGE.md").read_text()


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
