"""Command line: python -m emulator --port 8443 [--https] [--seed 42] [--rows Account=1000000
...]."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading
from typing import Any

from emulator import Emulator


def _pairs(values: list[str], what: str) -> dict[str, str]:
    result = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"--{what} expects NAME=VALUE, got {item!r}")
        result[name] = value
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Local Salesforce API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8443, help="port (0 = pick a free one; default 8443)"
    )
    parser.add_argument(
        "--https", action="store_true", help="serve HTTPS with a generated self-signed certificate"
    )
    parser.add_argument("--seed", type=int, default=42, help="data seed (default 42)")
    parser.add_argument(
        "--rows", nargs="*", default=[], metavar="SOBJECT=N", help="virtual rows per object"
    )
    parser.add_argument(
        "--option", nargs="*", default=[], metavar="NAME=VALUE", help="emulator options"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def _build(args: argparse.Namespace, rows: dict[str, int], options: dict[str, Any]) -> Emulator:
    return Emulator(
        seed=args.seed,
        https=args.https,
        port=args.port,
        datasets=rows,
        options=options,
        host=args.host,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )
    try:
        rows = {name: int(value) for name, value in _pairs(args.rows, "rows").items()}
        options: dict[str, Any] = dict(_pairs(args.option, "option"))
        emulator = _build(args, rows, options)
    except ValueError as exc:
        raise SystemExit(f"python -m emulator: {exc}") from None
    emulator.start()
    logging.info(
        "instance_url %s  client_id %s  (client secret: the documented local default)",
        emulator.base_url,
        emulator.client_id,
    )
    if emulator.ca_cert_path:
        logging.info("CA certificate (for REQUESTS_CA_BUNDLE): %s", emulator.ca_cert_path)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
