"""The one place that assembles the router from every API module (Bulk modules only if present)."""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from emulator import control, oauth, soap
from emulator.rest import collections as rest_collections
from emulator.rest import composite as rest_composite
from emulator.rest import meta as rest_meta
from emulator.rest import query as rest_query
from emulator.rest import records as rest_records
from emulator.rest import replication
from emulator.routing import Router

log = logging.getLogger(__name__)
CORE_MODULES: tuple[ModuleType, ...] = (
    oauth,
    soap,
    rest_meta,
    rest_query,
    replication,
    rest_records,
    rest_collections,
    rest_composite,
    control,
)
OPTIONAL_MODULES = ("emulator.bulk.query", "emulator.bulk.ingest", "emulator.bulk.v1_api")


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        log.debug("optional emulator module %s not present", name)
        return None


def build_router() -> Router:
    router = Router()
    for module in CORE_MODULES:
        module.register(router)
    for name in OPTIONAL_MODULES:
        optional = _optional(name)
        if optional is not None:
            optional.register(router)
    return router
