"""Snowflake → Salesforce (reverse ETL): pure planner, row rendering, job splitting, results.

The executor (``lht.push.executor``) walks a plan through the ports (Salesforce client,
warehouse runner); everything else in this package is pure and tested exhaustively.
"""
