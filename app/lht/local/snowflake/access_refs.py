"""What a plain SQL statement needs, read with sqlglot (Snowflake dialect): no state, no I/O.

:func:`analyze` turns the text of a statement fakesnow executes (SELECT, INSERT, MERGE, COPY,
CREATE TABLE/VIEW/SCHEMA/DATABASE, ALTER, DROP, TRUNCATE, USE, PUT/LIST ...) into

* ``needs``: the privileges it requires, object by object, as Snowflake's access-control pages
  list them — SELECT on every table or view read (a view's own base tables are the view
  owner's business), INSERT/UPDATE/DELETE on the target of a DML statement (MERGE: one per
  WHEN clause kind), TRUNCATE, OWNERSHIP for ALTER and DROP, READ/WRITE on internal stages
  (``@stage`` in FROM, COPY, PUT, LIST, REMOVE), CREATE <type> on the container;
* ``effects``: what the statement changes in the access state when it succeeds (an object
  created or replaced — with COPY GRANTS or not —, dropped, renamed; a managed-access schema).

Names are kept as written (1–3 identifier parts, unquoted ones upper-cased) and resolved
against the session's current database and schema by :func:`resolve`. Results are cached by
statement text, so a statement a procedure runs over and over is parsed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

__all__ = ["Analysis", "Effect", "Need", "analyze", "resolve"]

ANY = "ANY"  # any privilege at all (DESCRIBE, SHOW ... IN, USE)
_STAGE = re.compile(r"^@(?P<name>[^/\s]+)")
_REMOVE = re.compile(r"^\s*(?:REMOVE|RM)\s+'?(@[^\s']+)", re.I)
_MANAGED = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?:TRANSIENT\s+)?SCHEMA\s+"
    r"(?P<ifne>IF\s+NOT\s+EXISTS\s+)?(?P<name>[^\s;]+).*\bWITH\s+MANAGED\s+ACCESS\b",
    re.I | re.S,
)
_KINDS = {
    "TABLE": "TABLE",
    "VIEW": "VIEW",
    "SCHEMA": "SCHEMA",
    "DATABASE": "DATABASE",
    "MATERIALIZED VIEW": "VIEW",
    "STAGE": "STAGE",
    "SEQUENCE": "SEQUENCE",
    "FILE FORMAT": "FILE FORMAT",
    "DYNAMIC TABLE": "TABLE",
}


@dataclass(frozen=True)
class Need:
    """``privilege`` on ``kind`` ``parts`` (``CREATE <kind>`` needs are on the new object)."""

    privilege: str
    kind: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Effect:
    """``action`` (create, drop, rename, use) of ``kind`` ``parts``."""

    action: str
    kind: str
    parts: tuple[str, ...]
    or_replace: bool = False
    if_not_exists: bool = False
    copy_grants: bool = False
    managed_access: bool = False
    new_parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    needs: tuple[Need, ...] = ()
    effects: tuple[Effect, ...] = ()
    parsed: bool = True  # False: sqlglot could not read it (left to fakesnow's own error)


def resolve(
    parts: tuple[str, ...], kind: str, database: str | None, schema: str | None
) -> str | None:
    """``DB.SCHEMA.NAME`` (``DB.SCHEMA`` for a schema, ``DB`` for a database) from the parts
    as written and the session's current database/schema; None when it cannot be resolved."""
    depth = {"DATABASE": 1, "SCHEMA": 2}.get(kind, 3)
    context = [database, schema][: depth - len(parts)] if len(parts) < depth else []
    full = [*context, *parts][-depth:] if len(parts) < depth else list(parts[-depth:])
    names = [p for p in full if p]
    if len(names) < depth:
        return None
    return ".".join(_quoted(p) for p in names)


def _quoted(part: str) -> str:
    return part if re.fullmatch(r"[A-Z_][A-Z0-9_$]*", part) else '"' + part.replace('"', '""') + '"'


@lru_cache(maxsize=4096)
def analyze(sql: str) -> Analysis:
    """The needs and effects of one statement (cached by text)."""
    managed = _MANAGED.match(sql)
    if managed:
        return _managed_schema(managed)
    removed = _REMOVE.match(sql)
    if removed:  # sqlglot reads REMOVE as a Command
        stage = _stage(exp.Var(this=removed.group(1)))
        return Analysis(() if stage is None else (Need("WRITE", "STAGE", stage),))
    try:
        tree = sqlglot.parse_one(sql, read="snowflake")
    except sqlglot.errors.ParseError:
        return Analysis(parsed=False)
    if not isinstance(tree, exp.Expression) or isinstance(tree, exp.Command):
        return Analysis(parsed=False)
    return _Reader().read(tree)


