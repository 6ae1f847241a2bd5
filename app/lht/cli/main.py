"""``lht``: argument parsing, logging set-up and exit codes; the commands live in commands.py.

Exit codes: 0 success, 1 a sync/push (or another operation) reported failure, 2 bad usage
(unknown command or option, invalid option value, bad object/schema/table name).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from lht.cli import commands
from lht.cli.backends import open_backend
from lht.cli.output import Output
from lht.errors import ConfigError, LhtError

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: Third-party loggers whose chatter is not news on a terminal (as in the demo).
_NOISY = ("fakesnow", "fakesnow.server", "uvicorn", "uvicorn.error", "sqlglot", "snowflake",
          "lht.warehouse.stage")  # fmt: skip


def _common(parser: argparse.ArgumentParser, default: Callable[[Any], Any]) -> None:
    """Options accepted before and after the command (``default`` = SUPPRESS on commands)."""
    parser.add_argument("--connection", metavar="NAME", default=default(None),
                        help="run in Snowflake: a connection from the Snowflake CLI's "
                             "connections.toml (calls the deployed procedures)")  # fmt: skip
    parser.add_argument("--data-dir", metavar="DIR", default=default(".lht"),
                        help="embedded warehouse directory (default .lht)")  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", default=default(False),
                        help="no progress bars")  # fmt: skip
    parser.add_argument("--verbose", action="store_true", default=default(False),
                        help="show INFO logs")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lht",
        description="Lake House Tools: sync Salesforce into Snowflake and push changes back. "
        "Runs on the embedded warehouse (.lht/) unless --connection is given.",
    )
    _common(parser, lambda value: value)
    common = argparse.ArgumentParser(add_help=False)
    _common(common, lambda _value: argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in commands.REGISTRY:
        register(sub, common)
    return parser


def main(argv: list[str] | None = None, *, backend: Callable[..., Any] = open_backend,
         out: Output | None = None) -> int:  # fmt: skip
    """Run ``lht`` with ``argv``; returns the exit code. ``backend(connection, data_dir)`` is
    the context manager giving the command its backend (tests pass one over their session)."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "passthrough", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse: 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    args.extra = extra
    out = out or Output()
    _configure_logging(args.verbose)
    try:
        return int(args.run(args, backend, out))
    except ConfigError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    except LhtError as exc:
        out.error(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        out.error("interrupted")
        return 130


class _ReportedInResults(logging.Filter):
    """Drops the ERROR records of a failed sync/push/object: the result table shows the same
    error (with --verbose every record is kept)."""

    #: (logger, message format) of the records that only repeat a result's ``error``.
    REPEATED = frozenset({
        ("lht.sync.executor", "sync of %s failed: %s"),
        ("lht.push.service", "push %s %s from %s failed: %s"),
        ("lht.orchestrate.sync_all", "%s -> %s failed before syncing: %s"),
    })  # fmt: skip

    def filter(self, record: logging.LogRecord) -> bool:
        return (record.name, str(record.msg)) not in self.REPEATED


def _configure_logging(verbose: bool) -> None:
    """Warnings (INFO with --verbose) on stderr; progress records feed the bars separately."""
    root = logging.getLogger()
    if not any(getattr(h, "_lht_cli", False) for h in root.handlers):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stream._lht_cli = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    for handler in root.handlers:
        if getattr(handler, "_lht_cli", False):
            handler.setLevel(logging.INFO if verbose else logging.WARNING)
            for old in [f for f in handler.filters if isinstance(f, _ReportedInResults)]:
                handler.removeFilter(old)
            if not verbose:
                handler.addFilter(_ReportedInResults())
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)


def entry_point() -> None:
    """The ``lht`` console script."""
    sys.exit(main())
