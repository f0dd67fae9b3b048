"""Transfer of a subject to another force (issue 14, item 7).

The owner offers, the receiving force accepts. Accepting copies the subject, its profile, orders
and their terms, protected persons and plan versions into the receiving force's schema under the
same UUIDs, in one short transaction; the owner's record is then closed and read-only, naming to
whom and when (``Subject.transferred_to`` / ``transferred_at``; ``receivers.refuse_transferred``
refuses every later edit with the code ``transferred``). Registry keys follow the subject. The
owner's log gets a disclose event, the receiver's a collect event; audit rows never move.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from audit.services import AuditAction, RecordType, record_event
from core.forms import coded
from core.roles import Perm
from core.tenancy import permissions_in
from orders.models import OrderTerm, ProtectedPerson, ProtectiveOrder
from plans.models import (
    Plan,
    PlanDisclosure,
    PlanInvestigation,
    PlanTacticalOption,
    PlanVersion,
    PlanVictimRisk,
)
from subjects.models import (
    Subject,
    SubjectAddress,
    SubjectAlias,
    SubjectDevice,
    SubjectPhoto,
    SubjectSocialAccount,
    SubjectVehicle,
)
from tenants.models import Force

from .choices import SharingError, TransferStatus
from .errors import NotFound, SharingRefused
from .models import RegistryKey, Transfer

#: What moves, parents first, each with the filter that finds the subject's rows.
COPIED: list[tuple[type[models.Model], str]] = [
    (Subject, "pk"),
    (SubjectAlias, "subject_id"),
    (SubjectAddress, "subject_id"),
    (SubjectDevice, "subject_id"),
    (SubjectSocialAccount, "subject_id"),
    (SubjectVehicle, "subject_id"),
    (SubjectPhoto, "subject_id"),
    (ProtectiveOrder, "subject_id"),
    (OrderTerm, "order__subject_id"),
    (ProtectedPerson, "subject_id"),
    (Plan, "subject_id"),
    (PlanVersion, "plan__subject_id"),
    (PlanInvestigation, "version__plan__subject_id"),
    (PlanTacticalOption, "version__plan__subject_id"),
    (PlanVictimRisk, "version__plan__subject_id"),
    (PlanDisclosure, "version__plan__subject_id"),
]


def _is_public(model: type[models.Model]) -> bool:
    """Rows of public apps (users, statute) are the same for every force: references to them stay."""
    return model._meta.app_label not in settings.TENANT_APPS


# -- offers ----------------------------------------------------------------------------------------
def _other_force(value: Any) -> Force | None:
    try:
        key = uuid_module.UUID(str(value))
    except ValueError:
        return None
    return Force.objects.exclude(schema_name="public").filter(uuid=key).first()


def _may_decide(actor: Any, force: Force) -> None:
    if Perm.DECIDE_SHARING not in permissions_in(actor, force):
        raise SharingRefused(SharingError.PERMISSION_DENIED)


@transaction.atomic
def offer_transfer(
    *, actor: Any, force: Force, subject: Subject, to_force_uuid: Any, justification: str
) -> Transfer:
    """``force`` offers its ``subject`` to the force ``to_force_uuid`` (a disclosure officer)."""
    _may_decide(actor, force)
    errors: dict[str, list[ValidationError]] = {}
    to = _other_force(to_force_uuid)
    if to is None:
        errors["to_force"] = [coded("Choose a force to transfer to.", SharingError.UNKNOWN_FORCE)]
    elif to.pk == force.pk:
        errors["to_force"] = [coded("The subject is already your force's.", SharingError.OWN_FORCE)]
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    if subject.transferred_at is not None:
        errors["subject"] = [
            coded(f"The record was transferred to {subject.transferred_to}.", SharingError.SUBJECT_CLOSED)
        ]
    elif Transfer.objects.filter(
        from_force_uuid=force.uuid, subject_uuid=subject.uuid, status=TransferStatus.PENDING
    ).exists():
        errors["subject"] = [
            coded("Another transfer of this subject is waiting for an answer.", SharingError.PENDING_OFFER)
        ]
    if not (justification or "").strip():
        errors["justification"] = [coded("Say why the subject moves.", SharingError.JUSTIFICATION_REQUIRED)]
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    assert to is not None
    offer = Transfer.objects.create(
        from_force_uuid=force.uuid,
        to_force_uuid=to.uuid,
        subject_uuid=subject.uuid,
        justification=justification.strip(),
        offered_by=actor,
    )
    record_event(
        action=AuditAction.CONSULT,
        object_type=RecordType.SUBJECT,
        object_ids=[subject.uuid, offer.uuid],
        justification=f"Offered the subject to {to.name}: {offer.justification}",
        recipient=to.slug,
        actor=actor,
    )
    return offer


def incoming(force: Force) -> list[Transfer]:
    """Offers waiting for ``force``'s answer, oldest first (UUIDs and reasons only: no personal data)."""
    return list(
        Transfer.objects.filter(to_force_uuid=force.uuid, status=TransferStatus.PENDING)
        .select_related("offered_by")
        .order_by("offered_at", "id")
    )


