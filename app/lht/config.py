"""Shared configuration constants for LHT (values only; no environment reads at import)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lht.errors import ConfigError

__all__ = ["API_VERSION", "DEFAULT_TIMEOUT_SECONDS", "option_values"]

#: Salesforce REST/Bulk API version used by default. Pass ``api_version=`` to override.
API_VERSION = "v62.0"

#: Default timeout (seconds) for every HTTP call to Salesforce.
DEFAULT_TIMEOUT_SECONDS = 60.0


def option_values(
    raw: Mapping[str, Any] | None,
    known: Iterable[str],
    kind: str,
    coerce: Callable[[str, Any], Any],
) -> dict[str, Any]:
    """Validate a user-supplied options mapping (a procedure's VARIANT or a Python dict).

    Keys are case-insensitive and must be in ``known`` (else ConfigError naming the key and the
    known ones, ``kind`` saying whose options they are); ``None`` values mean "use the default"
    and are dropped; every other value goes through ``coerce(name, value)``.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"options must be an object/dict, got {type(raw).__name__}")
    names = set(known)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).lower()
        if name not in names:
            raise ConfigError(f"unknown {kind} option {key!r}; known: {', '.join(sorted(names))}")
        if value is not None:
            values[name] = coerce(name, value)
    return values
