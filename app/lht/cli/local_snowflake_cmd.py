"""``lht local-snowflake``: the local Snowflake in the foreground, for ``snow`` or any driver.

Serves the same stand-in the demo and the tests use (fakesnow behind LHT's Snowflake object
layer) over ``<data dir>/warehouse/`` on 127.0.0.1. With ``--write-connection NAME`` it writes
a Snowflake CLI connection to ``<data dir>/snowflake/connections.toml`` (or ``--snowflake-home
DIR``; never the user's own one unless that is the directory given) and prints the
``SNOWFLAKE_HOME`` to export, so that ``snow sql -c NAME`` and ``lht --connection NAME`` reach
it. With ``--emulator`` the Salesforce emulator runs too, and the settings that deploy LHT into
the local Snowflake with ``./scripts/deploy`` are printed. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lht.cli.emulator_cmd import wait_for_stop
from lht.cli.output import Output
from lht.errors import ConfigError, WarehouseError

__all__ = ["register_local_snowflake"]

Sub = Any  # argparse's _SubParsersAction (private type)


def register_local_snowflake(sub: Sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("local-snowflake", parents=[common],
                       help="run the local Snowflake (for snow and drivers)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--port", type=int, default=0, help="0 = any free port (default)")
    p.add_argument("--write-connection", metavar="NAME",
                   help="write a Snowflake CLI connection NAME for it")  # fmt: skip
    p.add_argument("--snowflake-home", metavar="DIR",
                   help="where to write it (default: <data dir>/snowflake)")  # fmt: skip
    p.add_argument(
        "--emulator",
        action="store_true",
        help="run the Salesforce emulator too and print the deploy settings",
    )
    p.add_argument("--emulator-port", type=int, default=0, metavar="PORT",
                   help="the emulator's port (default: any free one)")  # fmt: skip
    p.set_defaults(run=run_local_snowflake)


def run_local_snowflake(args: argparse.Namespace, backend: Callable[..., Any], out: Output) -> int:
    from lht.local.runtime import LocalWarehouse  # noqa: PLC0415 - local mode only
    from lht.local.snow_connection import SnowConnection  # noqa: PLC0415

    if not 0 <= args.port < 65536:
        raise ConfigError(f"--port must be 0-65535, got {args.port}")
    if args.write_connection:
        SnowConnection(args.write_connection, 1)  # validate the name before anything starts
    warehouse = LocalWarehouse(data_dir=args.data_dir, port=args.port)
    try:
        warehouse.start()
    except WarehouseError as exc:
        raise ConfigError(f"local Snowflake on port {args.port or 'any'}: {exc}") from None
    try:
        with _emulator(args.emulator, args.emulator_port) as emu:
            _announce(args, warehouse, emu, out)
            wait_for_stop()
    finally:
        warehouse.close()
    out.message("local Snowflake stopped")
    return 0


@contextlib.contextmanager
def _emulator(wanted: bool, port: int) -> Iterator[Any]:
    if not wanted:
        yield None
        return
    from emulator import Emulator  # noqa: PLC0415 - the emulator is a local-mode tool

    emu = Emulator(port=port)
    try:
        emu.start()
    except OSError as exc:
        raise ConfigError(f"emulator: cannot listen on port {port}: {exc.strerror}") from None
    try:
        yield emu
    finally:
        emu.stop()


def _announce(args: argparse.Namespace, warehouse: Any, emu: Any, out: Output) -> None:
    from lht.local.snow_connection import LOCAL_USER, SnowConnection, write_connection  # noqa: PLC0415

    port = warehouse.connection_parameters["port"]
    out.message(f"local Snowflake listening on 127.0.0.1:{port}, data in {warehouse.db_dir} "
                "(Ctrl-C stops it)")  # fmt: skip
    name = args.write_connection
    if name:
        home = Path(args.snowflake_home or Path(args.data_dir) / "snowflake").resolve()
        written = write_connection(home, SnowConnection(name, port))
        out.message(f"connection {name!r} written to {written}; in another terminal:")
        out.message(f"  export SNOWFLAKE_HOME={home}")
        out.message(f'  snow sql -c {name} -q "SELECT CURRENT_ACCOUNT(), CURRENT_ROLE()"')
    else:
        out.message("connect with host 127.0.0.1, port "
                    f"{port}, protocol http, any account/user/password "
                    "(or rerun with --write-connection NAME)")  # fmt: skip
    if emu is not None:
        out.message(f"Salesforce emulator listening on {emu.base_url}; deploy LHT here with:")
        out.message(f"  export LHT_WAREHOUSE=COMPUTE_WH LHT_DEPLOY_USER={LOCAL_USER}")
        out.message(f"  export SF_LOGIN_URL={emu.base_url} SF_CLIENT_ID={emu.client_id} "
                    f"SF_CLIENT_SECRET={emu.client_secret}")  # fmt: skip
        out.message(f"  ./scripts/deploy --connection {name or 'NAME'}")
    out.console.file.flush()
