"""The local Snowflake: an object layer in front of fakesnow's server (local mode only).

fakesnow (``fakesnow.server``, a Starlette app) speaks the Snowflake connector protocol and
runs Snowflake SQL on DuckDB. It has no network rules, secrets, integrations, warehouses,
procedures or CALL. ``seam.LocalSnowflake`` is an ASGI app placed in front of it (the one seam;
``lht.local.runtime`` serves it): it sees every login and query, answers the statements this
package owns in Snowflake's JSON shapes and forwards everything else to fakesnow unchanged.
Patches of fakesnow internals stay in ``lht.local.fakesnow_patch``.

Modules: ``seam`` (the ASGI layer), ``registry`` (routes, hooks, the ``Statement`` a handler
gets), ``catalog`` (objects persisted in DuckDB beside the data), ``responses`` (result and
error shapes), ``sqltext`` (tokenizer + parser with Snowflake's syntax errors), ``objects``
(shared CREATE/DROP/SHOW grammar), one module per statement family (``network_rules``,
``secret_objects``, ``integrations``, ``warehouses``, ``stages``, ...), ``context`` (the
``CURRENT_*()`` functions), ``restore`` (what a restart re-creates), ``modules`` (the list of
families). ``COVERAGE.md`` lists every statement, rule and known difference.

Adding a statement family (e.g. roles and grants, tasks)
--------------------------------------------------------
Write a module with ``register(registry)`` and add its name to ``modules.MODULES``::

    def register(registry: Registry) -> None:
        registry.add("CREATE", "ROLE", create_role)              # answered here
        registry.add("SHOW", "ROLES", show_roles, describe=lambda s: list(COLUMNS))
        registry.after("DROP", "SCHEMA", forget_grants)          # after fakesnow ran it
        registry.before_statement(check_table_privileges)      # every statement, before
        registry.on_login(default_role)                          # every successful login
        registry.context_function("CURRENT_AVAILABLE_ROLES", lambda session: ...)
        registry.set_authorizer(authorize)                       # replaces allow-all

    def create_role(stmt: Statement) -> Result:
        parser = Parser(stmt.sql)                 # sqltext.Parser: Snowflake syntax errors
        ...
        stmt.authorize("CREATE ROLE", "ACCOUNT")  # asks the authorizer
        stmt.catalog.put(CatalogObject("ROLE", ACCOUNT, ACCOUNT, name, owner=stmt.session.role))
        return status(f"Role {name} successfully created.")

Routes are chosen by the statement's first word, then the longest object kind after the
modifiers (``OR REPLACE``, ``TEMPORARY``, ...): ``("CREATE", "ROLE")`` matches ``CREATE OR
REPLACE ROLE x``. A handler fails a statement by raising ``responses.SqlError(errno, sqlstate,
message)`` (helpers: ``SqlError.syntax``, ``.does_not_exist``, ``.already_exists``); anything
else it raises is a bug and reaches the client as an error naming the exception type.

What a handler receives: ``registry.Statement``
-----------------------------------------------
- ``sql``, ``words`` (leading words, upper case), ``bindings``, ``describe_only``;
- ``session`` (``registry.SessionState``): ``user``, ``role`` (the current role: the login's
  ``roleName`` or ``context.DEFAULT_ROLE``; a USE ROLE handler sets it), ``warehouse``,
  ``database`` / ``schema`` (current, read from fakesnow's connection), ``token``, ``call``
  (for the session a procedure's child process opened: the running call's frame, with the
  procedure, its owner role and bound secrets — owner's-rights checks start here), and
  ``attributes`` (a dict for other modules' per-session state);
- ``catalog`` (``catalog.Catalog``): ``get``/``find``/``put``/``delete`` of ``CatalogObject``
  rows (kind, database, schema, name, signature, owner, created_on, comment, properties),
  ``execute(sql, params)`` for a module's own tables in the same DuckDB file;
- ``execute(sql, params)``: run SQL on fakesnow in this session (same transaction, same
  current database/schema); ``qualify(name, action)``: (database, schema, name) of a schema
  object, with Snowflake's error when the session has no current database/schema;
- ``authorize(privilege, kind, name)``: calls ``registry.authorizer(statement, Access(...))``;
  every owned statement calls it with what Snowflake requires (e.g. ``CREATE NETWORK RULE`` on
  the SCHEMA, ``OWNERSHIP`` on the object for ALTER/DROP, ``USAGE`` on integrations and secrets
  a procedure binds). The default authorizer allows everything.
- ``registry`` and ``server`` (the seam: ``host``, ``port``, ``db_path``, ``sessions``).
"""
