"""Access control of the local Snowflake: every statement checked against the session's role.

Four hooks into the seam (:mod:`lht.local.snowflake.registry`):

* the **authorizer** answers the owned statements' ``statement.authorize(privilege, kind,
  name)`` calls (CREATE SECRET needs CREATE SECRET on the schema, CALL needs USAGE on the
  procedure, ...) with :mod:`.access_checks`;
* a **statement hook** authorises the SQL fakesnow executes: :func:`.access_refs.analyze` reads
  what the statement touches (sqlglot, cached by text) and each need is checked; what it
  creates, replaces, renames or drops is recorded once it succeeded (owner, future grants,
  COPY GRANTS). When no custom role, future grant or recorded owner exists yet and the role is
  ACCOUNTADMIN (the local user's default) the statement cannot be refused and nothing needs
  recording, so the hook returns without parsing: LHT's test suite and demo pay a dict lookup;
* the **visibility** says which catalog objects a SHOW lists (:func:`.access_checks.can_see`);
* a **login hook** gives a login its role: the one it names (which must be granted to the user,
  Snowflake's 390189 otherwise) or the user's default role. The stand-in has no
  authentication: a user it does not know is taken as the account's first user (holds
  ACCOUNTADMIN, default role ACCOUNTADMIN); users made with CREATE USER get only their grants.

The state (:class:`~.access_model.AccessState`) lives in the catalog's DuckDB file (table
``access_state``, one JSON document) and is saved after every statement that changed it.
Objects the catalog keeps (secrets, integrations, procedures, stages, tasks ...) take their
owner from the catalog's ``owner`` column; tables, views, schemas and databases from the state.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import replace
from typing import Any

from lht.local.snowflake import access_store
from lht.local.snowflake.access_checks import (
    Denial,
    Principal,
    can_see,
    check_create,
    check_privilege,
    check_use_role,
)
from lht.local.snowflake.access_model import AccessState
from lht.local.snowflake.access_types import ACCOUNT, ACCOUNTADMIN, Ref
from lht.local.snowflake.catalog import Catalog
from lht.local.snowflake.context import ACCOUNT_NAME
from lht.local.snowflake.registry import Access, Registry, SessionState, Statement
from lht.local.snowflake.responses import SqlError
from lht.local.snowflake.sqltext import quote_name

__all__ = [
    "AccessControl",
    "bare",
    "control",
    "find",
    "principal",
    "raise_denial",
    "ref_of",
    "register",
]

log = logging.getLogger(__name__)

_DDL = "CREATE TABLE IF NOT EXISTS access_state (id INTEGER PRIMARY KEY, doc VARCHAR NOT NULL)"
#: Kinds whose objects (and owners) the catalog keeps; the rest are fakesnow's.
CATALOG_KINDS = frozenset(
    {"SECRET", "NETWORK RULE", "INTEGRATION", "WAREHOUSE", "STAGE", "PROCEDURE", "TASK"}
)
_CONTROLS: weakref.WeakKeyDictionary[Catalog, AccessControl] = weakref.WeakKeyDictionary()
_CONTROLS_LOCK = threading.Lock()


class AccessControl:
    """The access state of one catalog (data directory), with its lock and persistence."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.lock = threading.RLock()
        catalog.execute(_DDL)
        rows = catalog.execute("SELECT doc FROM access_state WHERE id = 1")
        self.state = access_store.load(rows[0][0]) if rows else AccessState(ACCOUNT_NAME)
        self._saved = rows[0][0] if rows else access_store.dump(self.state)
        if not rows:
            catalog.execute("INSERT INTO access_state VALUES (1, ?)", [self._saved])
        self.state.external_owner = self._catalog_owner
        self.state.external_overloads = self._overloads

    def _overloads(self, kind: str, parts: tuple[str, ...]) -> list[str]:
        database, schema, name = (bare(p) for p in parts)
        found = self.catalog.find(kind, database=database, schema=schema, name=name)
        return [o.signature for o in found]

    def _catalog_owner(self, ref: Ref) -> str | None:
        if ref.kind not in CATALOG_KINDS:
            return None
        found = find(self.catalog, ref)
        return None if found is None else (found.owner or ACCOUNTADMIN)

    def save(self) -> None:
        """Write the state if it changed (one UPDATE of one row: ~1 ms)."""
        with self.lock:
            doc = access_store.dump(self.state)
            if doc == self._saved:
                return
            self.catalog.execute("UPDATE access_state SET doc = ? WHERE id = 1", [doc])
            self._saved = doc

    @property
    def pristine(self) -> bool:
        """No custom role, future grant or recorded owner: ACCOUNTADMIN can do everything."""
        s = self.state
        return not s.future and not s.owners and not s.managed and len(s.roles) == 5


