"""The statement families the local Snowflake answers, in one list.

Each module has ``register(registry)``; :func:`build_registry` calls them in order. A new
family (roles/grants, tasks, ...) is a module with a ``register`` function added to
``MODULES``.
"""

from __future__ import annotations

import importlib

from lht.local.snowflake.registry import Registry

__all__ = ["MODULES", "build_registry"]

MODULES = (
    "lht.local.snowflake.context",
    "lht.local.snowflake.network_rules",
    "lht.local.snowflake.secret_objects",
    "lht.local.snowflake.integrations",
    "lht.local.snowflake.warehouses",
    "lht.local.snowflake.stages",
    "lht.local.snowflake.stage_files",
    "lht.local.snowflake.procedures",
    "lht.local.snowflake.access",
    "lht.local.snowflake.tasks",
)


def build_registry() -> Registry:
    registry = Registry()
    for name in MODULES:
        importlib.import_module(name).register(registry)
    return registry
