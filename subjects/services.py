"""Case-work services: the only code that changes subjects; every change and read is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from audit.choices import RecordType
from audit.services import AuditAction, audited_change, record_change, record_event
from core.forms import coded, field_error, field_errors
from core.normalise import name_key
from core.signals import subject_erasing

from .errors import SubjectError
from .models import Subject, SubjectAlias

# Nobody managed under an order was born before this; an earlier year is a typing error.
EARLIEST_DATE_OF_BIRTH = dt.date(1900, 1, 1)
SUBJECT_FIELDS = ("family_name", "given_names", "date_of_birth", "pnc_id", "niche_nominal_ref")


def _snapshot(subject: Subject) -> dict[str, Any]:
    data = {f: getattr(subject, f) for f in SUBJECT_FIELDS}
    data["aliases"] = sorted(a.name for a in subject.aliases.all()) if subject.pk else []
    return data


def _validate(subject: Subject) -> None:
    """Field-level validation, including 'PNC id already used by another subject of this force'."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        subject.full_clean(exclude=["name_search", "pnc_search"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if subject.date_of_birth and subject.date_of_birth > timezone.localdate():
        errors.setdefault("date_of_birth", []).append(
            coded("The date of birth must be in the past.", SubjectError.FUTURE_DATE_OF_BIRTH)
        )
    elif subject.date_of_birth and subject.date_of_birth < EARLIEST_DATE_OF_BIRTH:
        errors.setdefault("date_of_birth", []).append(
            coded(
                f"The date of birth must be after {EARLIEST_DATE_OF_BIRTH:%-d %B %Y}; check the year.",
                SubjectError.IMPLAUSIBLE_DATE_OF_BIRTH,
            )
        )
    if subject.pnc_id and "pnc_id" not in errors:
        from core.normalise import pnc_key

        clash = Subject.objects.filter(pnc_search=pnc_key(subject.pnc_id)).exclude(pk=subject.pk)
        if clash.exists():
            errors["pnc_id"] = [
                coded("Another subject of this force already has this PNC id.", SubjectError.DUPLICATE_PNC_ID)
            ]
    if errors:
        raise ValidationError(errors)


class PossibleDuplicate(Exception):
    """A new subject matches one held by name (or alias) and date of birth; ``matches`` names them.

    Callers show the matches and record the subject only when the user confirms it is someone
    else (``confirm_new=True``); showing the matches is a read of them, logged by the caller.
    """

    def __init__(self, matches: list[Subject]) -> None:
        super().__init__("A subject with this name (or alias) and date of birth is already recorded.")
        self.matches = matches


def possible_duplicates(
    *, given_names: str, family_name: str, date_of_birth: dt.date | None, aliases: Iterable[str] = ()
) -> list[Subject]:
    """Subjects of this force born that day whose name or an alias is the new name or an alias."""
    if date_of_birth is None:
        return []
    keys = {name_key(given_names, family_name), *(name_key(a) for a in aliases)} - {""}
    if not keys:
        return []
    return list(
        Subject.objects.filter(date_of_birth=date_of_birth)
        .filter(models.Q(name_search__in=keys) | models.Q(aliases__name_search__in=keys))
        .distinct()
        .prefetch_related("aliases")
        .order_by("family_name", "given_names", "id")
    )


