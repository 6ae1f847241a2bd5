"""Test control surface under /__emulator/... (not part of Salesforce; documented in
COVERAGE.md)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator import errors
from emulator.core.deletelog import purge_delete_log
from emulator.core.faults import FaultRule
from emulator.core.mutations import mutate
from emulator.core.options import registered_options, set_option_or_400
from emulator.core.schema import FieldDef
from emulator.core.writes import RecordError, RecordRule, parse_datetime
from emulator.http import Request, Response, SalesforceHttpError, json_response
from emulator.routing import Router

if TYPE_CHECKING:
    from emulator.core.org import Org

P = "/__emulator"
_FIELD_KEYS = {
    "name",
    "type",
    "label",
    "length",
    "precision",
    "scale",
    "digits",
    "nillable",
    "external_id",
    "unique",
    "picklist_values",
    "reference_to",
    "relationship_name",
    "default_value",
}


def _body(req: Request) -> dict[str, Any]:
    body = req.json() if req.body else {}
    if not isinstance(body, dict):
        raise errors.CONTROL_NOT_AN_OBJECT.error()
    return body


def _bad(exc: Exception) -> SalesforceHttpError:
    return errors.CONTROL_INVALID.error(detail=exc)


def status(org: Org, req: Request, match: re.Match[str]) -> Response:
    return json_response(
        {
            "seed": org.seed,
            "rows": org.counts,
            "clock": org.clock.now().isoformat(),
            "frozen": org.clock.frozen,
            "baseUrl": org.base_url,
            "jobs": len(org.jobs),
            "activeTokens": org.auth.active_tokens(),
        }
    )


def reset(org: Org, req: Request, match: re.Match[str]) -> Response:
    org.reset()
    return status(org, req, match)


def seed(org: Org, req: Request, match: re.Match[str]) -> Response:
    body = _body(req)
    try:
        org.load(
            int(body.get("seed", org.seed)),
            {k: int(v) for k, v in (body.get("rows") or {}).items()},
            keep_counts=bool(body.get("keepRows", False)),
        )
    except (ValueError, TypeError) as exc:
        raise _bad(exc) from None
    return status(org, req, match)


def do_mutate(org: Org, req: Request, match: re.Match[str]) -> Response:
    body = _body(req)
    try:
        ids = mutate(
            org,
            str(body.get("sobject", "")),
            str(body.get("action", "")),
            ids=body.get("ids"),
            count=body.get("count"),
            values=body.get("values"),
        )
    except (ValueError, TypeError) as exc:
        raise _bad(exc) from None
    except RecordError as exc:
        raise SalesforceHttpError(400, exc.status_code, exc.message, exc.fields) from None
    return json_response({"ids": ids})


def add_field(org: Org, req: Request, match: re.Match[str]) -> Response:
    body = _body(req)
    sobject = str(body.pop("sobject", ""))
    unknown = set(body) - _FIELD_KEYS
    if unknown or "name" not in body or "type" not in body:
        raise _bad(
            ValueError(
                f"field needs name and type; allowed keys {sorted(_FIELD_KEYS)}; unknown "
                f"{sorted(unknown)}"
            )
        )
    for key in ("picklist_values", "reference_to"):
        if key in body:
            body[key] = tuple(body[key])
    body.setdefault("label", str(body["name"]).removesuffix("__c").replace("_", " "))
    body.setdefault("custom", str(body["name"]).endswith("__c"))
    try:
        fdef = org.add_field(sobject, FieldDef(**body))
    except ValueError as exc:
        raise _bad(exc) from None
    return json_response({"sobject": org.object(sobject).name, "field": fdef.name}, status=201)


def clock(org: Org, req: Request, match: re.Match[str]) -> Response:
    if req.method == "POST":
        body = _body(req)
        try:
            if "frozen" in body:
                org.clock.freeze(bool(body["frozen"]))
            if "set" in body:
                org.clock.set(parse_datetime(str(body["set"])))
            if "advance" in body:
                org.clock.advance(float(body["advance"]))
        except (ValueError, TypeError) as exc:
            raise _bad(exc) from None
    return json_response({"now": org.clock.now().isoformat(), "frozen": org.clock.frozen})


def limits(org: Org, req: Request, match: re.Match[str]) -> Response:
    if req.method == "POST":
        body = _body(req)
        if body.get("reset"):
            org.limits.reset()
        if "name" in body:
            org.limits.configure(
                str(body["name"]), body.get("max"), body.get("used"), body.get("hardMax")
            )
    return json_response(
        {"limits": org.limits.snapshot(), "usageByCounter": org.request_log.counts_by_counter()}
    )


def options(org: Org, req: Request, match: re.Match[str]) -> Response:
    if req.method == "POST":
        for name, value in _body(req).items():
            set_option_or_400(org.options, name, value)
    elif req.method == "DELETE":
        org.options.reset()
    docs = {
        s.name: {"default": s.default, "doc": s.doc, "choices": s.choices}
        for s in registered_options()
    }
    return json_response({"values": org.options.as_dict(), "registry": docs})


def faults(org: Org, req: Request, match: re.Match[str]) -> Response:
    if req.method == "POST":
        try:
            rule = org.faults.add(FaultRule.from_json(_body(req)))
        except (ValueError, TypeError, re.error) as exc:
            raise _bad(exc) from None
        return json_response(rule.to_json(), status=201)
    if req.method == "DELETE":
        if match["id"]:
            org.faults.remove(int(match["id"]))
        else:
            org.faults.clear()
    return json_response({"faults": org.faults.list()})


def rules(org: Org, req: Request, match: re.Match[str]) -> Response:
    if req.method == "POST":
        try:
            rule = org.add_rule(RecordRule.from_json(_body(req)))
        except (ValueError, TypeError, re.error) as exc:
            raise _bad(exc) from None
        return json_response(rule.to_json(), status=201)
    if req.method == "DELETE":
        with org.lock:
            org.rules[:] = [r for r in org.rules if match["id"] and r.id != int(match["id"])]
    return json_response({"rules": [r.to_json() for r in org.rules]})


def requests_log(org: Org, req: Request, match: re.Match[str]) -> Response:
    if req.method == "DELETE":
        org.request_log.clear()
    entries = [e.to_json() for e in org.request_log.entries()]
    return json_response(
        {"requests": entries, "usageByCounter": org.request_log.counts_by_counter()}
    )


def auth(org: Org, req: Request, match: re.Match[str]) -> Response:
    if match["action"] == "revoke":
        return json_response(
            {"revoked": org.auth.revoke_all(bool(_body(req).get("refreshTokens", False)))}
        )
    body = _body(req)
    client_id = str(body.get("client_id", next(iter(org.auth.clients))))
    if client_id not in org.auth.clients:
        raise _bad(ValueError(f"unknown client_id {client_id}"))
    _, refresh = org.auth.issue(
        "user:" + next(iter(org.auth.users)), client_id, org.clock.now(), with_refresh=True
    )
    return json_response({"refresh_token": refresh, "client_id": client_id})


def delete_log(org: Org, req: Request, match: re.Match[str]) -> Response:
    """POST {"sobject": "Account" (default: every object), "before": "<datetime>" (default:
    now)} empties delete logs up to `before`; GET shows each log's size and purge horizon."""
    if req.method == "POST":
        body = _body(req)
        try:
            before = parse_datetime(str(body["before"])) if body.get("before") else None
            names = [org.object(str(body["sobject"])).name] if body.get("sobject") else None
        except ValueError as exc:
            raise _bad(exc) from None
        for name in names or [obj.name for obj in org.schema]:
            purge_delete_log(org, name, before)
    objects = {}
    for obj in org.schema:
        data = org.data(obj.name)
        horizon = data.log_purged_before
        objects[obj.name] = {
            "entries": len(data.delete_log),
            "purgedBefore": horizon.isoformat() if horizon else None,
        }
    return json_response({"objects": objects})


def register(router: Router) -> None:
    def add(methods: str, path: str, handler: Any) -> None:
        for method in methods.split(","):
            router.add(method, P + path, handler, auth=False, charge=None)

    add("GET", "", status)
    add("POST", "/reset", reset)
    add("POST", "/seed", seed)
    add("POST", "/mutate", do_mutate)
    add("GET,POST", "/deletelog", delete_log)
    add("POST", "/schema/fields", add_field)
    add("GET,POST", "/clock", clock)
    add("GET,POST", "/limits", limits)
    add("GET,POST,DELETE", "/options", options)
    add("GET,POST,DELETE", r"/faults(?:/(?P<id>\d+))?", faults)
    add("GET,POST,DELETE", r"/rules(?:/(?P<id>\d+))?", rules)
    add("GET,DELETE", "/requests", requests_log)
    add("POST", r"/auth/(?P<action>revoke|refresh_token)", auth)
