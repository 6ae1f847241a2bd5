"""The emulated org's state: schema, rows (virtual + overlay), writes and validation, clock,
options, limits, faults, request log, tokens, delete log. No HTTP here."""
