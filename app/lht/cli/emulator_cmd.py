"""``lht emulator``: the Salesforce API emulator in the foreground, and how to point LHT at it.

Prints the ``salesforce_oauth`` secret that reaches the emulator (its credentials are the
documented local defaults, not real secrets) or, with ``--write-secret``, stores it in the local
secrets file (``LHT_SECRETS_FILE`` or ``.lht/secrets.json``, other entries kept) so that
``lht sync`` in another terminal uses the emulator. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lht.cli.output import Output
from lht.errors import ConfigError
from lht.secrets import DEFAULT_SECRETS_FILE, SALESFORCE_OAUTH, env_var_name

__all__ = ["register_emulator", "wait_for_stop", "write_secret"]


def register_emulator(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("emulator", parents=[common], help="run the Salesforce emulator",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--port", type=int, default=8443, help="0 = any free port (default 8443)")
    p.add_argument("--https", action="store_true", help="self-signed HTTPS (prints the CA path)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--rows", nargs="*", default=[], metavar="OBJECT=N",
                   help="rows per object, e.g. Account=100000")  # fmt: skip
    p.add_argument("--write-secret", action="store_true",
                   help="store the secret in the local secrets file")  # fmt: skip
    p.set_defaults(run=run_emulator)


def _rows(pairs: list[str]) -> dict[str, int]:
    rows = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value.strip().isdigit():
            raise ConfigError(f"--rows expects OBJECT=N, got {pair!r}")
        rows[name] = int(value)
    return rows


def write_secret(value: str, path: Path | None = None) -> Path:
    """Store ``value`` as the ``salesforce_oauth`` entry of the local secrets file."""
    target = path or Path(os.environ.get("LHT_SECRETS_FILE") or DEFAULT_SECRETS_FILE)
    data: dict[str, Any] = {}
    if target.is_file():
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"cannot read secrets file {target}: not JSON") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"secrets file {target} must hold a JSON object")
    data[SALESFORCE_OAUTH] = json.loads(value)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    target.chmod(0o600)
    return target


def run_emulator(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    from emulator import Emulator  # noqa: PLC0415 - the emulator is a local-mode tool

    try:
        emu = Emulator(seed=args.seed, https=args.https, port=args.port, datasets=_rows(args.rows))
    except ValueError as exc:
        raise ConfigError(f"emulator: {exc}") from None
    try:
        emu.start()
    except OSError as exc:
        raise ConfigError(f"emulator: cannot listen on port {args.port}: {exc.strerror}") from None
    try:
        _announce(emu, args.write_secret, out)
        wait_for_stop()
    finally:
        emu.stop()
    out.message("emulator stopped")
    return 0


def _announce(emu: Any, store: bool, out: Output) -> None:
    secret = json.dumps({"login_url": emu.base_url, "client_id": emu.client_id,
                         "client_secret": emu.client_secret})  # fmt: skip
    out.message(f"Salesforce emulator listening on {emu.base_url} (Ctrl-C stops it)")
    if store:
        out.message(f"secret {SALESFORCE_OAUTH!r} written to {write_secret(secret)}")
    else:
        out.message("point LHT at it (or rerun with --write-secret):")
        out.message(f"  export {env_var_name(SALESFORCE_OAUTH)}='{secret}'")
    if emu.ca_cert_path:
        out.message(f"  export REQUESTS_CA_BUNDLE={emu.ca_cert_path}")
    out.console.file.flush()


def wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
