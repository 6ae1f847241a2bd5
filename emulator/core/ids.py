"""Salesforce record Ids: 18-character ids derived from (key prefix, row index), and back.

Layout: 3-char key prefix + "Dn0" + 9 decimal digits of the row index = 15 chars, plus the standard
3-char case-safety checksum. The digits never contain upper-case letters, so the checksum is a
constant per prefix and Id generation is one string format per row.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CHECKSUM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
MAX_INDEX = 999_999_999


def checksum(id15: str) -> str:
    """Salesforce's 3-character suffix for a 15-character id."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for pos in range(5):
            char = id15[chunk * 5 + pos]
            if "A" <= char <= "Z":
                bits |= 1 << pos
        suffix += _CHECKSUM_CHARS[bits]
    return suffix


@lru_cache(maxsize=256)
def _suffix_for(prefix: str) -> str:
    return checksum(f"{prefix}Dn0000000000")


def make_id(prefix: str, index: int) -> str:
    return f"{prefix}Dn0{index:09d}{_suffix_for(prefix)}"


def make_ids(prefix: str, indices: list[int]) -> list[str]:
    """`make_id` for many indices (one format call each)."""
    return list(map(f"{prefix}Dn0{{:09d}}{_suffix_for(prefix)}".format, indices))


def is_well_formed(value: str) -> bool:
    return bool(_ID_RE.match(value))


def to_18(value: str) -> str:
    return value + checksum(value) if len(value) == 15 else value


def parse_id(prefix: str, value: str) -> int | None:
    """Row index for an id of this prefix produced by `make_id`, else None."""
    if not is_well_formed(value):
        return None
    if value[:3] != prefix or value[3:6].lower() != "dn0":
        return None
    digits = value[6:15]
    if not digits.isdigit():
        return None
    if len(value) == 18 and value[15:].upper() != _suffix_for(prefix):
        return None
    return int(digits)
