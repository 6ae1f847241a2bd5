"""Local Salesforce API emulator (REST, OAuth, Bulk API 2.0) for tests, demos and benchmarks.

    from emulator import Emulator
    with Emulator(seed=42, datasets={"Account": 1000}) as emu:
        emu.base_url, emu.client_id, emu.client_secret, emu.org

Imports nothing from the `lht` application package.
"""

from __future__ import annotations

import logging
import shutil
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

from emulator.core.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_SECURITY_TOKEN,
    DEFAULT_USERNAME,
)
from emulator.core.faults import FaultRule
from emulator.core.org import Org
from emulator.core.schema import FieldDef
from emulator.core.writes import RecordError, RecordRule
from emulator.routes import build_router
from emulator.server import EmulatorServer

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_SECURITY_TOKEN",
    "DEFAULT_USERNAME",
    "Emulator",
    "FaultRule",
    "FieldDef",
    "Org",
    "RecordError",
    "RecordRule",
]
log = logging.getLogger(__name__)
CERT_HOSTS = (
    "127.0.0.1",
    "localhost",
    "::1",
    "*.my.salesforce.com",
    "login.salesforce.com",
    "test.salesforce.com",
)


class Emulator:
    """An emulated org served over HTTP(S) on 127.0.0.1 from a background thread."""

    def __init__(
        self,
        seed: int = 42,
        *,
        https: bool = False,
        port: int = 0,
        datasets: dict[str, int] | None = None,
        options: dict[str, Any] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.router = build_router()  # first: registers the options of every module (bulk included)
        self.org = Org(seed=seed, datasets=datasets, options=options)
        self.https = https
        self.host = host
        self._port = port
        self.client_id = DEFAULT_CLIENT_ID
        self.client_secret = DEFAULT_CLIENT_SECRET
        self.username = DEFAULT_USERNAME
        self.password = DEFAULT_PASSWORD
        self.security_token = DEFAULT_SECURITY_TOKEN  # SOAP login(): password + token
        self.ca_cert_path: Path | None = None
        self._cert_dir: Path | None = None
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    def _ssl_context(self) -> ssl.SSLContext:
        import trustme  # noqa: PLC0415 (optional: only needed for HTTPS)

        authority = trustme.CA()
        cert = authority.issue_cert(*CERT_HOSTS)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        self._cert_dir = Path(tempfile.mkdtemp(prefix="lht-emulator-tls-"))
        self.ca_cert_path = self._cert_dir / "emulator-ca.pem"
        authority.cert_pem.write_to_path(str(self.ca_cert_path))
        return context

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        context = self._ssl_context() if self.https else None
        self._server = EmulatorServer((self.host, self._port), self.org, self.router, context)
        self._port = self._server.server_address[1]
        self.org.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lht-emulator", daemon=True
        )
        self._thread.start()
        log.info("Salesforce emulator listening on %s", self.base_url)
        return self

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        scheme = "https" if self.https else "http"
        return f"{scheme}://{self.host}:{self._port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/services/oauth2/token"

    def access_token(self) -> str:
        """A valid access token issued directly (no HTTP round trip)."""
        token, _ = self.org.auth.issue(
            "client:" + self.client_id, self.client_id, self.org.clock.now()
        )
        return token

    def reset(self) -> None:
        """Back to the initial org state (data, limits, faults, jobs, options); tokens stay
        valid."""
        self.org.reset()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.org.close()
        if self._cert_dir is not None:
            shutil.rmtree(self._cert_dir, ignore_errors=True)
            self._cert_dir = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
