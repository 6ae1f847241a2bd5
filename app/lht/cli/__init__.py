"""The ``lht`` command line (console script ``lht`` → :func:`lht.cli.main.entry_point`).

``lht demo | emulator | sync | push`` (plus the orchestration commands once available), on the
embedded warehouse by default or, with ``--connection NAME``, on a real Snowflake account through
the deployed procedures. Local tooling only: the procedures never import this package.
"""
