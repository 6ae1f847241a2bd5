"""Composite API: `POST {base}/composite` runs up to 25 subrequests in order, with `@{ref.path}`
references to earlier results and optional allOrNone rollback; it counts as one API call."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from emulator import errors
from emulator.core.options import register_option
from emulator.http import (
    Headers,
    Request,
    Response,
    error_body,
    json_bytes,
    json_response,
    parse_api_version,
)
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

register_option("composite.max_subrequests", 25, "Subrequests per Composite API call.")

_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}")
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


def _resolve(reference: str, path: str, results: dict[str, Any]) -> str:
    if reference not in results:
        raise KeyError(reference)
    value: Any = results[reference]
    for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        key, index = step
        value = value[int(index)] if index else value[key]
    return str(value)


def _substitute(value: Any, results: dict[str, Any]) -> Any:
    """Replace every @{ref.path} in strings (recursively in bodies) with the referenced value."""
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: _resolve(m.group(1), m.group(2), results), value)
    if isinstance(value, dict):
        return {k: _substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, results) for v in value]
    return value


def _subrequest(parent: Request, item: dict[str, Any], results: dict[str, Any]) -> Request:
    url = str(_substitute(item.get("url", ""), results))
    body = _substitute(item.get("body"), results)
    parts = urlsplit(url)
    path = unquote(parts.path)
    pairs = tuple(parse_qsl(parts.query, keep_blank_values=True))
    headers = Headers([*parent.headers.items(), *(item.get("httpHeaders") or {}).items()])
    raw = b"" if body is None else json_bytes(body)
    method = str(item.get("method", "GET")).upper()
    return Request(method, path, dict(pairs), headers, raw, parse_api_version(path), pairs)


def _entry(reference: str, sub: Request, response: Response) -> dict[str, Any]:
    body = json.loads(response.body) if response.body else None
    headers = {}
    if response.status == 201 and isinstance(body, dict) and "id" in body:
        headers["Location"] = f"{sub.path.rstrip('/')}/{body['id']}"
    return {
        "body": body,
        "httpHeaders": headers,
        "httpStatusCode": response.status,
        "referenceId": reference,
    }


def _halted(reference: str, message: str = HALTED) -> dict[str, Any]:
    body = error_body("PROCESSING_HALTED", message)
    return {"body": body, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference}


def _items(org: Org, req: Request) -> tuple[list[dict[str, Any]], bool]:
    payload = req.json()
    items = payload.get("compositeRequest") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise errors.COMPOSITE_BODY.error()
    limit = int(org.options["composite.max_subrequests"])
    if len(items) > limit:
        raise errors.COMPOSITE_TOO_MANY.error(limit=limit)
    return items, bool(payload.get("allOrNone", False))


def composite(router: Router, org: Org, req: Request) -> Response:
    items, all_or_none = _items(org, req)
    with org.lock:
        snapshot = org.snapshot_data() if all_or_none else None
        results: dict[str, Any] = {}
        entries: list[dict[str, Any]] = []
        failed = False
        for item in items:
            reference = str(item.get("referenceId", ""))
            if failed and all_or_none:
                entries.append(_halted(reference))
                continue
            try:
                sub = _subrequest(req, item, results)
            except (KeyError, IndexError, TypeError) as exc:
                failed = True
                entries.append(
                    _halted(reference, f"Invalid reference specified. No value for {exc} found.")
                )
                continue
            entry = _entry(reference, sub, router.handle(org, sub))
            failed = failed or entry["httpStatusCode"] >= 400
            results[reference] = entry["body"]
            entries.append(entry)
        if failed and snapshot is not None:
            org.restore_data(snapshot)
            entries = [
                e if e["httpStatusCode"] >= 400 else _halted(e["referenceId"]) for e in entries
            ]
    return json_response({"compositeResponse": entries})


def register(router: Router) -> None:
    handler: Callable[[Org, Request, re.Match[str]], Response] = lambda org, req, match: composite(  # noqa: E731
        router, org, req
    )
    router.add("POST", r"/services/data/(?P<ver>v\d+\.\d+)/composite", handler)
