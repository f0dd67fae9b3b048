"""Reading the access log: one page of a search, and the rows of a CSV export (streamed)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db.models import QuerySet

from .choices import AuditAction
from .models import AuditEvent

PAGE_SIZE = 50
MAX_PAGE = 10_000

CSV_HEADER = [
    "event_id", "occurred_at_utc", "action", "actor_id", "actor_name", "actor_force", "object_type",
    "object_ids", "justification", "recipient", "request_id", "client_address", "changed_fields",
    "changes",
]  # fmt: skip
_ACTION_LABELS = dict(AuditAction.choices)


@dataclass(frozen=True)
class EventPage:
    """One page of events, newest first. No total count: counting a force's whole log on every
    page costs more than it tells; the auditor narrows the filter instead."""

    events: list[AuditEvent]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.events else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.events) - 1 if self.events else 0


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything unusable means the first page."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def newest_first(queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    return queryset.order_by("-occurred_at", "-id")


def event_page(queryset: QuerySet[AuditEvent], number: int, size: int = PAGE_SIZE) -> EventPage:
    """One query whatever the page size: fetch one row more than shown to know if there is a next."""
    start = (number - 1) * size
    rows = list(newest_first(queryset)[start : start + size + 1])
    return EventPage(events=rows[:size], number=number, has_next=len(rows) > size)


# --- CSV --------------------------------------------------------------------------------------
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """Text for one cell; a leading formula character is neutralised (spreadsheet injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def event_csv_row(event: AuditEvent) -> list[str]:
    return [
        _cell(event.uuid),
        _cell(event.occurred_at.astimezone(UTC).isoformat()),
        _cell(event.action),
        _cell(event.actor_uuid),
        _cell(event.actor_name),
        _cell(event.actor_force),
        _cell(event.object_type),
        _cell(" ".join(str(i) for i in event.object_ids)),
        _cell(event.justification),
        _cell(event.recipient),
        _cell(event.request_id),
        _cell(event.client_address),
        _cell(" ".join(event.changed_fields)),
        _cell(json.dumps(event.changes, sort_keys=True) if event.changes else ""),
    ]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(queryset: QuerySet[AuditEvent]) -> Iterator[str]:
    """The export, line by line, newest first; rows are fetched in chunks, never all at once."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    rows: Iterable[AuditEvent] = newest_first(queryset).iterator(chunk_size=2000)
    for event in rows:
        yield writer.writerow(event_csv_row(event))


def action_label(action: str) -> str:
    return str(_ACTION_LABELS.get(action, action))
