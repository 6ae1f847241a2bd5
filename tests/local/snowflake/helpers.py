"""Helpers for the local Snowflake tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def error_of(run: Callable[[str], Any], text: str) -> str:
    """The message of the SQL error ``text`` raises (fails the test if it succeeds)."""
    with pytest.raises(Exception) as caught:  # Snowpark or connector error
        run(text)
    return str(caught.value)
