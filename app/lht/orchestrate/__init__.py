"""Orchestrating many objects: SYNC_CONFIG, SYNC_ALL, the API budget guard, the Snowflake Task
graph (generator + local runner), Snowsight views and Bulk job administration.

Public functions (plain Python; the procedures in ``procedures/orchestrate.py`` and the ``lht``
CLI call the same ones). ``session`` is a Snowpark Session, ``client`` a
:class:`lht.salesforce.client.SalesforceClient`; rows are JSON-friendly dicts.

* ``lht.orchestrate.config``:
  ``set_config(session, sobject, schema, table, *, options=None, group="DEFAULT",
  enabled=True) -> dict``, ``remove_config(session, schema, table) -> bool``,
  ``list_config(session, group=None) -> list[ConfigEntry]`` (``.as_dict()``),
  ``ensure_orchestration_objects(runner, tables)`` (tables + views, idempotent).
* ``lht.orchestrate.sync_all``:
  ``sync_all(session, client, group=None, *, budget_share=0.8, on_result=None) -> list[dict]``,
  one row per enabled entry with keys ``sobject, target, sync_group, status
  (SUCCESS|FAILED|DEFERRED), sync_method, rows_synced, api_calls, seconds, run_id, error``
  (``ROWS`` is a reserved word in Snowflake, hence ``rows_synced``);
  ``status(session) -> list[dict]``: LHT.SYNC_STATUS rows, failing objects first.
* ``lht.orchestrate.jobs``: ``list_jobs(client, kind=None) -> list[dict]`` (query + ingest),
  ``abort_job(client, job_id) -> dict``, ``cleanup_jobs(client, max_age_hours) -> list[dict]``
  (keys ``id, kind, object, operation, state, created_date, age_hours`` [+ ``action, error``]).
* ``lht.orchestrate.schedule``: ``schedule_sql(entries, cron, warehouse, group=None, database=None)
  -> list[str]`` (the Task DDL, pure), ``schedule(session, cron, warehouse, group=None)``,
  ``unschedule(session, group=None)`` (Snowflake only);
  ``lht.orchestrate.local_runner.run_graph(graph, session_factory=, client_factory=)`` runs the
  same graph (``lht.orchestrate.graph.plan_graph``) locally (``sessions=`` a ``LocalWarehouse``:
  children in parallel, one session each).
"""
