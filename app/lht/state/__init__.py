"""LHT's own state in Snowflake: watermarks (SYNC_STATE), the run log (SYNC_RUNS) and
per-target locks (SYNC_LOCKS). Uses lht.warehouse only (builders + runner)."""
