"""Saving and loading an AccessState: one JSON document (kept in the catalog's DuckDB file)."""

from __future__ import annotations

import json
from typing import Any

from lht.local.snowflake.access_model import AccessState, Role, User
from lht.local.snowflake.access_types import FutureGrant, Grant, Ref

__all__ = ["dump", "load"]


def dump(state: AccessState) -> str:
    """The whole state as one JSON document."""
    grants = [_grant_doc(g) for bucket in state.grants.values() for g in bucket.values()]
    futures = [_future_doc(f) for bucket in state.future.values() for f in bucket.values()]
    doc = {
        "account": state.account,
        "roles": {n: vars(r) for n, r in state.roles.items()},
        "parents": state.parents,
        "users": {n: vars(u) for n, u in state.users.items()},
        "user_roles": state.user_roles,
        "owners": [[k, n, o, real] for (k, n), (o, real) in state.owners.items()],
        "grants": grants,
        "future": futures,
        "managed": sorted(state.managed),
    }
    return json.dumps(doc, sort_keys=True)


def load(text: str) -> AccessState:
    """The state :func:`dump` wrote."""
    doc: dict[str, Any] = json.loads(text)
    state = AccessState(doc["account"])
    state.roles = {n: Role(**r) for n, r in doc["roles"].items()}
    state.parents = doc["parents"]
    state.users = {n: User(**u) for n, u in doc["users"].items()}
    state.user_roles = doc["user_roles"]
    state.owners = {(k, n): (o, real) for k, n, o, real in doc["owners"]}
    state.grants = {}
    for g in doc["grants"]:
        grant = Grant(g["privilege"], Ref(*g["on"]), g["grantee"], g["grant_option"],
                      g["granted_by"], g["created_on"])  # fmt: skip
        state.grants.setdefault(grant.on.key, {})[(grant.privilege, grant.grantee)] = grant
    state.future = {}
    for f in doc["future"]:
        fg = FutureGrant(f["privilege"], f["kind"], Ref(*f["container"]), f["grantee"],
                         f["grant_option"], f["created_on"])  # fmt: skip
        bucket = state.future.setdefault((fg.container.kind, fg.container.name, fg.kind), {})
        bucket[(fg.privilege, fg.grantee)] = fg
    state.managed = set(doc["managed"])
    return state


def _grant_doc(g: Grant) -> dict[str, Any]:
    return {"privilege": g.privilege, "on": [g.on.kind, g.on.name], "grantee": g.grantee,
            "grant_option": g.grant_option, "granted_by": g.granted_by,
            "created_on": g.created_on}  # fmt: skip


def _future_doc(f: FutureGrant) -> dict[str, Any]:
    return {"privilege": f.privilege, "kind": f.kind,
            "container": [f.container.kind, f.container.name], "grantee": f.grantee,
            "grant_option": f.grant_option, "created_on": f.created_on}  # fmt: skip