def offered(force: Force) -> list[Transfer]:
    return list(Transfer.objects.filter(from_force_uuid=force.uuid).order_by("-offered_at")[:200])


def _offer_to(*, actor: Any, force: Force, transfer_uuid: Any) -> Transfer:
    _may_decide(actor, force)
    try:
        key = uuid_module.UUID(str(transfer_uuid))
    except ValueError:
        raise NotFound() from None
    offer = Transfer.objects.select_for_update().filter(uuid=key, to_force_uuid=force.uuid).first()
    if offer is None:
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.SUBJECT,
            object_ids=[key],
            justification="Answer to a transfer not offered to this force",
            actor=actor,
        )
        raise NotFound()
    if offer.status != TransferStatus.PENDING:
        raise ValidationError(
            {"status": [coded("This offer has already been answered.", SharingError.ALREADY_DECIDED)]}
        )
    return offer


@transaction.atomic
def decline_transfer(*, actor: Any, force: Force, transfer_uuid: Any, reasons: str) -> Transfer:
    offer = _offer_to(actor=actor, force=force, transfer_uuid=transfer_uuid)
    if not (reasons or "").strip():
        raise ValidationError(
            {"reasons": [coded("Say why you decline.", SharingError.JUSTIFICATION_REQUIRED)]}
        )
    offer.status = TransferStatus.DECLINED
    offer.decided_by = actor
    offer.decided_at = timezone.now()
    offer.reasons = reasons.strip()
    offer.save(update_fields=["status", "decided_by", "decided_at", "reasons"])
    return offer


# -- the move --------------------------------------------------------------------------------------
def _read(
    subject_pk: int,
) -> list[tuple[type[models.Model], list[models.Model], dict[str, list[tuple[int, int]]]]]:
    """Every row that moves, in ``COPIED`` order, with each model's many-to-many pairs."""
    out = []
    for model, path in COPIED:
        rows = list(model._base_manager.filter(**{path: subject_pk}).order_by("pk"))
        m2m: dict[str, list[tuple[int, int]]] = {}
        for field in model._meta.many_to_many:
            through = field.remote_field.through  # type: ignore[attr-defined]
            src, dst = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[attr-defined]
            m2m[field.name] = list(
                through._base_manager.filter(  # type: ignore[union-attr]
                    **{f"{src}__in": [r.pk for r in rows]}
                ).values_list(f"{src}_id", f"{dst}_id")
            )
        out.append((model, rows, m2m))
    return out


