"""Snowflake side of LHT: identifiers, type map, SQL builders, statement runner, stage.

Never imports Salesforce code. All runtime SQL is built here and executed by
:class:`lht.warehouse.runner.StatementRunner`.
"""