def control(catalog: Catalog) -> AccessControl:
    """The one AccessControl of ``catalog`` (created, and loaded, on first use)."""
    with _CONTROLS_LOCK:
        found = _CONTROLS.get(catalog)
        if found is None:
            found = _CONTROLS[catalog] = AccessControl(catalog)
        return found


def find(catalog: Catalog, ref: Ref) -> Any:
    """The catalog object of ``ref`` (a procedure by name and signature), or None."""
    parts = ref.parts
    name = parts[-1] if parts else ref.name
    database, schema = (parts[0], parts[1]) if len(parts) == 3 else ("", "")
    signature = ref.name[ref.name.index("(") :] if "(" in ref.name else ""
    kind = "INTEGRATION" if ref.kind.endswith("INTEGRATION") else ref.kind
    return catalog.get(kind, bare(database), bare(schema), bare(name), signature)


def bare(part: str) -> str:
    return part[1:-1].replace('""', '"') if part.startswith('"') else part


def ref_of(kind: str, parts: tuple[str, ...] | list[str], signature: str = "") -> Ref:
    """A Ref from resolved identifier parts (quoted as Snowflake shows them); a procedure's
    ``signature`` is the catalog's ``(TYPE, TYPE)``."""
    name = ".".join(quote_name(p) for p in parts)
    if kind not in ("PROCEDURE", "FUNCTION"):
        return Ref(kind, name)
    return Ref(kind, name + (signature if signature.startswith("(") else f"({signature})"))


def principal(session: SessionState) -> Principal:
    return Principal(
        session.user or "",
        session.role or ACCOUNTADMIN,
        bool(session.attributes.get("secondary_all")),
        tuple(session.attributes.get("secondary_roles") or ()),
    )


def raise_denial(denial: Denial | None) -> None:
    if denial is not None:
        raise SqlError(denial.errno, denial.sqlstate, denial.message)


# -- the authorizer (owned statements) -----------------------------------------------------------


def authorize(statement: Statement, access: Access) -> None:
    """The registry's authorizer: ``access.privilege`` on ``access.kind`` ``access.name``."""
    ac = control(statement.catalog)
    p = principal(statement.session)
    if ac.pristine and p.role == ACCOUNTADMIN:
        return
    if statement.words[:1] == ("CREATE",):
        p = replace(p, secondary_all=False)  # CREATE is authorised by the primary role only
    with ac.lock:
        raise_denial(_check_access(ac.state, p, access))


def visible(statement: Statement, kind: str, name: tuple[str, ...]) -> bool:
    """The registry's visibility: SHOW lists what the role holds a privilege on."""
    ac = control(statement.catalog)
    p = principal(statement.session)
    if ac.pristine and p.role == ACCOUNTADMIN:
        return True
    kind = "INTEGRATION" if kind.endswith("INTEGRATION") else kind
    with ac.lock:
        return can_see(ac.state, p, ref_of(kind, name))


