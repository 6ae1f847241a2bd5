"""The decision matrix: estimated rows (+ full/incremental) → extraction/load method.

=====================  ==========================  =========================================
estimate               method                      how it extracts and loads
=====================  ==========================  =========================================
< BULK_API_THRESHOLD   regular_api_{full,incr.}    REST query/queryAll pages (no job latency),
                                                   JSON rendered to CSV, one staged file/page
< STAGE_THRESHOLD      bulk_api_{full,incr.}       one Bulk 2.0 queryAll job; result pages
                                                   fetched one by one, each staged + COPY'd
>= STAGE_THRESHOLD     bulk_api_stage_{full,incr.} one Bulk 2.0 job; pages downloaded by a
                                                   bounded thread pool straight to the stage,
                                                   then ONE COPY of the run's stage prefix
unknown                bulk_api_stage_{full,incr.} as for a large object: the COUNT() estimate
                                                   timed out, which only large objects do
=====================  ==========================  =========================================
"""

from __future__ import annotations

from lht.sync.options import Thresholds

__all__ = ["METHOD_FAMILIES", "choose_method", "method_family"]

METHOD_FAMILIES = ("regular_api", "bulk_api", "bulk_api_stage")


def choose_method(
    estimate: int | None, incremental: bool, thresholds: Thresholds, forced: str | None = None
) -> str:
    """Pick the method name (e.g. ``bulk_api_full``). ``forced`` names a family to use
    regardless of the estimate (an explicit user/test choice); an unknown estimate (None)
    is treated as a large object."""
    if forced is not None:
        if forced not in METHOD_FAMILIES:
            raise ValueError(f"unknown method family {forced!r}")
        family = forced
    elif estimate is None:
        family = "bulk_api_stage"
    elif estimate < thresholds.bulk_api:
        family = "regular_api"
    elif estimate < thresholds.stage:
        family = "bulk_api"
    else:
        family = "bulk_api_stage"
    return f"{family}_{'incremental' if incremental else 'full'}"


def method_family(method: str) -> str:
    """``bulk_api_stage_full`` → ``bulk_api_stage``."""
    for suffix in ("_incremental", "_full"):
        if method.endswith(suffix):
            return method[: -len(suffix)]
    raise ValueError(f"not a sync method name: {method!r}")
