"""Record writes of the Org (insert/update/upsert/delete/undelete/purge), shared by REST and
Bulk."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulator.core.ids import is_well_formed, make_id, parse_id, to_18
from emulator.core.options import register_option
from emulator.core.store import ObjectData
from emulator.core.writes import RecordError, missing_required, writable_values

if TYPE_CHECKING:
    from emulator.core.clock import Clock
    from emulator.core.options import Options
    from emulator.core.schema import ObjectDef, Schema

ADMIN_USER_INDEX = 0
register_option(
    "data.number_rounding",
    "half_up",
    "Written double/currency/percent values: rounded half-up to the field's scale (`half_up`, "
    "issue #11.4) or stored as sent (`none`, what Salesforce KB 000387302 describes for API "
    "writes) [conflicting sources].",
    ["half_up", "none"],
)
register_option(
    "replication.log_hard_deletes",
    True,
    "Hard deletes (hardDelete, purge of a live row, objects that are not undeletable) enter the "
    "delete log like soft deletes [docs do not distinguish them].",
)
register_option(
    "replication.undelete_clears_log",
    True,
    "An undelete removes the row's delete-log entry [UNCONFIRMED].",
)


def _key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class WriteMixin:
    """Write operations; every write validates, applies record-error rules and stamps audit
    fields."""

    lock: threading.RLock
    clock: Clock
    schema: Schema
    options: Options

    if TYPE_CHECKING:

        def data(self, sobject: str) -> ObjectData: ...
        def object(self, sobject: str) -> ObjectDef: ...
        def check_rules(
            self, sobject: str, operation: str, values: dict[str, Any], record_id: str | None
        ) -> None: ...

    # -- lookups ---
    def exists(self, sobject: str, record_id: str) -> bool:
        obj = self.schema.get(sobject)
        return obj is not None and self.data(obj.name).index_of(record_id) is not None

    def require_index(self, data: ObjectData, record_id: str) -> int:
        label = data.obj.field("Id").label if data.obj.field("Id") else "Record ID"  # type: ignore[union-attr]
        if not is_well_formed(record_id) or record_id[:3] != data.obj.key_prefix:
            raise RecordError(
                "MALFORMED_ID", f"{label}: id value of incorrect type: {record_id}", ["Id"]
            )
        index = data.index_of(record_id)
        if index is None:
            raise RecordError("NOT_FOUND", "The requested resource does not exist", [])
        return index

    def unique_index(self, data: ObjectData, field: str) -> dict[Any, int]:
        """value (case-folded) -> row index for a unique/external-id field; built once, kept
        current."""
        cache: dict[str, dict[Any, int]] = data.__dict__.setdefault("_unique", {})
        index = cache.get(field)
        if index is None:
            fn = data.field_fn(field)
            index = {}
            for i in data.indices():
                value = fn(i)
                if value is not None:
                    index[_key(value)] = i
            cache[field] = index
        return index

    def _reindex(
        self, data: ObjectData, index: int, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        for field, mapping in data.__dict__.get("_unique", {}).items():
            if old.get(field) is not None and mapping.get(_key(old[field])) == index:
                del mapping[_key(old[field])]
            if new.get(field) is not None:
                mapping[_key(new[field])] = index

    def _check_unique(self, data: ObjectData, record: dict[str, Any], index: int | None) -> None:
        for fdef in data.obj.fields:
            if not (fdef.unique or fdef.external_id) or record.get(fdef.name) is None:
                continue
            other = self.unique_index(data, fdef.name).get(_key(record[fdef.name]))
            if other is not None and other != index:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {fdef.name} duplicates value on record with id: "
                    f"{data.make_id(other)}",
                    [fdef.name],
                )

    def _store(self, data: ObjectData, index: int, record: dict[str, Any]) -> None:
        old = data.overlay.get(index) or ({} if index >= data.count else data.materialize(index))
        self._reindex(data, index, old, record)
        data.put(index, record)

    # -- transactions (allOrNone) ---
    def snapshot_data(self) -> dict[str, Any]:
        """The changed-row state of every object, to roll a failed allOrNone request back."""
        snap: dict[str, Any] = {}
        for obj in self.schema:
            data = self.data(obj.name)
            snap[obj.name] = (
                dict(data.overlay),
                set(data.deleted),
                set(data.purged),
                list(data.inserted),
                data.next_index,
                dict(data.delete_log),
            )
        return snap

    def restore_data(self, snap: dict[str, Any]) -> None:
        for name, (overlay, deleted, purged, inserted, next_index, log) in snap.items():
            data = self.data(name)
            data.overlay.clear()
            data.overlay.update(overlay)
            data.deleted, data.purged = deleted, purged
            data.inserted, data.next_index = inserted, next_index
            data.delete_log.clear()
            data.delete_log.update(log)
            data.__dict__.pop("_unique", None)

    # -- writes ---
    def _round(self) -> bool:
        return bool(self.options["data.number_rounding"] == "half_up")

    def _now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)

    def _user_id(self) -> str:
        return make_id(self.object("User").key_prefix, ADMIN_USER_INDEX)

    def _defaults(self, data: ObjectData, index: int) -> dict[str, Any]:
        now, user = self._now(), self._user_id()
        record: dict[str, Any] = {}
        for fdef in data.obj.fields:
            if fdef.formula is not None or fdef.is_compound:
                continue
            record[fdef.name] = fdef.default_value
            if fdef.type == "picklist" and fdef.defaulted_on_create and fdef.picklist_values:
                record[fdef.name] = fdef.picklist_values[0]
            if fdef.auto_number:
                record[fdef.name] = f"{data.count + len(data.inserted) + 1:08d}"
        record["Id"] = data.make_id(index)
        for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
            if data.obj.field(name):
                record[name] = now
        for name in ("OwnerId", "CreatedById", "LastModifiedById"):
            if data.obj.field(name):
                record[name] = user
        if data.obj.field("IsDeleted"):
            record["IsDeleted"] = False
        return record

    def insert(self, sobject: str, values: dict[str, Any]) -> str:
        """Create a record; returns its new 18-char Id. Raises RecordError."""
        with self.lock:
            data = self.data(sobject)
            if not data.obj.createable:  # wording as quoted from REST in public notes
                raise RecordError(
                    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                    f"entity type cannot be inserted: {data.obj.label}",
                    [],
                )
            typed = writable_values(data.obj, values, True, self.exists, self._round())
            self.check_rules(data.obj.name, "insert", values, None)
            index = data.allocate_index()
            record = self._defaults(data, index)
            record.update(typed)
            missing_required(data.obj, record)
            self._check_unique(data, record, None)
            self._store(data, index, record)
            return str(record["Id"])

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        with self.lock:
            data = self.data(sobject)
            index = self.require_index(data, record_id)
            if index in data.deleted:
                raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
            typed = writable_values(data.obj, values, False, self.exists, self._round())
            self.check_rules(data.obj.name, "update", values, data.make_id(index))
            record = data.materialize(index)
            record.update(typed)
            for fdef in data.obj.fields:
                if (
                    fdef.name in typed
                    and not fdef.nillable
                    and typed[fdef.name] is None
                    and fdef.createable
                ):
                    raise RecordError(
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{fdef.name}]",
                        [fdef.name],
                    )
            self._check_unique(data, record, index)
            self._touch(data, record)
            self._store(data, index, record)

    def _touch(self, data: ObjectData, record: dict[str, Any]) -> None:
        now = self._now()
        record["SystemModstamp"] = now
        if data.obj.field("LastModifiedDate"):
            record["LastModifiedDate"] = now
            record["LastModifiedById"] = self._user_id()

    def upsert(self, sobject: str, ext_field: str, values: dict[str, Any]) -> tuple[str, bool]:
        """Update the record whose `ext_field` equals the value in `values`, or insert one."""
        with self.lock:
            data = self.data(sobject)
            fdef = data.obj.field(ext_field)
            if fdef is None or not (fdef.external_id or fdef.id_lookup):
                raise RecordError(
                    "INVALID_FIELD",
                    f"Field {ext_field} is not a valid external id field",
                    [ext_field],
                )
            key = next((v for k, v in values.items() if k.lower() == fdef.name.lower()), None)
            if fdef.name == "Id":
                rest = {k: v for k, v in values.items() if k.lower() != "id"}
                if key in (None, ""):
                    return self.insert(sobject, rest), True
                self.update(sobject, str(key), rest)
                return to_18(str(key)), False
            if key in (None, ""):
                raise RecordError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{fdef.name}]",
                    [fdef.name],
                )
            match = self.unique_index(data, fdef.name).get(_key(str(key)))
            if match is None:
                return self.insert(sobject, values), True
            self.update(sobject, data.make_id(match), values)
            return data.make_id(match), False

    def delete(self, sobject: str, record_id: str, hard: bool = False) -> None:
        """Soft delete (to the recycle bin: IsDeleted=true, seen by queryAll) or hard delete.
        Objects that are not undeletable (`hard_delete_only`, e.g. CampaignMember) always delete
        hard. Both kinds are written to the delete log that GET .../deleted reads."""
        with self.lock:
            data = self.data(sobject)
            if not data.obj.deletable:
                raise RecordError(
                    "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", []
                )
            index = self.require_index(data, record_id)
            if index in data.deleted and not hard:
                raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
            self.check_rules(data.obj.name, "delete", {}, data.make_id(index))
            if hard or data.obj.hard_delete_only:
                self.purge(sobject, record_id)
                return
            record = data.materialize(index)
            record["IsDeleted"] = True
            self._touch(data, record)
            self._store(data, index, record)
            data.mark_deleted(index, True)
            data.log_delete(index, record["SystemModstamp"])

    def undelete(self, sobject: str, record_id: str) -> None:
        with self.lock:
            data = self.data(sobject)
            index = self.require_index(data, record_id)
            if index not in data.deleted:
                raise RecordError("UNDELETE_FAILED", "Entity is not in the recycle bin", [])
            record = data.materialize(index)
            record["IsDeleted"] = False
            self._touch(data, record)
            self._store(data, index, record)
            data.mark_deleted(index, False)
            if self.options["replication.undelete_clears_log"]:
                data.delete_log.pop(index, None)

    def purge(self, sobject: str, record_id: str) -> None:
        """Hard delete / empty from recycle bin: the row disappears even from queryAll. A row
        that was not soft-deleted before is a hard delete: it enters the delete log now."""
        with self.lock:
            data = self.data(sobject)
            index = self.require_index(data, record_id)
            old = data.overlay.get(index) or data.materialize(index)
            self._reindex(data, index, old, {})
            if index not in data.deleted and self.options["replication.log_hard_deletes"]:
                data.log_delete(index, self._now())
            data.purge(index)

    def index_from_id(self, sobject: str, record_id: str) -> int | None:
        return parse_id(self.object(sobject).key_prefix, record_id)
