"""The ``tasks`` check of CHECK_SETUP: every scheduled group's graph exists and is resumed.

A group counts as scheduled when its root task ``LHT_SYNC_<GROUP>_ROOT`` exists (SCHEDULE_SYNC
creates root, one child per enabled SYNC_CONFIG entry, finalizer: :mod:`lht.orchestrate.graph`).
Each of those tasks must exist and be ``started`` (SHOW TASKS ``state``); a suspended one means
the group does not run. Children for entries added or removed since scheduling only warn:
SCHEDULE_SYNC again brings the graph in step.
"""

from __future__ import annotations

from lht.deploy.check_ports import CheckResult, WarehouseCheckPort
from lht.errors import LhtError
from lht.orchestrate.graph import graph_prefix

__all__ = ["check_tasks"]

_PREFIX, _ROOT = "LHT_SYNC_", "_ROOT"


def check_tasks(warehouse: WarehouseCheckPort) -> CheckResult:
    try:
        tasks = {name.upper(): state.lower() for name, state in warehouse.tasks().items()}
    except LhtError as exc:
        return CheckResult("tasks", "WARN", f"could not list tasks: {exc}",
                           "LHT_ADMIN owns the tasks SCHEDULE_SYNC creates")  # fmt: skip
    groups = sorted(n[len(_PREFIX) : -len(_ROOT)] for n in tasks
                    if n.startswith(_PREFIX) and n.endswith(_ROOT))  # fmt: skip
    if not groups:
        return CheckResult("tasks", "OK", "no task graphs scheduled")
    entries = warehouse.config_entries()
    suspended, stale = [], []
    for group in groups:
        prefix = graph_prefix(group)
        children = {f"{prefix}__{e.schema}__{e.table}" for e in entries
                    if e.group == group and e.enabled}  # fmt: skip
        wanted = {f"{prefix}_ROOT", f"{prefix}_FINALIZE", *children}
        suspended += sorted(n for n in wanted if tasks.get(n, "missing") != "started")
        stale += sorted(n for n in tasks if n.startswith(f"{prefix}__") and n not in children)
    if suspended:
        detail = "not running: " + ", ".join(f"{n} ({tasks.get(n, 'missing')})" for n in suspended)
        fix = ("CALL LHT.SCHEDULE_SYNC(...) again for the group (it resumes the whole graph), or "
               "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('<db>.LHT.<root task>')")  # fmt: skip
        return CheckResult("tasks", "FAIL", detail, fix)
    if stale:
        detail = f"tasks of entries no longer enabled: {', '.join(stale)}"
        return CheckResult("tasks", "WARN", detail, "CALL LHT.SCHEDULE_SYNC(...) again")
    return CheckResult("tasks", "OK", f"groups {', '.join(groups)}: every task started")
