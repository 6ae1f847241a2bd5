"""Helpers ``scripts/deploy`` calls (exit 2 with a message when a setting is missing or invalid):

- ``python -m lht.deploy setup-vars``: sql/setup.sql's ``-D`` values, one ``name=value`` per
  line, from the environment scripts/deploy documents. The Salesforce credentials are checked
  but never printed (snow reads them from the environment itself).
- ``python -m lht.deploy database``: the validated ``LHT_DATABASE`` (default ``LHT``).
"""

from __future__ import annotations

import os
import sys

from lht.deploy.settings import SetupSettings, database_name
from lht.errors import ConfigError


def main(argv: list[str]) -> int:
    if argv not in (["setup-vars"], ["database"]):
        sys.stderr.write("usage: python -m lht.deploy {setup-vars | database}\n")
        return 2
    try:
        if argv == ["database"]:
            lines = [database_name(os.environ)]
        else:
            values = SetupSettings.from_environ(os.environ).template_variables()
            lines = [f"{name}={value}" for name, value in values.items()]
    except ConfigError as exc:
        sys.stderr.write(f"[lht] {exc}\n")
        return 2
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