def _copy(rows_by_model: list[Any]) -> None:
    """Write the rows read by ``_read`` in the current schema: same UUIDs, new ids, references
    within the moved rows mapped, references to the old force's own tables (areas, teams) cleared."""
    new_pk: dict[tuple[type[models.Model], int], int] = {}
    for model, rows, m2m in rows_by_model:
        fresh: list[models.Model] = []
        later: list[tuple[int, str, int]] = []  # (index, attname, old pk) for references to self
        for index, row in enumerate(rows):
            values: dict[str, Any] = {}
            for field in model._meta.concrete_fields:
                if field.primary_key:
                    continue
                value = getattr(row, field.attname)
                if field.is_relation and value is not None:
                    target = field.related_model
                    if target is model:
                        later.append((index, field.attname, value))
                        value = None
                    elif (target, value) in new_pk:
                        value = new_pk[(target, value)]
                    elif not _is_public(target):  # type: ignore[arg-type]
                        value = None
                values[field.attname] = value
            fresh.append(model(**values))
        model._base_manager.bulk_create(fresh)
        for row, made in zip(rows, fresh, strict=True):
            new_pk[(model, row.pk)] = made.pk
        for index, attname, old in later:
            model._base_manager.filter(pk=fresh[index].pk).update(**{attname: new_pk.get((model, old))})
        for name, pairs in m2m.items():
            field = model._meta.get_field(name)
            through = field.remote_field.through  # type: ignore[union-attr]
            src, dst = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
            target = field.related_model
            links = []
            for a, b in pairs:
                b_new = b if _is_public(target) else new_pk.get((target, b))  # type: ignore[arg-type]
                if b_new is not None:
                    links.append(through(**{f"{src}_id": new_pk[(model, a)], f"{dst}_id": b_new}))
            through._base_manager.bulk_create(links)


@transaction.atomic
def accept_transfer(*, actor: Any, force: Force, transfer_uuid: Any) -> Transfer:
    """The receiving force accepts: the record moves in this one transaction, or nothing does."""
    offer = _offer_to(actor=actor, force=force, transfer_uuid=transfer_uuid)
    owner = Force.objects.get(uuid=offer.from_force_uuid)
    with schema_context(owner.schema_name):
        subject = Subject.objects.select_for_update().filter(uuid=offer.subject_uuid).first()
        if subject is None or subject.transferred_at is not None:
            raise ValidationError(
                {
                    "subject": [
                        coded("The record is no longer the offering force's.", SharingError.SUBJECT_CLOSED)
                    ]
                }
            )
        rows = _read(subject.pk)
    with schema_context(force.schema_name):
        clash = Subject.objects.filter(uuid=subject.uuid).exists() or (
            subject.pnc_search != "" and Subject.objects.filter(pnc_search=subject.pnc_search).exists()
        )
        if clash:
            raise ValidationError(
                {
                    "subject": [
                        coded(
                            "Your force already manages this person (same PNC id).",
                            SharingError.ALREADY_MANAGED,
                        )
                    ]
                }
            )
    now = timezone.now()
    with tenant_context(force):
        _copy(rows)
        record_event(
            action=AuditAction.COLLECT,
            object_type=RecordType.SUBJECT,
            object_ids=[subject.uuid, offer.uuid],
            justification=f"Transferred from {owner.name}: {offer.justification}",
            recipient=owner.slug,
            actor=actor,
        )
    with tenant_context(owner):
        Subject._base_manager.filter(pk=subject.pk).update(transferred_to=force.name, transferred_at=now)
        if Plan._base_manager.filter(subject_id=subject.pk, closed_at__isnull=True).exists():
            Plan._base_manager.filter(subject_id=subject.pk).update(closed_at=now)
        record_event(
            action=AuditAction.DISCLOSE,
            object_type=RecordType.SUBJECT,
            object_ids=[subject.uuid, offer.uuid],
            justification=f"Transferred to {force.name}: {offer.justification}",
            recipient=force.slug,
            actor=actor,
            actor_force=force.slug,
        )
    RegistryKey.objects.filter(force_uuid=owner.uuid, subject_uuid=subject.uuid).update(force_uuid=force.uuid)
    offer.status = TransferStatus.ACCEPTED
    offer.decided_by = actor
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_by", "decided_at"])
    return offer
