"""The one audit service: every audit event is written here and nowhere else."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from core import request_context
from core.tenancy import force_slug

from .choices import AuditAction, RecordType
from .models import AuditEvent

__all__ = [
    "AUDIT_EVENT_OBJECT_TYPE",
    "AuditAction",
    "AuditedChange",
    "RecordType",
    "audited_change",
    "method_of",
    "record_by_type",
    "record_change",
    "record_changes",
    "record_event",
    "record_log_consulted",
    "route_of",
]

# The object type naming the log's own events when the log is read.
AUDIT_EVENT_OBJECT_TYPE = RecordType.AUDIT_EVENT


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_uuid": None, "actor_name": ""}
    name = getattr(actor, "full_name", "") or ""
    label = f"{name} <{actor.email}>" if name else actor.email
    return {"actor_id": actor.pk, "actor_uuid": actor.uuid, "actor_name": label[:254]}


def record_event(
    *,
    action: AuditAction,
    object_type: RecordType | None = None,
    object_ids: Iterable[uuid.UUID | str] = (),
    justification: str = "",
    recipient: str = "",
    changed_fields: Iterable[str] = (),
    changes: Mapping[str, Any] | None = None,
    actor: Any = None,
    actor_force: str | None = None,
) -> AuditEvent:
    """Append one event to the log of the schema currently active (force or public).

    Who and where come from the request context unless ``actor`` is given (jobs, commands);
    ``actor_force`` names the actor's force when the event is written in another force's log
    (cross-force sharing: the owner's log names the reader's force).
    """
    event = _event(
        action=action,
        object_type=object_type,
        object_ids=object_ids,
        justification=justification,
        recipient=recipient,
        changed_fields=changed_fields,
        changes=changes,
        actor=actor,
    )
    if actor_force is not None:
        event.actor_force = actor_force
    event.save(force_insert=True)
    return event


def _event(
    *,
    action: AuditAction,
    object_type: RecordType | None = None,
    object_ids: Iterable[uuid.UUID | str] = (),
    justification: str = "",
    recipient: str = "",
    changed_fields: Iterable[str] = (),
    changes: Mapping[str, Any] | None = None,
    actor: Any = None,
) -> AuditEvent:
    """One event, not yet written (``record_event`` writes one, ``record_changes`` many at once)."""
    ctx = request_context.current()
    if actor is None and ctx is not None:
        actor = ctx.user
    return AuditEvent(
        action=str(action),
        object_type=str(object_type or ""),
        object_ids=[uuid.UUID(str(i)) for i in object_ids],
        justification=justification,
        recipient=recipient,
        changed_fields=list(changed_fields),
        changes=dict(changes or {}),
        request_id=ctx.request_id if ctx else None,
        client_address=ctx.client_address if ctx else None,
        actor_force=force_slug(),
        **_actor_fields(actor),
    )


def record_by_type(
    *, action: AuditAction, records: Iterable[Any], justification: str, actor: Any = None
) -> None:
    """One event per record type naming every record of that type (e.g. a page showing orders and
    their terms, or an erasure cascading to them)."""
    by_type: dict[RecordType, list[Any]] = {}
    for record in records:
        by_type.setdefault(RecordType.for_model(record), []).append(record.uuid)
    for object_type, ids in by_type.items():
        record_event(
            action=action, object_type=object_type, object_ids=ids, justification=justification, actor=actor
        )


def record_change(
    *,
    action: AuditAction,
    instance: Any,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    restricted: Iterable[str] = (),
    justification: str = "",
    actor: Any = None,
) -> AuditEvent:
    """Log a collection or alteration of ``instance``, naming changed fields.

    Values are kept only for fields not in ``restricted`` (victim details, names, identifiers):
    the log must not itself become a copy of the case file.
    """
    event = _change_event(
        action=action,
        instance=instance,
        before=before,
        after=after,
        restricted=restricted,
        justification=justification,
        actor=actor,
    )
    event.save(force_insert=True)
    return event


def _change_event(
    *,
    action: AuditAction,
    instance: Any,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    restricted: Iterable[str],
    justification: str,
    actor: Any,
) -> AuditEvent:
    restricted = set(restricted)
    before = dict(before or {})
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    values = {
        k: {"before": _jsonable(before.get(k)), "after": _jsonable(after.get(k))}
        for k in changed
        if k not in restricted
    }
    return _event(
        action=action,
        object_type=RecordType.for_model(instance),
        object_ids=[instance.uuid],
        changed_fields=changed,
        changes=values,
        justification=justification,
        actor=actor,
    )


#: Rows per INSERT when many events are written at once (an import of thousands of records).
BULK_BATCH = 1000


def record_changes(
    *,
    action: AuditAction,
    changes: Iterable[tuple[Any, Mapping[str, Any] | None, Mapping[str, Any]]],
    restricted: Iterable[str] = (),
    justification: str = "",
    actor: Any = None,
) -> list[AuditEvent]:
    """``record_change`` for many records at once: one event per record, written in a few INSERTs.

    ``changes`` holds ``(instance, before, after)`` per record; each event is exactly the one
    ``record_change`` would write (changed field names, values only outside ``restricted``). For a
    bulk path (a caseload import) that must stay one event per record without one INSERT each. The
    events get their ids as they are inserted, inside the caller's transaction: the sealer
    (``audit.sealing``) waits for that transaction to end before sealing past them.
    """
    restricted = tuple(restricted)
    events = [
        _change_event(
            action=action,
            instance=instance,
            before=before,
            after=after,
            restricted=restricted,
            justification=justification,
            actor=actor,
        )
        for instance, before, after in changes
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=BULK_BATCH)


@dataclass
class AuditedChange:
    """What the body of ``audited_change`` may adjust: the instance (if it was re-read), the
    justification; and, after the block, the event written (None when nothing changed)."""

    instance: Any
    justification: str = ""
    event: AuditEvent | None = field(default=None, init=False)


@contextmanager
def audited_change(
    instance: Any,
    snapshot: Callable[[Any], Mapping[str, Any]],
    *,
    action: AuditAction = AuditAction.ALTER,
    restricted: Iterable[str] = (),
    justification: str = "",
    actor: Any = None,
    in_force: Any = None,
    always: bool = False,
) -> Iterator[AuditedChange]:
    """Snapshot, change, compare, record: the one way a service logs an alteration.

    ::

        with audited_change(subject, snapshot_subject, actor=actor, restricted=NAMES) as change:
            subject.family_name = "NEW"
            subject.save()

    ``snapshot(instance)`` is taken before and after the block; if they differ (or ``always``), one
    ``record_change`` event names the changed fields (values kept only outside ``restricted``). An
    exception in the block records nothing. ``in_force`` writes the event in that force's log
    (for services that change public rows on a force's behalf, e.g. memberships).
    """
    before = dict(snapshot(instance))
    change = AuditedChange(instance=instance, justification=justification)
    yield change
    after = dict(snapshot(change.instance))
    if after == before and not always:
        return
    from django_tenants.utils import tenant_context

    with tenant_context(in_force) if in_force is not None else nullcontext():
        change.event = record_change(
            action=action,
            instance=change.instance,
            before=before,
            after=after,
            restricted=restricted,
            justification=change.justification,
            actor=actor,
        )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def record_log_consulted(
    *,
    description: str,
    shown: Iterable[uuid.UUID | str] = (),
    export: bool = False,
    channel: str = "web",
    actor: Any = None,
) -> AuditEvent:
    """Reading the log is itself logged: one CONSULT event per search page or export.

    A search page names the events it showed; an export names its filter only (it may cover far
    more rows than one event should list, and the filter reproduces them).
    """
    what = "Exported the access log (CSV)" if export else "Searched the access log"
    return record_event(
        action=AuditAction.CONSULT,
        object_type=AUDIT_EVENT_OBJECT_TYPE,
        object_ids=shown,
        justification=f"{what} ({channel}): {description}"[:2000],
        actor=actor,
    )


def route_of(request: Any) -> tuple[str, list[uuid.UUID]]:
    """The route's name and the UUIDs among its arguments: what the log may say of a request.

    Never the path or the query string: a mistyped or hostile URL can hold a person's name, and
    the log is append-only for good.
    """
    from django.urls import Resolver404, resolve

    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            return "unresolved", []
    ids: list[uuid.UUID] = []
    for value in match.kwargs.values():
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return match.view_name or "unnamed", ids


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def method_of(request: Any) -> str:
    """The request's method as the log may say it: a client can send any token as a method."""
    method = str(getattr(request, "method", "") or "").upper()
    return method if method in _METHODS else "OTHER"


def on_access_refused(
    sender: Any, *, request: Any, user: Any, permission: str, object_type: str = "", **kwargs: Any
) -> None:
    """Receiver of ``core.signals.access_refused``: one PERMISSION_DENIED event naming the route."""
    route, ids = route_of(request)
    record_event(
        action=AuditAction.PERMISSION_DENIED,
        object_type=RecordType.named(object_type) if object_type else None,
        object_ids=ids,
        justification=f"{method_of(request)} {route} needs the '{permission}' permission",
        actor=user,
    )


def on_records_viewed(
    sender: Any, *, user: Any, records: Iterable[Any], justification: str, **kwargs: Any
) -> None:
    """Receiver of ``core.signals.records_viewed``: one consult per record type naming every record."""
    record_by_type(action=AuditAction.CONSULT, records=records, justification=justification, actor=user)
