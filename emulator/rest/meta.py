"""REST metadata endpoints: versions, resources by version, describeGlobal, describe, limits."""

from __future__ import annotations

import re
from email.utils import format_datetime as http_date
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from emulator.http import Request, Response, json_response
from emulator.oauth import identity_url
from emulator.rest.describe import describe_global, describe_object, global_entry
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

BASE = r"/services/data/(?P<ver>v\d+\.\d+)"
_SEASONS = ("Winter", "Spring", "Summer")
RESOURCES = (
    "tooling",
    "metadata",
    "eclair",
    "folders",
    "prechatForms",
    "contact-tracing",
    "jsonxform",
    "chatter",
    "tabs",
    "appMenu",
    "quickActions",
    "queryAll",
    "commerce",
    "wave",
    "iot",
    "analytics",
    "search",
    "smartdatadiscovery",
    "identity",
    "composite",
    "parameterizedSearch",
    "fingerprint",
    "theme",
    "nouns",
    "domino",
    "event",
    "serviceTemplates",
    "recent",
    "connect",
    "licensing",
    "limits",
    "process",
    "dedupe",
    "async-queries",
    "query",
    "jobs",
    "match",
    "emailConnect",
    "compactLayouts",
    "knowledgeManagement",
    "sobjects",
    "actions",
    "support",
)


def release_label(version: int) -> str:
    """v62 = Winter '25, v63 = Spring '25, v64 = Summer '25 ... (three releases a year)."""
    offset = version - 62
    return f"{_SEASONS[offset % 3]} '{25 + offset // 3:02d}"


def versions(org: Org, req: Request, match: re.Match[str]) -> Response:
    low, high = (
        int(float(org.options["api.min_version"])),
        int(float(org.options["api.max_version"])),
    )
    body = [
        {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(low, high + 1)
    ]
    return json_response(body)


def resources(org: Org, req: Request, match: re.Match[str]) -> Response:
    ver = match["ver"]
    body = {name: f"/services/data/{ver}/{name}" for name in RESOURCES}
    body["identity"] = identity_url(org)
    return json_response(body)


def _not_modified(org: Org, req: Request) -> bool:
    header = req.headers.get("If-Modified-Since")
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and org.schema_changed_at <= since


def _with_last_modified(org: Org, response: Response) -> Response:
    response.headers["Last-Modified"] = http_date(org.schema_changed_at, usegmt=True)
    return response


def sobjects(org: Org, req: Request, match: re.Match[str]) -> Response:
    if _not_modified(org, req):
        return Response(status=304)
    return _with_last_modified(org, json_response(describe_global(org.schema, match["ver"])))


def basic_info(org: Org, req: Request, match: re.Match[str]) -> Response:
    obj = org.object(match["sobject"])
    recent: list[dict[str, object]] = []  # the emulator keeps no recently-viewed list
    return json_response({"objectDescribe": global_entry(obj, match["ver"]), "recentItems": recent})


def describe(org: Org, req: Request, match: re.Match[str]) -> Response:
    obj = org.object(match["sobject"])
    if _not_modified(org, req):
        return Response(status=304)
    return _with_last_modified(org, json_response(describe_object(org.schema, obj, match["ver"])))


def limits(org: Org, req: Request, match: re.Match[str]) -> Response:
    return json_response(org.limits.to_json())


def register(router: Router) -> None:
    router.add("GET", r"/services/data", versions, auth=False, charge=None)
    router.add("GET", BASE, resources)
    router.add("GET", BASE + r"/sobjects", sobjects)
    router.add("GET", BASE + r"/sobjects/(?P<sobject>\w+)", basic_info)
    router.add("GET", BASE + r"/sobjects/(?P<sobject>\w+)/describe", describe)
    router.add("GET", BASE + r"/limits", limits)
