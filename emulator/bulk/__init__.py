"""Bulk API 2.0 query and ingest jobs: job model, result files, CSV, the performance model."""
