"""Local mode: the embedded Snowflake stand-in, local secrets and demo wiring.

Imported lazily; never on the import path of a deployed procedure.
"""
