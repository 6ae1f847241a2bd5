"""LHT (Lake House Tools): sync Salesforce data into Snowflake and push changes back.

The package is zipped into Snowflake as-is; importing it has no side effects.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
