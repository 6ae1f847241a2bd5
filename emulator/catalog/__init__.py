"""The org's objects and fields (describe metadata + how each field's rows are generated)."""

from emulator.catalog.standard import DEFAULT_COUNTS, build_schema

__all__ = ["DEFAULT_COUNTS", "build_schema"]
