"""Shared configuration constants for LHT (values only; no environment reads at import)."""

from __future__ import annotations

__all__ = ["API_VERSION", "DEFAULT_TIMEOUT_SECONDS"]

#: Salesforce REST/Bulk API version used by default. Pass ``api_version=`` to override.
API_VERSION = "v62.0"

#: Default timeout (seconds) for every HTTP call to Salesforce.
DEFAULT_TIMEOUT_SECONDS = 60.0