def _clean_aliases(aliases: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in aliases:
        name = (raw or "").strip()
        if not name:
            continue
        if len(name) > 250:
            raise field_error(
                "aliases", "Each alias must be 250 characters or fewer.", SubjectError.ALIAS_TOO_LONG
            )
        if name not in out:
            out.append(name)
    return out


@transaction.atomic
def create_subject(
    *,
    actor: Any,
    family_name: str,
    given_names: str,
    date_of_birth: dt.date | None = None,
    pnc_id: str = "",
    niche_nominal_ref: str = "",
    aliases: Sequence[str] = (),
    confirm_new: bool = False,
) -> Subject:
    """Record a new subject in the current force (a collection of personal data).

    Raises ``PossibleDuplicate`` if the subject may already be held, unless ``confirm_new``.
    """
    subject = Subject(
        family_name=(family_name or "").strip(),
        given_names=(given_names or "").strip(),
        date_of_birth=date_of_birth,
        pnc_id=(pnc_id or "").strip().upper(),
        niche_nominal_ref=(niche_nominal_ref or "").strip(),
    )
    alias_names = _clean_aliases(aliases)
    _validate(subject)
    if not confirm_new:
        matches = possible_duplicates(
            given_names=subject.given_names,
            family_name=subject.family_name,
            date_of_birth=subject.date_of_birth,
            aliases=alias_names,
        )
        if matches:
            raise PossibleDuplicate(matches)
    subject.save()
    SubjectAlias.objects.bulk_create(
        [SubjectAlias(subject=subject, name=n, name_search=_alias_key(n)) for n in alias_names]
    )
    record_change(
        action=AuditAction.COLLECT,
        instance=subject,
        before=None,
        after=_snapshot(subject),
        restricted=(*Subject.RESTRICTED_FIELDS, "aliases"),
        actor=actor,
    )
    return subject


def _alias_key(name: str) -> str:
    from core.normalise import name_key

    return name_key(name)


@transaction.atomic
def update_subject(
    *, actor: Any, subject: Subject, aliases: Sequence[str] | None = None, **changes: Any
) -> Subject:
    """Change a subject's identity fields and (optionally) replace the aliases."""
    unknown = set(changes) - set(SUBJECT_FIELDS)
    if unknown:
        raise field_errors(
            {
                k: [("This field cannot be changed here.", SubjectError.NOT_CHANGEABLE)]
                for k in sorted(unknown)
            }
        )
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    with audited_change(subject, _snapshot, restricted=(*Subject.RESTRICTED_FIELDS, "aliases"), actor=actor):
        for field, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
                if field == "pnc_id":
                    value = value.upper()
            setattr(subject, field, value)
        _validate(subject)
        subject.save()
        if aliases is not None:
            names = _clean_aliases(aliases)
            subject.aliases.exclude(name__in=names).delete()
            existing = set(subject.aliases.values_list("name", flat=True))
            SubjectAlias.objects.bulk_create(
                [
                    SubjectAlias(subject=subject, name=n, name_search=_alias_key(n))
                    for n in names
                    if n not in existing
                ]
            )
    return subject


@transaction.atomic
def erase_subject(*, actor: Any, subject: Subject, reason: str) -> None:
    """Erase a subject's record; the erasure itself is logged (the log holds only the UUID)."""
    if not (reason or "").strip():
        raise field_error("reason", "Give the reason for erasing this record.", SubjectError.REASON_REQUIRED)
    uuid = subject.uuid
    # Apps above this one (orders) log the erasure of what goes with the subject.
    subject_erasing.send(sender=erase_subject, subject=subject, actor=actor, reason=reason.strip())
    subject.delete()
    record_event(
        action=AuditAction.ERASE,
        object_type=RecordType.SUBJECT,
        object_ids=[uuid],
        justification=reason.strip(),
        actor=actor,
    )


def record_case_file_opened(*, actor: Any, subject: Subject, reason: str) -> None:
    """A consultation of one subject's case file, with the officer's reason for access."""
    record_event(
        action=AuditAction.CONSULT,
        object_type=RecordType.SUBJECT,
        object_ids=[subject.uuid],
        justification=reason,
        actor=actor,
    )


def record_list_viewed(*, actor: Any, subjects: Iterable[Subject], what: str = "subject list") -> None:
    """One consult event naming every subject a list page or list response showed."""
    ids = [s.uuid for s in subjects]
    if ids:
        record_event(
            action=AuditAction.CONSULT,
            object_type=RecordType.SUBJECT,
            object_ids=ids,
            justification=what,
            actor=actor,
        )
