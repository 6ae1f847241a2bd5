"""Salesforce access for LHT: HTTP + Salesforce only, never Snowflake.

Entry point: :class:`lht.salesforce.client.SalesforceClient`. Nothing is imported here so
that importing a submodule stays cheap and free of side effects.
"""
