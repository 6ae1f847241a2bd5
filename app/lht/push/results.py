"""Per-row push outcomes: Bulk result CSV rows and Collections answers → :class:`ResultRow`.

Rows Salesforce rejected are data, not exceptions. Bulk result files echo the uploaded columns
(``sf__Id``/``sf__Created`` or ``sf__Id``/``sf__Error`` first, spec §4.5) in no guaranteed
order, so each result is keyed by the echoed match column (``Id``, the external-ID field, or
the insert ``key_column``); without one the source key is NULL. Rows that failed with
``UNABLE_TO_LOCK_ROW`` are retried once, rebuilt from their echoed columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lht.push.render import csv_line

__all__ = [
    "LOCK_ERROR",
    "ResultRow",
    "collection_results",
    "failed_rows",
    "is_lock_error",
    "retry_line",
    "successful_rows",
    "unprocessed_rows",
]

LOCK_ERROR = "UNABLE_TO_LOCK_ROW"
SUCCEEDED, FAILED, UNPROCESSED = "succeeded", "failed", "unprocessed"


@dataclass(frozen=True)
class ResultRow:
    """One source row's outcome. ``outcome`` is succeeded, failed or unprocessed."""

    source_key: str | None
    salesforce_id: str | None
    created: bool | None
    outcome: str
    error: str | None
    job_id: str | None

    @property
    def success(self) -> bool:
        return self.outcome == SUCCEEDED


def is_lock_error(error: str | None) -> bool:
    return bool(error) and str(error).startswith(LOCK_ERROR)


def _lookup(row: Mapping[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    if name in row:
        value = row[name]
    else:
        lowered = name.lower()
        value = next((v for k, v in row.items() if str(k).lower() == lowered), None)
    return None if value in (None, "") else str(value)


def successful_rows(
    rows: Iterable[Mapping[str, Any]], match_field: str | None, job_id: str
) -> Iterator[ResultRow]:
    for row in rows:
        created = str(row.get("sf__Created", "")).lower() == "true"
        yield ResultRow(
            source_key=_lookup(row, match_field) or _id_key(row, match_field),
            salesforce_id=_lookup(row, "sf__Id"),
            created=created,
            outcome=SUCCEEDED,
            error=None,
            job_id=job_id,
        )


def failed_rows(
    rows: Iterable[Mapping[str, Any]], match_field: str | None, job_id: str
) -> Iterator[ResultRow]:
    for row in rows:
        yield ResultRow(
            source_key=_lookup(row, match_field),
            salesforce_id=_lookup(row, "sf__Id"),
            created=None,
            outcome=FAILED,
            error=str(row.get("sf__Error") or "unknown error"),
            job_id=job_id,
        )


def unprocessed_rows(
    rows: Iterable[Mapping[str, Any]], match_field: str | None, job_id: str, reason: str
) -> Iterator[ResultRow]:
    for row in rows:
        yield ResultRow(
            source_key=_lookup(row, match_field),
            salesforce_id=None,
            created=None,
            outcome=UNPROCESSED,
            error=reason,
            job_id=job_id,
        )


def _id_key(row: Mapping[str, Any], match_field: str | None) -> str | None:
    # Deletes and updates key on Id; Salesforce echoes it, but sf__Id is the authority.
    return _lookup(row, "sf__Id") if match_field == "Id" else None


def retry_line(row: Mapping[str, Any], header: Sequence[str]) -> bytes:
    """Rebuild the uploaded CSV line of a failed result row from its echoed columns."""
    return csv_line([_lookup(row, name) or "" for name in header])


def collection_results(
    answers: Sequence[Any], keys: Sequence[str | None], operation: str
) -> list[ResultRow]:
    """Pair sObject Collections results (request order, spec §2.9) with source keys.

    ``answers`` are :class:`lht.salesforce.rest.RecordResult`-like objects (``id``,
    ``success``, ``created``, ``errors`` with ``status_code``/``message``/``fields``)."""
    out: list[ResultRow] = []
    for answer, key in zip(answers, keys, strict=True):
        ok = bool(answer.success)
        created = answer.created
        if created is None and ok:
            created = operation == "insert"
        out.append(
            ResultRow(
                source_key=key,
                salesforce_id=answer.id or None,
                created=bool(created) if ok else None,
                outcome=SUCCEEDED if ok else FAILED,
                error=None if ok else format_errors(answer.errors or ()),
                job_id=None,
            )
        )
    return out


def format_errors(errors: Iterable[Any]) -> str:
    """Collections errors in Bulk's ``sf__Error`` shape: ``CODE:message:fields --``."""
    parts = []
    for err in errors:
        fields = ",".join(str(f) for f in err.fields or ())
        parts.append(f"{err.status_code or 'UNKNOWN'}:{err.message}:{fields} --")
    return " ".join(parts) or "UNKNOWN:no error detail returned --"
