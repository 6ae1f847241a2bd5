"""The local sandbox: the Python environment a procedure's handler runs in (local mode only).

Snowflake runs a Python procedure in its own interpreter with the packages named in PACKAGES
(from the Snowflake Anaconda channel) and the files named in IMPORTS (docs:
developer-guide/udf/python/udf-python-packages). Locally that environment is this process's
interpreter and its site-packages, *without* the editable installs of this repository (``lht``,
the emulator): a handler imports only what the staged zips and the installed distributions
provide. :func:`check_packages` is CREATE PROCEDURE's PACKAGES check against it.
"""

from __future__ import annotations

import functools
import json
import sys
import sysconfig
from collections.abc import Sequence
from importlib import metadata

from lht.local.snowflake.responses import SqlError

__all__ = ["RUNTIME_VERSION", "SNOWFLAKE_RUNTIMES", "check_packages", "interpreter", "site_dirs"]

#: The runtime the local sandbox can run: this interpreter's Python version.
RUNTIME_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
#: Python runtimes Snowflake offers for procedures (docs: developer-guide/stored-procedure/
#: python/procedure-python-overview, "supported versions of Python").
SNOWFLAKE_RUNTIMES = ("3.9", "3.10", "3.11", "3.12", "3.13")
#: PACKAGES must name Snowpark for a stored procedure (docs: sql/create-procedure, PACKAGES:
#: "the Snowpark package is required for stored procedures").
SNOWPARK = "snowflake-snowpark-python"


def interpreter() -> str:
    """The Python executable a procedure's child process runs."""
    return sys.executable


def site_dirs() -> list[str]:
    """The sandbox's site-packages directories (added to a child's sys.path without .pth files,
    so editable installs of the repository stay out)."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


@functools.lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Canonical distribution name → version, for distributions installed in the site dirs
    (editable installs excluded: their code is not in the sandbox)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions(path=site_dirs()):
        name = dist.metadata["Name"]
        if not name or _editable(dist):
            continue
        found.setdefault(_canonical(name), dist.version)
    return found


def _editable(dist: metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    if not text:
        return False
    try:
        return bool(json.loads(text).get("dir_info", {}).get("editable"))
    except ValueError:
        return False


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name  # noqa: PLC0415 - local mode only

    return str(canonicalize_name(name))


def check_packages(entries: Sequence[str]) -> list[str]:
    """The ``name==version`` installed for each PACKAGES entry; SqlError as Snowflake fails a
    package list it cannot satisfy ("Cannot create a Python function with the specified
    packages ...", the text Snowflake shows, e.g. for ``'Packages not found: ...'``)."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    installed = _installed()
    resolved: list[str] = []
    missing: list[str] = []
    for entry in entries:
        try:
            requirement = Requirement(entry)
        except InvalidRequirement:
            raise _package_error(f"Invalid package specification: '{entry}' is not a "
                                 "requirement (name[==version])") from None  # fmt: skip
        version = installed.get(_canonical(requirement.name))
        if version is None or (requirement.specifier and version not in requirement.specifier):
            missing.append(entry)
            continue
        resolved.append(f"{requirement.name}=={version}")
    if missing:
        raise _package_error(f"Packages not found: {', '.join(missing)} (not installed in the "
                             f"local sandbox environment {sys.prefix})")  # fmt: skip
    if SNOWPARK not in (r.split("==")[0] for r in resolved):
        raise _package_error(f"{SNOWPARK} is required in PACKAGES for a stored procedure")
    return resolved


def _package_error(detail: str) -> SqlError:
    return SqlError(391546, "42601", "SQL compilation error: Cannot create a Python function "
                    "with the specified packages. Please check your packages specification "
                    f"and try again. '{detail}'.")  # fmt: skip