def _managed_schema(match: re.Match[str]) -> Analysis:
    parts = _split_name(match.group("name"))
    create = Need("CREATE", "SCHEMA", parts)
    effect = Effect(
        "create",
        "SCHEMA",
        parts,
        bool(match.group("replace")),
        bool(match.group("ifne")),
        managed_access=True,
    )
    return Analysis((create,), (effect,))


def _split_name(text: str) -> tuple[str, ...]:
    parts = re.findall(r'"((?:[^"]|"")*)"|([^.]+)', text)
    return tuple(q.replace('""', '"') if q else u.upper() for q, u in parts)


def _ident(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Identifier):
        name = str(node.this)
        return name if node.quoted else name.upper()
    text = str(node.name) if hasattr(node, "name") else str(node)
    return text.upper() if text else None


def table_parts(table: exp.Table) -> tuple[str, ...]:
    parts = [_ident(table.args.get(k)) for k in ("catalog", "db", "this")]
    return tuple(p for p in parts if p)


def _stage(table: exp.Expression) -> tuple[str, ...] | None:
    """The stage name parts of ``@db.schema.stage/path`` (None for user/table stages)."""
    text = (
        table.this.name
        if isinstance(table, exp.Table) and isinstance(table.this, exp.Var)
        else (table.name if isinstance(table, exp.Var) else "")
    )
    match = _STAGE.match(text.strip("'"))
    if not match or match.group("name")[0] in "~%":
        return None
    return _split_name(match.group("name"))


