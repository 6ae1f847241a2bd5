"""Authorising the SQL fakesnow executes, and recording what it created, replaced or dropped.

The statement hook of :mod:`lht.local.snowflake.access`: :func:`.access_refs.analyze` reads what
a forwarded statement touches (sqlglot, cached by text) and every need is checked against the
session's role (:mod:`.access_checks`); once the statement succeeded its effects are recorded
(owner, future grants — schema level before database level —, COPY GRANTS, managed access).
Owned statements authorise themselves; an owned CREATE of a catalog object (procedure, secret,
stage, task ...) still gets its future grants here once it succeeded. While no custom role,
future grant or recorded owner exists and the role is ACCOUNTADMIN nothing can be refused or
needs recording, and the hook returns without parsing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from lht.local.snowflake import access_refs
from lht.local.snowflake.access import (
    AccessControl,
    bare,
    control,
    principal,
    raise_denial,
    ref_of,
)
from lht.local.snowflake.access_checks import (
    Denial,
    Principal,
    active_roles,
    can_see,
    check_create,
    check_privilege,
)
from lht.local.snowflake.access_model import AccessState
from lht.local.snowflake.access_types import ACCOUNT, ACCOUNTADMIN, Ref
from lht.local.snowflake.registry import SessionState, Statement

__all__ = ["authorize_sql", "before_statement", "exists", "strip_managed_access"]

MANAGED_CLAUSE = re.compile(r"\bWITH\s+MANAGED\s+ACCESS\b", re.I)


def before_statement(statement: Statement) -> None:
    """The statement hook: forwarded SQL is authorised here (owned statements authorise
    themselves through the authorizer); an owned CREATE of a catalog object gets its future
    grants (or its predecessor's grants, COPY GRANTS) once it succeeded."""
    if not _owned(statement):
        authorize_sql(statement)
    elif statement.words[:1] == ("CREATE",):
        _watch_catalog_create(statement)
    elif statement.words[:1] == ("DROP",):
        _watch_catalog_drop(statement)
    elif statement.words[:1] == ("DESCRIBE",) or statement.words[:1] == ("DESC",):
        _describe_visible(statement)


def _watch_catalog_drop(statement: Statement) -> None:
    """A dropped catalog object's grants go with it (a new object of that name has none)."""
    kind = _created_kind(statement.words)
    ac = control(statement.catalog)
    if kind is None or not ac.state.grants:
        return
    before = {(o.database, o.schema, o.name, o.signature) for o in statement.catalog.find(kind)}

    def forget() -> None:
        after = {(o.database, o.schema, o.name, o.signature)
                 for o in statement.catalog.find(kind)}  # fmt: skip
        with ac.lock:
            for database, schema, name, signature in before - after:
                parts = tuple(p for p in (database, schema, name) if p)
                ac.state.forget(ref_of(kind, parts, signature))
            ac.save()

    statement.on_success.append(forget)


def _describe_visible(statement: Statement) -> None:
    """DESCRIBE of a catalog object the role holds nothing on (or on whose database or schema
    it holds nothing): it "does not exist"."""
    kind = _created_kind(statement.words)
    ac = control(statement.catalog)
    p = principal(statement.session)
    if kind is None or (ac.pristine and p.role == ACCOUNTADMIN):
        return
    from lht.local.snowflake.sqltext import Parser  # noqa: PLC0415

    parser = Parser(statement.sql)
    parser.next()
    for word in kind.split():
        parser.accept(word)
    parser.accept("EXTERNAL", "ACCESS")
    parser.accept("INTEGRATION")
    name = parser.object_name()
    parts = name.parts if kind in ("INTEGRATION", "WAREHOUSE") else statement.qualify(
        name, f"DESCRIBE {kind}")  # fmt: skip
    with ac.lock:
        ref = ref_of(kind, tuple(parts))
        state = ac.state
        if kind == "PROCEDURE":
            return  # overloads: the procedure handlers resolve and authorise them
        if not can_see(state, p, ref):  # its database or schema first, as in check_privilege
            raise_denial(check_privilege(state, p, ref, "USAGE"))


def _watch_catalog_create(statement: Statement) -> None:
    kind = _created_kind(statement.words)
    if kind is None:
        return
    ac = control(statement.catalog)
    if not ac.state.future and all(key[0] == ACCOUNT for key in ac.state.grants):
        return  # no future grants to apply, no grants to keep or drop: nothing to record
    text = " ".join(statement.words)
    before = {
        (o.database, o.schema, o.name, o.signature): o.created_on
        for o in statement.catalog.find(kind)
    }
    copy = "COPY GRANTS" in statement.sql.upper()
    statement.on_success.append(
        lambda: _catalog_created(
            ac, statement, kind=kind, before=before, copy=copy, replace_="OR REPLACE" in text
        )
    )


_CATALOG_KINDS = (
    ("NETWORK", "RULE"),
    ("EXTERNAL", "ACCESS", "INTEGRATION"),
    ("INTEGRATION",),
    ("SECRET",),
    ("PROCEDURE",),
    ("STAGE",),
    ("TASK",),
    ("WAREHOUSE",),
)
_MODIFIERS = frozenset({"OR", "REPLACE", "ALTER", "SECURE", "TEMPORARY", "TEMP", "TRANSIENT"})


def _created_kind(words: tuple[str, ...]) -> str | None:
    """The catalog kind right after the verb and its modifiers (``CREATE OR REPLACE SECURE
    PROCEDURE`` → PROCEDURE), or None."""
    rest = list(words[1:])
    while rest and rest[0] in _MODIFIERS:
        rest.pop(0)
    for kind in _CATALOG_KINDS:
        if tuple(rest[: len(kind)]) == kind:
            return "INTEGRATION" if kind[-1] == "INTEGRATION" else " ".join(kind)
    return None


def _catalog_created(
    ac: AccessControl,
    statement: Statement,
    *,
    kind: str,
    before: dict[tuple[str, str, str, str], Any],
    copy: bool,
    replace_: bool,
) -> None:
    """Apply future grants (schema level first) or copied grants to the object just made."""
    changed = [
        o
        for o in statement.catalog.find(kind)
        if before.get((o.database, o.schema, o.name, o.signature)) != o.created_on
    ]
    with ac.lock:
        for obj in changed:
            parts = tuple(p for p in (obj.database, obj.schema, obj.name) if p)
            ref = ref_of(kind, parts, obj.signature)
            existed = (obj.database, obj.schema, obj.name, obj.signature) in before
            ac.state.created(
                ref,
                obj.owner or ACCOUNTADMIN,
                copy_from=ref if copy and existed and replace_ else None,
            )
        ac.save()


def authorize_sql(statement: Statement) -> None:
    """Authorise SQL fakesnow executes and schedule its bookkeeping for when it succeeded."""
    ac = control(statement.catalog)
    p = principal(statement.session)
    if ac.pristine and p.role == ACCOUNTADMIN and not MANAGED_CLAUSE.search(statement.sql):
        return
    analysis = access_refs.analyze(statement.sql)
    session = statement.session
    if any(e.action == "create" for e in analysis.effects):
        p = replace(p, secondary_all=False)  # CREATE is authorised by the primary role only
    with ac.lock:
        for need in analysis.needs:
            raise_denial(_check_need(ac, p, need, statement))
    if analysis.effects:
        existed = {e.parts for e in analysis.effects if _existed(ac, p, e, statement)}
        statement.on_success.append(lambda: _record(ac, p, analysis.effects, session, existed))


def _existed(ac: AccessControl, p: Principal, e: access_refs.Effect, statement: Statement) -> bool:
    """Whether the object an IF NOT EXISTS / OR REPLACE create names exists already — asked of
    DuckDB only when the answer changes what is recorded (a query costs ~2 ms)."""
    if not (e.if_not_exists or e.or_replace):
        return False
    ref = _effect_ref(e, statement.session)
    state = ac.state
    if ref.key in state.owners:
        return True  # recorded, so it exists
    if e.or_replace and not (e.copy_grants and (ref.key in state.grants or state.future)):
        return False  # replaced without grants to keep: recorded the same either way
    if e.if_not_exists and p.role == ACCOUNTADMIN and not state.future:
        return False  # an ACCOUNTADMIN-owned object is not recorded either way
    return exists(statement, ref)


def _effect_ref(e: access_refs.Effect, session: SessionState) -> Ref:
    name = access_refs.resolve(e.parts, e.kind, session.database, session.schema)
    return Ref(e.kind, name or "")


def _owned(statement: Statement) -> bool:
    if not statement.words:
        return False
    route = statement.registry.match(statement.sql, list(statement.words))
    return route is not None and route.handler is not None


def _check_need(
    ac: AccessControl, p: Principal, need: access_refs.Need, statement: Statement
) -> Denial | None:
    session = statement.session
    name = access_refs.resolve(need.parts, need.kind, session.database, session.schema)
    if name is None:
        return None  # fakesnow reports the missing current database/schema itself
    ref = Ref(need.kind, name)
    state = ac.state
    if need.privilege == "CREATE":
        replacing = _replacing(statement, need)
        denial = check_create(state, p, ref, replaces=replacing)
        if denial is not None and replacing and not exists(statement, ref):
            denial = check_create(state, p, ref)  # nothing is replaced: the schema's privilege
    elif need.privilege == access_refs.ANY:
        visible = state.any_privilege(active_roles(state, p), ref)
        denial = None if visible else check_privilege(state, p, ref, "USAGE")
    else:
        denial = check_privilege(state, p, ref, need.privilege)
        if denial is not None and need.privilege == "OWNERSHIP" and not exists(statement, ref):
            denial = None  # DROP ... IF EXISTS of nothing; fakesnow reports a missing object
    return denial


def _replacing(statement: Statement, need: access_refs.Need) -> bool:
    analysis = access_refs.analyze(statement.sql)
    return any(e.or_replace and e.parts == need.parts for e in analysis.effects)


def exists(statement: Statement, ref: Ref) -> bool:
    """Whether a table/view/schema/database exists (DuckDB's catalog, case as stored)."""
    parts = [bare(p) for p in ref.parts]
    if not ref.name:
        return False
    queries = {
        "DATABASE": (
            "SELECT 1 FROM information_schema.schemata WHERE upper(catalog_name) = "
            "upper(?) LIMIT 1",
            parts[:1],
        ),
        "SCHEMA": (
            "SELECT 1 FROM information_schema.schemata WHERE upper(catalog_name) = "
            "upper(?) AND upper(schema_name) = upper(?) LIMIT 1",
            parts[:2],
        ),
    }
    sql, params = queries.get(
        ref.kind,
        (
            "SELECT 1 FROM information_schema.tables WHERE upper(table_catalog) = upper(?) AND "
            "upper(table_schema) = upper(?) AND upper(table_name) = upper(?) LIMIT 1",
            parts[:3],
        ),
    )
    duck = getattr(statement.session.connection, "_duck_conn", None)
    if duck is None:
        return True
    return bool(duck.cursor().execute(sql, params).fetchall())


def _record(
    ac: AccessControl,
    p: Principal,
    effects: tuple[access_refs.Effect, ...],
    session: SessionState,
    existed: set[tuple[str, ...]],
) -> None:
    """What a statement created, replaced, renamed or dropped (after it succeeded)."""
    with ac.lock:
        for e in effects:
            name = access_refs.resolve(e.parts, e.kind, session.database, session.schema)
            if name is None:
                continue
            ref = Ref(e.kind, name)
            if e.action == "create":
                _created(ac.state, ref, p.role, e, e.parts in existed)
            elif e.action == "drop":
                _dropped(ac.state, ref)
            elif e.action == "rename":
                new = access_refs.resolve(e.new_parts, e.kind, session.database, session.schema)
                if new is not None:
                    ac.state.rename(ref, Ref(e.kind, new))
        ac.save()


def _created(
    state: AccessState, ref: Ref, creator: str, e: access_refs.Effect, existed: bool
) -> None:
    if e.if_not_exists and existed:
        return  # IF NOT EXISTS found it: nothing changed
    copy_from = ref if e.copy_grants and existed else None
    state.created(ref, creator, copy_from=copy_from)
    if e.managed_access:
        state.managed.add(ref.name)
    elif e.kind == "SCHEMA":
        state.managed.discard(ref.name)


def _dropped(state: AccessState, ref: Ref) -> None:
    if ref.kind in ("SCHEMA", "DATABASE"):
        state.forget_within(ref)
    state.forget(ref)


def strip_managed_access(sql: str, statement: Statement) -> str:
    """fakesnow cannot read ``CREATE SCHEMA ... WITH MANAGED ACCESS``: it gets the plain
    statement; the statement hook recorded the schema as managed (from the original text)."""
    if not MANAGED_CLAUSE.search(sql):
        return sql
    if any(e.managed_access for e in access_refs.analyze(statement.sql).effects):
        return MANAGED_CLAUSE.sub("", sql)
    return sql