def _check_access(state: AccessState, p: Principal, access: Access) -> Denial | None:
    kind = "INTEGRATION" if access.kind.endswith("INTEGRATION") else access.kind
    if kind == ACCOUNT:
        return check_privilege(state, p, Ref(ACCOUNT, state.account), access.privilege)
    if kind in ("PROCEDURE", "FUNCTION") and len(access.name) == 3:
        return _check_overloads(state, p, kind, access)
    ref = ref_of(kind, access.name[:3], ", ".join(access.name[3:]))
    if access.privilege.startswith("CREATE ") and kind in ("SCHEMA", "DATABASE"):
        target = access.privilege.removeprefix("CREATE ")
        return check_create(state, p, _child_of(ref, target))
    reads = kind == "SECRET" and access.privilege == "USAGE"
    if reads and check_privilege(state, p, ref, "READ") is None:
        return None  # binding a secret to a procedure: READ (sql/create-procedure), or USAGE
    return check_privilege(state, p, ref, access.privilege)


def _check_overloads(state: AccessState, p: Principal, kind: str, access: Access) -> Denial | None:
    """A procedure named without its argument types: allowed when the role may on one of its
    overloads (privileges are held per overload; the handler picked one)."""
    overloads = state.external_overloads(kind, access.name) if state.external_overloads else []
    refs = [ref_of(kind, access.name, signature) for signature in overloads]
    denials = [check_privilege(state, p, ref, access.privilege) for ref in refs]
    if not refs or any(d is None for d in denials):
        return None if refs else check_privilege(state, p, ref_of(kind, access.name),
                                                 access.privilege)  # fmt: skip
    return denials[0]


def _child_of(container: Ref, kind: str) -> Ref:
    """A placeholder object of ``kind`` inside ``container`` (for CREATE <kind> checks)."""
    return Ref(kind, f"{container.name}.{'_NEW_'}")


# -- login -----------------------------------------------------------------------------------------


def on_login(session: SessionState) -> None:
    """Give the session its role: the one it asked for (granted to the user) or the default.
    A procedure's session (``session.call``) and a task's (``login_parameters`` carry its
    run) get their role from what runs them, not from the user's grants."""
    catalog = session.catalog
    if catalog is None or session.call is not None:
        return
    if (session.attributes.get("login_parameters") or {}).get("LHT_TASK_RUN"):
        return
    ac = control(catalog)
    with ac.lock:
        user = _known_user(ac, session.user or "")
        session.user = user
        session.attributes.setdefault("secondary_all", ac.state.users[user].secondary_all)
        requested = session.attributes.get("requested_role")
        if requested is None:
            session.role = ac.state.users[user].default_role or "PUBLIC"
            return
        session.role = requested
        if check_use_role(ac.state, user, requested) is not None:
            raise SqlError(
                390189,
                "08004",
                f"Role '{requested}' specified in the connect "
                "string is not granted to this user. Contact your local system "
                "administrator, or attempt to login with another role, e.g. "
                "PUBLIC.",
            )


def _known_user(ac: AccessControl, user: str) -> str:
    """``user``, created as an account administrator when the account does not know it."""
    name = user or "LHT"
    if name not in ac.state.users:
        ac.state.create_user(name, owner=ACCOUNTADMIN, default_role=ACCOUNTADMIN)
        ac.state.grant_role_to_user(ACCOUNTADMIN, name, by="")
        log.info("local Snowflake: user %s logs in as an account administrator", name)
        if not ac.pristine:
            ac.save()
    return name


def register(registry: Registry) -> None:
    from lht.local.snowflake import access_hook, access_statements  # noqa: PLC0415

    registry.set_authorizer(authorize)
    registry.set_visibility(visible)
    registry.before_statement(access_hook.before_statement)
    registry.on_login(on_login)
    registry.rewriter(access_hook.strip_managed_access)
    access_statements.register(registry)


def replaced_owner(obj: Any, owner: str) -> Any:
    """A catalog object with a new owner (GRANT OWNERSHIP on a catalog object)."""
    return replace(obj, owner=owner)
