"""`snow snowpark build` accepts snowflake.yml and every handler imports from the built zips.

Build alone checks neither handler paths nor missing artifact folders, so after an offline build
(in a temporary copy of the project) a fresh interpreter puts only the built zips in front of
``sys.path`` and imports every handler named in snowflake.yml, checking that the code really came
from the zips, that the handler takes (session, *signature), and that nothing local-only
(fakesnow, duckdb, the emulator) is pulled in on a deployed procedure's import path, and that
every third-party module the handlers import comes from a package in requirements.snowflake.txt
or one of its dependencies (Snowflake installs nothing else).

snow runs from its own virtual environment ``.venv-snow`` (snowflake-cli pins exact versions of
Snowpark and the connector), which ``scripts/_env.sh`` creates.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SNOW = ROOT / ".venv-snow" / "bin" / "snow"
IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", ".lht", "__pycache__", "*.pyc", "*.egg-info", "output", "*.zip", ".*_cache"
)
LOCAL_ONLY = ("fakesnow", "duckdb", "emulator", "uvicorn", "lht.local")

pytestmark = pytest.mark.skipif(
    not SNOW.exists(),
    reason=".venv-snow/bin/snow missing: run ./scripts/test (it creates .venv-snow with "
    "snowflake-cli==3.30.0) or scripts/_env.sh",
)


def _definition() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "snowflake.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _procedures(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    mixins = definition.get("mixins", {})
    result = {}
    for key, entity in definition["entities"].items():
        merged: dict[str, Any] = {}
        for mixin in entity.get("meta", {}).get("use_mixins", []):
            merged.update(mixins[mixin])
        merged.update(entity)
        result[key] = merged
    return result


def _declared_packages() -> list[str]:
    """Distribution names in requirements.snowflake.txt (what Snowflake installs)."""
    lines = (ROOT / "requirements.snowflake.txt").read_text(encoding="utf-8").splitlines()
    names = (re.split(r"[ <>=!~;\[]", line.split("#")[0].strip())[0] for line in lines)
    return [name for name in names if name]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("snow") / "lht"
    shutil.copytree(ROOT, project, ignore=IGNORE)
    env = {**os.environ, "SNOWFLAKE_HOME": str(project.parent / "snowflake-home")}
    done = subprocess.run(
        [str(SNOW), "snowpark", "build"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project


def test_snowflake_yml_procedures_share_mixin_with_secret_and_integration() -> None:
    procedures = _procedures(_definition())

    assert procedures, "snowflake.yml defines no entities"
    for key, proc in procedures.items():
        assert proc["type"] == "procedure", key
        assert proc["runtime"] == "3.11", key
        assert proc["external_access_integrations"] == [
            "<% ctx.env.LHT_DATABASE %>_SALESFORCE_ACCESS"
        ], key
        assert proc["secrets"] == {"salesforce_oauth": "LHT.SALESFORCE_OAUTH"}, key
    assert {p["handler"] for p in procedures.values()} >= {
        "sync.sync_sobject",
        "sync.sync_sobject_with_options",
    }


@pytest.mark.parametrize(
    ("env", "integration"),
    [({}, "LHT_SALESFORCE_ACCESS"), ({"LHT_DATABASE": "LHT_DEV"}, "LHT_DEV_SALESFORCE_ACCESS")],
)
def test_snow_renders_the_integration_of_the_deploy_database(
    env: dict[str, str], integration: str
) -> None:
    """snow's own loader renders ctx.env.LHT_DATABASE (environment first, then env: defaults)."""
    probe = (
        "import json\n"
        "from pathlib import Path\n"
        "from snowflake.cli.api.project.definition import load_project\n"
        "p = load_project([Path('snowflake.yml')]).project_definition\n"
        "print(json.dumps({k: e.external_access_integrations for k, e in p.entities.items()}))\n"
    )
    clean = {k: v for k, v in os.environ.items() if k != "LHT_DATABASE"}
    done = subprocess.run(
        [str(ROOT / ".venv-snow" / "bin" / "python"), "-c", probe],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    rendered = json.loads(done.stdout.strip().splitlines()[-1])
    assert rendered and set(map(tuple, rendered.values())) == {(integration,)}


def test_snow_build_every_artifact_exists_and_is_zipped(built: Path) -> None:
    for key, proc in _procedures(_definition()).items():
        for artifact in proc["artifacts"]:
            src = artifact["src"] if isinstance(artifact, dict) else artifact
            assert (ROOT / src).is_dir(), f"{key}: artifact {src} is missing"
            assert (built / f"{Path(src).name}.zip").is_file(), f"{key}: {src} was not zipped"


def test_snow_build_every_handler_imports_from_zips(built: Path, tmp_path: Path) -> None:
    procedures = _procedures(_definition())
    zips = sorted(str(p) for p in built.glob("*.zip"))
    handlers = {
        proc["handler"]: len(proc["signature"]) + 1  # Snowpark passes the session first
        for proc in procedures.values()
    }
    probe = textwrap.dedent(
        r"""
        import importlib, inspect, json, sys
        zips, handlers, local_only, declared = json.loads(sys.argv[1])
        sys.path[:0] = zips
        # Snowpark imports pandas/pyarrow/numpy when they happen to be installed; count only what
        # the handlers add on top of importing the declared packages themselves.
        modules = {"snowflake-snowpark-python": "snowflake.snowpark"}
        for name in declared:
            importlib.import_module(modules.get(name, name.replace("-", "_")))
        baseline = set(sys.modules)
        report = {}
        for handler, arity in handlers.items():
            module_name, _, func_name = handler.rpartition(".")
            module = importlib.import_module(module_name)
            func = getattr(module, func_name)
            report[handler] = {
                "file": module.__file__,
                "arity": len(inspect.signature(func).parameters),
                "expected": arity,
            }
        import lht
        report["lht"] = {"file": lht.__file__}
        import importlib.metadata as md, re
        canon = lambda name: re.sub(r"[-_.]+", "-", name).lower()
        allowed = set()
        def walk(name):
            if canon(name) in allowed:
                return
            allowed.add(canon(name))
            try:
                requires = md.distribution(name).requires or []
            except md.PackageNotFoundError:
                return
            for req in requires:
                if "extra ==" not in req:
                    walk(re.split(r"[ <>=!~;\[(]", req, maxsplit=1)[0])
        for name in declared:
            walk(name)
        owners = md.packages_distributions()
        loaded = {
            name.split(".")[0] for name, mod in list(sys.modules.items())
            if name not in baseline and not name.startswith("__editable__")
            and "site-packages" in (getattr(mod, "__file__", None) or "")
        }
        report["undeclared"] = sorted(
            top for top in loaded
            if not any(canon(d) in allowed for d in owners.get(top, []))
        )
        report["local_only"] = sorted(
            name for name in sys.modules if name.split(".")[0] in local_only or name in local_only
            or any(name.startswith(p + ".") for p in local_only)
        )
        print(json.dumps(report))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            json.dumps([zips, handlers, list(LOCAL_ONLY), _declared_packages()]),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report.pop("local_only") == []
    undeclared = report.pop("undeclared")
    assert undeclared == [], f"imported but not in requirements.snowflake.txt: {undeclared}"
    for name, info in report.items():
        assert ".zip" in info["file"], f"{name} imported from {info['file']}, not a built zip"
        assert info.get("arity", 0) == info.get("expected", 0), f"{name} signature mismatch"
