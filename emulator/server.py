"""The HTTP(S) server: parses requests, runs the router, writes (streamed, gzipped, faulty)
responses."""

from __future__ import annotations

import gzip
import logging
import socket
import ssl
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from emulator.core.faults import FaultRule
from emulator.core.options import register_option
from emulator.http import Headers, Request, Response, parse_api_version

if TYPE_CHECKING:
    from emulator.core.org import Org
    from emulator.routing import Router

log = logging.getLogger(__name__)
_CHUNK = 256 * 1024
MAX_REQUEST_BYTES = 16_384
register_option("http.gzip", True, "Gzip responses when the request sends Accept-Encoding: gzip.")
register_option("http.gzip_min_bytes", 1024, "Smallest in-memory body worth gzipping.")
register_option("http.gzip_level", 1, "zlib level for on-the-fly gzip (1 = fastest).", range(10))


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # clients open several connections at once (page prefetch threads)

    def __init__(
        self, address: tuple[str, int], org: Org, router: Router, ssl_context: ssl.SSLContext | None
    ) -> None:
        self.org = org
        self.router = router
        self.ssl_context = ssl_context
        super().__init__(address, RequestHandler)


_PACE_PIECE = 16 * 1024


def _paced(pieces: Iterable[bytes], rate: int) -> Iterator[bytes]:
    """`pieces` in slices of at most 16 KiB, each released once `rate` (bytes/s) allows it since
    the stream started: n bytes take n / rate seconds, sent steadily rather than in bursts."""
    started, released = time.monotonic(), 0
    for piece in pieces:
        for start in range(0, len(piece), _PACE_PIECE):
            part = piece[start : start + _PACE_PIECE]
            released += len(part)
            wait = started + released / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            yield part


def _read_chunked(rfile: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(rfile.read(size))
        rfile.readline()


def _gzip_stream(chunks: Iterable[bytes], level: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _oversize(target: str, headers: Iterable[tuple[str, str]]) -> int | None:
    """414 / 431 when the request line or line + headers pass Salesforce's 16,384 bytes."""
    if len(target) > MAX_REQUEST_BYTES:
        return 414
    size = len(target) + sum(len(name) + len(value) + 4 for name, value in headers)
    return 431 if size > MAX_REQUEST_BYTES else None


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorServer

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header from the org clock (as Salesforce's servers send their own)."""
        return super().date_time_string(timestamp or self.server.org.clock.now().timestamp())

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = _read_chunked(self.rfile)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip" and body:
            body = gzip.decompress(body)
        return body

    def _request(self) -> Request:
        parts = urlsplit(self.path)
        path = unquote(parts.path) or "/"
        pairs = tuple(parse_qsl(parts.query, keep_blank_values=True))
        headers = Headers(self.headers.items())
        return Request(
            self.command,
            path,
            dict(pairs),
            headers,
            self._read_body(),
            parse_api_version(path),
            pairs,
        )

    def _handle(self) -> None:
        try:
            req = self._request()
        except (ValueError, OSError, EOFError) as exc:
            log.debug("unreadable request: %s", exc)
            self.close_connection = True
            return
        oversize = _oversize(self.path, self.headers.items())
        if oversize is not None:
            response = Response(status=oversize)
        else:
            response = self.server.router.dispatch(self.server.org, req)
        fault: FaultRule | None = response.fault
        if fault is not None and fault.kind == "reset":
            self._reset_connection()
            return
        if fault is not None and fault.kind == "slow" and fault.delay > 0:
            time.sleep(fault.delay)
        slot = response.pace.slot if response.pace is not None else None
        if slot is not None:
            slot.acquire()
        try:
            if response.pace is not None and response.pace.first_byte_seconds > 0:
                time.sleep(response.pace.first_byte_seconds)
            self._write(req, response, fault)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        finally:
            if slot is not None:
                slot.release()

    def _reset_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _content(
        self, req: Request, response: Response
    ) -> tuple[Iterable[bytes] | Path | bytes, int | None, bool]:
        """(content, length or None for chunked, gzipped?) honouring Accept-Encoding."""
        org = self.server.org
        wants_gzip = "gzip" in req.headers.get("Accept-Encoding", "").lower() and bool(
            org.options["http.gzip"]
        )
        level = int(org.options["http.gzip_level"])
        if response.header("Content-Encoding") is not None:
            wants_gzip = False  # the handler already encoded it (Bulk results: pre-gzipped blocks)
        if response.file is not None:
            gz = response.file.with_name(response.file.name + ".gz")
            if wants_gzip and gz.exists():
                return gz, gz.stat().st_size, True
            if wants_gzip:
                return _gzip_stream(_file_chunks(response.file), level), None, True
            return response.file, response.file.stat().st_size, False
        if response.chunks is not None:
            return (
                (_gzip_stream(response.chunks, level), None, True)
                if wants_gzip
                else (response.chunks, None, False)
            )
        body = response.body
        if wants_gzip and len(body) >= int(org.options["http.gzip_min_bytes"]):
            packed = gzip.compress(body, level)
            return packed, len(packed), True
        return body, len(body), False

    def _write(self, req: Request, response: Response, fault: FaultRule | None) -> None:
        content, length, gzipped = self._content(req, response)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if req.method == "HEAD" or response.status in (204, 304):
            return
        limit = fault.after_bytes if fault is not None and fault.kind == "truncate" else None
        rate = fault.rate if fault is not None and fault.kind == "slow" else 0
        if response.pace is not None and response.pace.bytes_per_second > 0:
            model = response.pace.bytes_per_second
            rate = min(rate, model) if rate else model
        self._send_content(content, length is None, limit, rate)

    def _send_content(
        self, content: Iterable[bytes] | Path | bytes, chunked: bool, limit: int | None, rate: int
    ) -> None:
        if isinstance(content, Path) and limit is None and rate == 0 and not chunked:
            self.wfile.flush()
            with content.open("rb") as handle:
                self.connection.sendfile(handle)
            return
        pieces: Iterable[bytes]
        if isinstance(content, Path):
            pieces = _file_chunks(content)
        elif isinstance(content, bytes):
            pieces = [content]
        else:
            pieces = content
        if rate > 0:
            pieces = _paced(pieces, rate)
        sent = 0
        for whole in pieces:
            piece = whole
            if limit is not None and sent + len(piece) > limit:
                piece = piece[: max(limit - sent, 0)]
            if piece:
                self._send_piece(piece, chunked, rate > 0)
                sent += len(piece)
            if limit is not None and sent >= limit:
                self.wfile.flush()
                self.close_connection = True
                return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send_piece(self, piece: bytes, chunked: bool, flush: bool) -> None:
        if chunked:
            self.wfile.write(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
        else:
            self.wfile.write(piece)
        if flush:
            self.wfile.flush()
