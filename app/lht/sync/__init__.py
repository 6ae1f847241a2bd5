"""Salesforce → Snowflake sync: options, pure planner, method matrix, executor, store."""