class _Reader:
    """Walks one sqlglot tree, collecting needs and effects."""

    def __init__(self) -> None:
        self.needs: list[Need] = []
        self.effects: list[Effect] = []

    def read(self, tree: exp.Expression) -> Analysis:
        handler = getattr(self, f"_{type(tree).__name__.lower()}", None)
        if handler is not None:
            handler(tree)
        else:
            self._reads(tree)
        return Analysis(tuple(dict.fromkeys(self.needs)), tuple(self.effects))

    # -- reads ----------------------------------------------------------------------------------

    def _reads(self, tree: exp.Expression, skip: exp.Expression | None = None) -> None:
        """SELECT on every table/view read in ``tree`` (CTEs, INFORMATION_SCHEMA and table
        functions excluded), READ on every stage read."""
        ctes = {
            _ident(c.args["alias"].this)
            for c in tree.find_all(exp.CTE)
            if c.args.get("alias") is not None
        }
        for table in tree.find_all(exp.Table):
            if table is skip:
                continue
            if (stage := _stage(table)) is not None:
                self.needs.append(Need("READ", "STAGE", stage))
                continue
            parts = table_parts(table)
            if not parts or isinstance(table.this, exp.Func | exp.Var):
                continue
            if len(parts) == 1 and parts[0] in ctes:
                continue
            if len(parts) >= 2 and parts[-2] == "INFORMATION_SCHEMA":
                continue
            self.needs.append(Need("SELECT", "TABLE", parts))

    def _target(self, node: exp.Expression | None) -> exp.Table | None:
        while node is not None and not isinstance(node, exp.Table):
            node = node.this if isinstance(node, exp.Schema | exp.Alias) else None
        return node

    # -- DML ------------------------------------------------------------------------------------

    def _insert(self, tree: exp.Insert) -> None:
        target = self._target(tree.this)
        if target is not None:
            self.needs.append(Need("INSERT", "TABLE", table_parts(target)))
            if tree.args.get("overwrite"):
                self.needs.append(Need("DELETE", "TABLE", table_parts(target)))
        self._reads(tree, skip=target)

    def _update(self, tree: exp.Update) -> None:
        self._dml(tree, "UPDATE")

    def _delete(self, tree: exp.Delete) -> None:
        self._dml(tree, "DELETE")

    def _dml(self, tree: exp.Expression, privilege: str) -> None:
        target = self._target(tree.this)
        if target is not None:
            self.needs.append(Need(privilege, "TABLE", table_parts(target)))
        self._reads(tree, skip=target)

    def _merge(self, tree: exp.Merge) -> None:
        target = self._target(tree.this)
        if target is not None:
            parts = table_parts(target)
            for when in tree.find_all(exp.When):
                action = when.args.get("then")
                if isinstance(action, exp.Insert):
                    self.needs.append(Need("INSERT", "TABLE", parts))
                elif isinstance(action, exp.Update):
                    self.needs.append(Need("UPDATE", "TABLE", parts))
                elif action is not None and "DELETE" in action.sql().upper():
                    self.needs.append(Need("DELETE", "TABLE", parts))
        self._reads(tree, skip=target)

    def _truncatetable(self, tree: exp.TruncateTable) -> None:
        for table in tree.expressions:
            if isinstance(table, exp.Table):
                self.needs.append(Need("TRUNCATE", "TABLE", table_parts(table)))

    def _copy(self, tree: exp.Copy) -> None:
        target = tree.this
        if (stage := _stage(target)) is not None:  # COPY INTO @stage FROM ... (unload)
            self.needs.append(Need("WRITE", "STAGE", stage))
            self._reads(tree, skip=target)
            return
        if isinstance(target, exp.Table):
            self.needs.append(Need("INSERT", "TABLE", table_parts(target)))
        self._reads(tree, skip=target)

    def _put(self, tree: exp.Put) -> None:
        if (stage := _stage(tree.args["target"])) is not None:
            self.needs.append(Need("WRITE", "STAGE", stage))

    def _liststage(self, tree: exp.Expression) -> None:
        if (stage := _stage(tree.this)) is not None:
            self.needs.append(Need("READ", "STAGE", stage))

    # -- DDL ------------------------------------------------------------------------------------

    def _create(self, tree: exp.Create) -> None:
        kind = _KINDS.get(str(tree.args.get("kind") or "").upper())
        target = self._target(tree.this)
        if kind is None or target is None:
            return
        parts = _container_parts(target, kind)
        props = tree.args.get("properties")
        copy = bool(props and any(isinstance(p, exp.CopyGrantsProperty) for p in props.expressions))
        self.needs.append(Need("CREATE", kind, parts))
        self.effects.append(
            Effect(
                "create",
                kind,
                parts,
                bool(tree.args.get("replace")),
                bool(tree.args.get("exists")),
                copy,
            )
        )
        self._reads(tree, skip=target)

    def _drop(self, tree: exp.Drop) -> None:
        kind = _KINDS.get(str(tree.args.get("kind") or "").upper())
        if kind is None:
            return
        for table in tree.args.get("tables") or [tree.this]:
            if isinstance(table, exp.Table):
                parts = _container_parts(table, kind)
                self.needs.append(Need("OWNERSHIP", kind, parts))
                self.effects.append(
                    Effect("drop", kind, parts, if_not_exists=bool(tree.args.get("exists")))
                )

    def _alter(self, tree: exp.Alter) -> None:
        kind = _KINDS.get(str(tree.args.get("kind") or "").upper())
        target = self._target(tree.this)
        if kind is None or target is None:
            return  # ALTER SESSION, ALTER ACCOUNT ...: no object
        parts = _container_parts(target, kind)
        self.needs.append(Need("OWNERSHIP", kind, parts))
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                new = _container_parts(action.this, kind)
                self.effects.append(Effect("rename", kind, parts, new_parts=new))

    def _use(self, tree: exp.Use) -> None:
        kind = str(tree.args.get("kind") or "SCHEMA").upper()
        if kind in ("DATABASE", "SCHEMA") and isinstance(tree.this, exp.Table):
            self.needs.append(Need(ANY, kind, _container_parts(tree.this, kind)))

    def _describe(self, tree: exp.Describe) -> None:
        target = self._target(tree.this)
        if target is not None:
            self.needs.append(Need(ANY, "TABLE", table_parts(target)))

    def _show(self, tree: exp.Show) -> None:
        scope = tree.args.get("scope")
        kind = str(tree.args.get("scope_kind") or "").upper()
        if isinstance(scope, exp.Table) and kind in ("DATABASE", "SCHEMA"):
            self.needs.append(Need(ANY, kind, _container_parts(scope, kind)))

    def _select(self, tree: exp.Expression) -> None:
        self._reads(tree)


def _container_parts(table: exp.Table, kind: str) -> tuple[str, ...]:
    """The name parts in order (sqlglot puts DROP SCHEMA's ``DB.SCHEMA`` in catalog, db)."""
    return table_parts(table)
