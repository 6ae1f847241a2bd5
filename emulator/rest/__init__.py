"""REST API handlers: versions/describe, query/queryAll, records, collections, composite,
replication (updated/deleted), and the JSON value rendering they share."""
