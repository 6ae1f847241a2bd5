"""Orchestrating many objects: SYNC_CONFIG, SYNC_ALL, the API budget guard, the Snowflake Task
graph (generator + local runner), Snowsight views and Bulk job administration.

Public functions (plain Python; the procedures in ``procedures/orchestrate.py`` and the ``lht``
CLI call the same ones). ``session`` is a Snowpark Session, ``client`` a
:class:`lht.salesforce.client.SalesforceClient`; rows are JSON-friendly dicts.

* ``lht.orchestrate.config``:
  ``set_config(session, sobject, schema, table, *, options=None, group="DEFAULT",
  enabled=True) -> dict``, ``remove_config(session, schema, table) -> bool``,
  ``list_config(session, group=None) -> list[dict]``, ``ensure_orchestration_objects(session)``
  (state/config tables + views, idempotent).
* ``lht.orchestrate.sync_all``:
  ``sync_all(session, client, group=None, *, budget_share=0.8) -> list[dict]`` one row per
  configured enabled object: ``sobject, target, status (SUCCESS|FAILED|DEFERRED), sync_method,
  rows, seconds, run_id, error``; ``status(session) -> list[dict]`` = rows of LHT.SYNC_STATUS
  (failing objects first).
* ``lht.orchestrate.jobs``: ``list_jobs(client) -> list[dict]`` (query + ingest jobs),
  ``abort_job(client, job_id) -> dict``, ``cleanup_jobs(client, max_age_hours) -> list[dict]``.
* ``lht.orchestrate.schedule``: ``schedule_sql(entries, cron, warehouse, group="DEFAULT")
  -> list[str]`` (the Task DDL of the graph), ``schedule(session, cron, warehouse, group)``,
  ``unschedule(session, group)``; ``lht.orchestrate.local_runner.run_graph(...)`` executes the
  same graph locally.
"""
