"""One gzip stream assembled from deflate pieces compressed ahead of time.

Each piece is raw deflate data ended with a full flush: byte-aligned, not final, no back
references into earlier pieces, so pieces compressed separately can be concatenated into one deflate
stream. A response is then the 10-byte gzip header, the pieces, an empty final block and the trailer
(CRC-32 and length of all the uncompressed data). The CRC of the whole is combined from the pieces'
CRCs with zlib's ``crc32_combine`` algorithm (x^(8n) mod P by squaring), so no byte is re-read.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, mtime 0, OS unknown
FINAL_EMPTY_BLOCK = b"\x03\x00"  # BFINAL=1, fixed Huffman, end-of-block
_POLY = 0xEDB88320


def deflate_piece(data: bytes, level: int = 1) -> bytes:
    """Raw deflate of ``data`` ending in a full flush (concatenable, not final)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _multmodp(a: int, b: int) -> int:
    """a * b modulo the CRC-32 polynomial (bit-reflected, as in zlib)."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


@lru_cache(maxsize=1)
def _x2n_table() -> tuple[int, ...]:
    table, p = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(p)
        p = _multmodp(p, p)
    return tuple(table)


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B)."""
    table, p, k = _x2n_table(), 1 << 31, 3  # x^0; k=3: bytes -> bits
    while len2:
        if len2 & 1:
            p = _multmodp(table[k & 31], p)
        len2 >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


class GzipAssembler:
    """Builds one gzip stream: ``add_raw`` compresses now, ``add_piece`` takes a ready piece."""

    def __init__(self) -> None:
        self.crc = 0
        self.size = 0

    def header(self) -> bytes:
        return GZIP_HEADER

    def add_raw(self, data: bytes) -> bytes:
        self.add_piece_info(zlib.crc32(data), len(data))
        return deflate_piece(data) if data else b""

    def add_piece_info(self, crc: int, length: int) -> None:
        self.crc = crc32_combine(self.crc, crc, length) if self.size else crc
        self.size += length

    def trailer(self) -> bytes:
        return FINAL_EMPTY_BLOCK + struct.pack("<II", self.crc, self.size & 0xFFFFFFFF)
