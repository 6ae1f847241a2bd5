"""Roles, grants, future grants and ownership of the local Snowflake: the state, no SQL.

One :class:`AccessState` per stand-in holds what Snowflake's access-control model holds
(https://docs.snowflake.com/en/user-guide/security-access-control-overview):

* **roles** and the **role hierarchy**: ``GRANT ROLE A TO ROLE B`` makes B inherit every
  privilege of A; every role inherits PUBLIC. The system roles are created as a new account has
  them: USERADMIN ⊂ SECURITYADMIN ⊂ ACCOUNTADMIN, SYSADMIN ⊂ ACCOUNTADMIN
  (security-access-control-overview#system-defined-roles);
* **users** and the roles granted to them; the account's first user holds ACCOUNTADMIN;
* **ownership**: one owner role per object; the owner (and every role above it) holds all of
  the object's privileges. An object with no recorded owner is owned by ACCOUNTADMIN (the first
  user created it), so objects created before roles existed stay usable;
* **privilege grants** on objects and on the account (``ON ACCOUNT``), with grant option;
* **future grants** per database or schema and object type, applied when an object is created,
  schema-level ones taking precedence over database-level ones for the same type
  (sql-reference/sql/grant-privilege#future-grants-on-database-or-schema-objects;
  release-notes/bcr-bundles/2025_01/bcr-1870);
* **managed-access schemas** (user-guide/security-access-control-configure#managed-access-schemas).

Names are the normalised, fully qualified identifiers the caller resolved (``DB.SCHEMA.NAME``;
procedures carry their argument types, ``DB.SCHEMA.P(VARCHAR)``). Tables and views share one
namespace, as in Snowflake. Who may *change* the state is decided in :mod:`.access_checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lht.local.snowflake.access_types import (
    ACCOUNT,
    ACCOUNTADMIN,
    OWNERSHIP,
    PUBLIC,
    SYSTEM_ACCOUNT_GRANTS,
    SYSTEM_HIERARCHY,
    SYSTEM_ROLES,
    FutureGrant,
    Grant,
    Ref,
)
from lht.local.snowflake.access_types import now_text as _now

__all__ = ["AccessState"]


@dataclass
class Role:
    owner: str
    comment: str = ""
    created_on: str = field(default_factory=_now)


@dataclass
class User:
    owner: str
    default_role: str | None = None
    created_on: str = field(default_factory=_now)
    #: DEFAULT_SECONDARY_ROLES = ('ALL'), the default for users since BCR 2024_08 (#1692)
    secondary_all: bool = True


class AccessState:
    """The whole access-control state of one account (mutable; not thread-safe by itself)."""

    def __init__(self, account: str = "LOCAL", first_user: str | None = None) -> None:
        self.account = account
        self.roles: dict[str, Role] = {r: Role(owner="") for r in SYSTEM_ROLES}
        self.parents: dict[str, dict[str, str]] = {}  # role → {role it is granted to: granted_by}
        self.users: dict[str, User] = {}
        self.user_roles: dict[str, dict[str, str]] = {}  # user → {role: granted_by}
        self.owners: dict[tuple[str, str], tuple[str, str]] = {}  # key → (owner, actual kind)
        self.grants: dict[tuple[str, str], dict[tuple[str, str], Grant]] = {}
        self.future: dict[tuple[str, str, str], dict[tuple[str, str], FutureGrant]] = {}
        self.managed: set[str] = set()
        self._closures: dict[str, frozenset[str]] = {}
        #: Owner lookup for objects kept elsewhere (the catalog's secrets, procedures ...):
        #: returns the owner, or None when the object is not one of those.
        self.external_owner: Callable[[Ref], str | None] | None = None
        #: The stored signatures of a procedure's overloads (kind, (db, schema, name)).
        self.external_overloads: Callable[[str, tuple[str, ...]], list[str]] | None = None
        for child, parent in SYSTEM_HIERARCHY:
            self.parents.setdefault(child, {})[parent] = ""
        for role, privileges in SYSTEM_ACCOUNT_GRANTS.items():
            for privilege in privileges:
                self.grant(privilege, Ref(ACCOUNT, account), role, by="")
        if first_user:
            self.create_user(first_user, owner=ACCOUNTADMIN, default_role=ACCOUNTADMIN)
            self.grant_role_to_user(ACCOUNTADMIN, first_user, by="")

    # -- roles and users ------------------------------------------------------------------------

    def create_role(self, name: str, owner: str, comment: str = "") -> None:
        self.roles[name] = Role(owner=owner, comment=comment)

    def drop_role(self, name: str, dropped_by: str) -> None:
        """Drop a role; what it owned passes to the dropping role (sql/drop-role usage notes)."""
        self.roles.pop(name, None)
        self.parents.pop(name, None)
        for parents in self.parents.values():
            parents.pop(name, None)
        for roles in self.user_roles.values():
            roles.pop(name, None)
        for key, (owner, kind) in list(self.owners.items()):
            if owner == name:
                self.owners[key] = (dropped_by, kind)
        for role in self.roles.values():
            role.owner = dropped_by if role.owner == name else role.owner
        for grants in self.grants.values():
            for gkey in [k for k in grants if k[1] == name]:
                del grants[gkey]
        for futures in self.future.values():
            for fkey in [k for k in futures if k[1] == name]:
                del futures[fkey]
        self._closures.clear()

    def grant_role(self, role: str, to_role: str, by: str) -> None:
        self.parents.setdefault(role, {})[to_role] = by
        self._closures.clear()

    def revoke_role(self, role: str, from_role: str) -> None:
        self.parents.get(role, {}).pop(from_role, None)
        self._closures.clear()

    def create_user(
        self, name: str, owner: str, default_role: str | None = None, *, secondary_all: bool = True
    ) -> None:
        self.users[name] = User(owner=owner, default_role=default_role, secondary_all=secondary_all)
        self.user_roles.setdefault(name, {})

    def drop_user(self, name: str) -> None:
        self.users.pop(name, None)
        self.user_roles.pop(name, None)

    def grant_role_to_user(self, role: str, user: str, by: str) -> None:
        self.user_roles.setdefault(user, {})[role] = by

    def revoke_role_from_user(self, role: str, user: str) -> None:
        self.user_roles.get(user, {}).pop(role, None)

    def is_ancestor(self, role: str, of: str) -> bool:
        """Whether ``role`` inherits ``of`` (granting ``role`` to ``of`` would make a cycle)."""
        return of in self.closure(role)

    def closure(self, role: str) -> frozenset[str]:
        """``role`` and every role it inherits (through the hierarchy), PUBLIC included."""
        cached = self._closures.get(role)
        if cached is not None:
            return cached
        children: dict[str, set[str]] = {}
        for child, parents in self.parents.items():
            for parent in parents:
                children.setdefault(parent, set()).add(child)
        seen, todo = {role, PUBLIC}, [role]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        result = frozenset(seen)
        self._closures[role] = result
        return result

    def user_roles_closure(self, user: str) -> frozenset[str]:
        """Every role the user may USE: those granted and all below them (sql/use-role)."""
        roles: set[str] = {PUBLIC}
        for role in self.user_roles.get(user, {}):
            roles |= self.closure(role)
        return frozenset(roles)

    # -- objects --------------------------------------------------------------------------------

    def owner(self, ref: Ref) -> str:
        if ref.kind == "ROLE":
            role = self.roles.get(ref.name)
            return role.owner if role else ""
        if ref.kind == "USER":
            user = self.users.get(ref.name)
            return user.owner if user else ""
        if self.external_owner is not None and (owner := self.external_owner(ref)) is not None:
            return owner
        found = self.owners.get(ref.key)
        return found[0] if found else ACCOUNTADMIN

    def kind_of(self, ref: Ref) -> str:
        """The recorded kind of a table-namespace object (``VIEW`` for a view), else its own."""
        found = self.owners.get(ref.key)
        return found[1] if found else ref.kind

    def set_owner(self, ref: Ref, role: str) -> None:
        if ref.kind == "ROLE":
            self.roles[ref.name].owner = role
        elif ref.kind == "USER":
            self.users[ref.name].owner = role
        else:
            self.owners[ref.key] = (role, ref.kind)

    def created(self, ref: Ref, creator: str, *, copy_from: Ref | None = None) -> str:
        """Record a new object created by role ``creator``: its owner (a future OWNERSHIP grant
        wins), the future grants of its container (schema level before database level), or the
        grants of ``copy_from`` for ``CREATE OR REPLACE ... COPY GRANTS``. Returns the owner."""
        previous = dict(self.grants.get(copy_from.key, {})) if copy_from is not None else {}
        self.forget(ref)
        keeps_futures = ref.kind in ("PROCEDURE", "FUNCTION", "STREAM")  # BCR 2026_08/2433 "before"
        futures = [] if copy_from is not None and not keeps_futures else self._futures(ref)
        owner = next((f.grantee for f in futures if f.privilege == OWNERSHIP), creator)
        external = self.external_owner(ref) if self.external_owner is not None else None
        if external is not None:
            owner = external  # the catalog keeps this object's owner
        elif owner != ACCOUNTADMIN:
            self.owners[ref.key] = (owner, ref.kind)  # ACCOUNTADMIN is every object's default
        for g in previous.values():
            self.grant(g.privilege, ref, g.grantee, by=g.granted_by, grant_option=g.grant_option)
        for f in futures:
            if f.privilege != OWNERSHIP:
                self.grant(f.privilege, ref, f.grantee, by=owner, grant_option=f.grant_option)
        return owner

    def _futures(self, ref: Ref) -> list[FutureGrant]:
        """Future grants that apply to a new ``ref`` (BCR 2025_01/1870: schema level wins)."""
        if ref.kind == "SCHEMA":
            return list(self.future.get(("DATABASE", str(ref.database), "SCHEMA"), {}).values())
        schema_level = self.future.get(("SCHEMA", str(ref.schema), ref.kind), {})
        if schema_level:
            return list(schema_level.values())
        return list(self.future.get(("DATABASE", str(ref.database), ref.kind), {}).values())

    def forget(self, ref: Ref) -> None:
        """An object was dropped (or replaced): drop its owner and grants."""
        self.owners.pop(ref.key, None)
        self.grants.pop(ref.key, None)

    def forget_within(self, container: Ref) -> None:
        """``DROP SCHEMA``/``DROP DATABASE``: forget the container and everything inside it."""
        prefix = container.name + "."
        for table in (self.owners, self.grants):
            for key in [k for k in table if k[1] == container.name or k[1].startswith(prefix)]:
                del table[key]
        for fkey in [k for k in self.future if k[1] == container.name or k[1].startswith(prefix)]:
            del self.future[fkey]
        self.managed = {s for s in self.managed if s != container.name and not s.startswith(prefix)}

    def rename(self, old: Ref, new: Ref) -> None:
        """``ALTER ... RENAME TO``: owner and grants move with the object."""
        if old.key in self.owners:
            self.owners[new.key] = self.owners.pop(old.key)
        moved = self.grants.pop(old.key, {})
        if moved:
            self.grants[new.key] = {
                k: Grant(g.privilege, new, g.grantee, g.grant_option, g.granted_by, g.created_on)
                for k, g in moved.items()
            }

    # -- privileges -----------------------------------------------------------------------------

    def grant(
        self, privilege: str, on: Ref, grantee: str, by: str, *, grant_option: bool = False
    ) -> None:
        grants = self.grants.setdefault(on.key, {})
        old = grants.get((privilege, grantee))
        created = old.created_on if old else _now()
        grants[(privilege, grantee)] = Grant(
            privilege, on, grantee, grant_option or bool(old and old.grant_option), by, created
        )

    def revoke(self, privilege: str, on: Ref, grantee: str) -> bool:
        return self.grants.get(on.key, {}).pop((privilege, grantee), None) is not None

    def grant_future(
        self, privilege: str, kind: str, container: Ref, grantee: str, *, grant_option: bool = False
    ) -> None:
        bucket = self.future.setdefault((container.kind, container.name, kind), {})
        bucket[(privilege, grantee)] = FutureGrant(
            privilege, kind, container, grantee, grant_option, _now()
        )

    def revoke_future(self, privilege: str, kind: str, container: Ref, grantee: str) -> bool:
        bucket = self.future.get((container.kind, container.name, kind), {})
        found = bucket.pop((privilege, grantee), None) is not None
        if not bucket:
            self.future.pop((container.kind, container.name, kind), None)
        return found

    def owns(self, roles: frozenset[str], ref: Ref) -> bool:
        return self.owner(ref) in roles

    def has(self, roles: frozenset[str], privilege: str, ref: Ref) -> bool:
        """Whether any of ``roles`` (a closure) holds ``privilege`` on ``ref`` or owns it."""
        if self.owner(ref) in roles:
            return True
        grants = self.grants.get(ref.key)
        return grants is not None and any((privilege, r) in grants for r in roles)

    def has_grant_option(self, roles: frozenset[str], privilege: str, ref: Ref) -> bool:
        grants = self.grants.get(ref.key, {})
        return any(g.grant_option for r in roles if (g := grants.get((privilege, r))))

    def any_privilege(self, roles: frozenset[str], ref: Ref) -> bool:
        """Whether ``roles`` hold anything on ``ref`` (then the object is visible to them)."""
        if self.owner(ref) in roles:
            return True
        return any(grantee in roles for _, grantee in self.grants.get(ref.key, {}))

    # -- listings (SHOW GRANTS) -----------------------------------------------------------------

    def grants_on(self, ref: Ref) -> list[Grant]:
        """The owner row first, then every grant on ``ref``."""
        owner = self.owner(ref)
        rows = [Grant(OWNERSHIP, Ref(self.kind_of(ref), ref.name), owner, True, owner)]
        rows += sorted(
            self.grants.get(ref.key, {}).values(), key=lambda g: (g.privilege, g.grantee)
        )
        return rows

    def grants_to(self, role: str) -> Iterator[Grant]:
        for key, (owner, kind) in sorted(self.owners.items()):
            if owner == role:
                yield Grant(OWNERSHIP, Ref(kind, key[1]), role, True, role)
        for grants in self.grants.values():
            yield from (g for g in grants.values() if g.grantee == role)
        for child, parents in sorted(self.parents.items()):
            if role in parents:
                yield Grant("USAGE", Ref("ROLE", child), role, False, parents[role])

    def future_in(self, container: Ref) -> list[FutureGrant]:
        return [
            f
            for (ckind, cname, _), bucket in sorted(self.future.items())
            if (ckind, cname) == (container.kind, container.name)
            for f in bucket.values()
        ]
