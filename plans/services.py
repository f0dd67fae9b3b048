"""Plan services: the only code that changes plans and their versions.

Every change goes through ``audit.services.audited_change`` (a new plan or version is a
collection); errors are coded field errors (``plans.errors.PlanError``), a state clash or stale
revision ``PlanConflict`` (409), approving one's own work ``OwnPlan`` (403, logged). Nothing is
half-saved: each service is one transaction.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from audit.services import (
    AuditAction,
    RecordType,
    audited_change,
    record_by_type,
    record_change,
    record_event,
)
from core.forms import coded, field_error, field_errors
from core.tenancy import active_force
from orders.models import OrderStatus, OrderTerm, ProtectedPerson, ProtectiveOrder
from organisation.practice import get_practice_settings
from subjects.models import Subject

from .choices import (
    SDASH_QUESTIONS,
    DisclosureDecision,
    DisclosureRoute,
    Pillar,
    PlanPart,
    PlanStatus,
    SdashAnswer,
    VersionStatus,
)
from .errors import OwnPlan, PlanConflict, PlanError
from .models import (
    Plan,
    PlanDisclosure,
    PlanInvestigation,
    PlanRow,
    PlanTacticalOption,
    PlanVersion,
    PlanVictimRisk,
)

#: The lists of rows of a version (each replaced whole on save): model and the word for errors.
ROW_LISTS: dict[str, tuple[type[Any], str]] = {
    "investigations": (PlanInvestigation, "Investigation"),
    "tactical_options": (PlanTacticalOption, "Tactical option"),
    "victim_risks": (PlanVictimRisk, "Risk to a protected person"),
    "disclosures": (PlanDisclosure, "Relationship"),
}
#: The fields each part's page and ``save_part`` take.
PART_FIELDS: dict[str, tuple[str, ...]] = {
    PlanPart.OFFENDING: ("offending_summary", "safeguarding_options"),
    PlanPart.MANAGEMENT: ("investigations", "management_strategies"),
    PlanPart.RISK: (
        "risk_level",
        "risk_rationale",
        "victim_risks",
        "risk_to_future_victims",
        "risk_factors",
        "protective_factors",
        "sdash_answers",
        "stalker_typology",
        "on_contact",
        "tactical_options",
    ),
    PlanPart.RELATIONSHIPS: ("disclosures",),
}
CONTENT_FIELDS: tuple[str, ...] = tuple(f for fields in PART_FIELDS.values() for f in fields)
PART_OF: dict[str, str] = {f: part for part, fields in PART_FIELDS.items() for f in fields}
MAX_ROWS = 50
#: The longest text one box of the plan takes (the page's boxes and the API alike).
MAX_TEXT = 20_000
#: Orders in these states have ended: a plan whose orders have all ended is ready to close.
ENDED_ORDER_STATES = frozenset(
    {OrderStatus.REFUSED, OrderStatus.DISCHARGED, OrderStatus.EXPIRED, OrderStatus.REPLACED}
)


# -- what a version says ---------------------------------------------------------------------------
def content(version: PlanVersion) -> dict[str, Any]:
    """The four parts as plain values (lists of rows as dicts), in part order: what compare, the
    audit snapshot, the JSON export and the next draft all read."""
    data: dict[str, Any] = {}
    for field in CONTENT_FIELDS:
        if field in ROW_LISTS:
            data[field] = [row.as_dict() for row in getattr(version, field).all()] if version.pk else []
        elif field == "sdash_answers":
            data[field] = list(version.sdash_answers or [])
        else:
            data[field] = getattr(version, field)
    return data


def version_snapshot(version: PlanVersion) -> dict[str, Any]:
    """What an alteration of a version compares: its content and its workflow fields."""
    data = content(version)
    data.update(
        status=version.status,
        revision=version.revision,
        approved_by=str(version.approved_by.uuid) if version.approved_by_id else None,  # type: ignore[union-attr]
        send_back_note=version.send_back_note,
    )
    return data


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    return {
        "status": plan.status,
        "next_review_due": plan.next_review_due,
        "subject": plan.subject.uuid,
    }


# -- reading -------------------------------------------------------------------------------------
def current_version(plan: Plan) -> PlanVersion | None:
    """The version in force (active), or None."""
    return plan.versions.filter(status=VersionStatus.ACTIVE).first()


def open_version(plan: Plan) -> PlanVersion | None:
    """The draft or submitted version being worked on, or None."""
    return plan.versions.filter(status__in=(VersionStatus.DRAFT, VersionStatus.SUBMITTED)).first()


def ready_to_close(plan: Plan) -> bool:
    """Every order of the subject has ended (and there was at least one), the plan still open."""
    if plan.status == PlanStatus.CLOSED:
        return False
    statuses = list(
        ProtectiveOrder.objects.filter(subject_id=plan.subject_id).values_list("status", flat=True)
    )
    return bool(statuses) and all(s in ENDED_ORDER_STATES for s in statuses)


#: What a reader who may not view a subject's protected persons sees of a risk to one of them.
WITHHELD = {"withheld": True}
WITHHELD_TEXT = "A risk to a protected person is recorded (only the subject's managing team can read it)."


def visible_protected_persons(actor: Any, subject_id: int | Iterable[int]) -> dict[int, ProtectedPerson]:
    """The subject's (or subjects') protected persons ``actor`` may view (the row rule of
    ``restrict``: the managing team, or ``VIEW_ANY_PROTECTED_PERSON``), by id, in one query.
    The system (no user) sees them all."""
    ids = [subject_id] if isinstance(subject_id, int) else list(subject_id)
    persons: QuerySet[ProtectedPerson] = ProtectedPerson.objects.all()
    if _is_user(actor):
        persons = ProtectedPerson.objects.restrict(actor, "view", force=active_force())
    return {p.pk: p for p in persons.filter(subject_id__in=ids).only("id", "uuid", "name", "relationship")}


def person_label(person: ProtectedPerson) -> str:
    relationship = person.get_relationship_display() if person.relationship else ""
    return f"{person.name} ({relationship.lower()})" if relationship else str(person.name)


def victim_risks_shown(
    version: PlanVersion, actor: Any, visible: dict[int, ProtectedPerson] | None = None
) -> list[dict[str, Any]]:
    """The version's risks to protected persons as ``actor`` may see them: the person's UUID, name
    and the risk for a person they may view; only ``{"withheld": True}`` for anyone else.
    ``visible`` is ``visible_protected_persons`` when the caller has it already."""
    rows = list(version.victim_risks.all()) if version.pk else []
    if not rows:
        return []
    if visible is None:
        visible = visible_protected_persons(actor, version.plan.subject_id)
    out: list[dict[str, Any]] = []
    for row in rows:
        person = visible.get(row.protected_person_id)
        if person is None:
            out.append(dict(WITHHELD))
        else:
            out.append({"protected_person": str(person.uuid), "name": person_label(person), "risk": row.risk})
    return out


def shown_content(version: PlanVersion, actor: Any) -> dict[str, Any]:
    """``content`` as ``actor`` may read it (pages, compare, API, exports)."""
    data = content(version)
    data["victim_risks"] = victim_risks_shown(version, actor)
    return data


def record_consulted(*, actor: Any, records: Iterable[Any], reason: str) -> None:
    """One consult event per record type naming every record shown, with the reason for access."""
    record_by_type(action=AuditAction.CONSULT, records=records, justification=reason, actor=actor)


# -- starting a draft -----------------------------------------------------------------------------
def _copy_into(new: PlanVersion, source: PlanVersion) -> None:
    for field in CONTENT_FIELDS:
        if field not in ROW_LISTS:
            setattr(new, field, getattr(source, field))
    new.sdash_answers = list(source.sdash_answers or [])


@transaction.atomic
def start_draft(*, actor: Any, subject: Subject) -> PlanVersion:
    """The draft to work on: the open draft if there is one, else a new version copied from the
    version in force (or empty for a first plan). A collection event names each new record."""
    plan, created = Plan.objects.select_for_update().get_or_create(subject=subject)
    if created:
        record_change(
            action=AuditAction.COLLECT, instance=plan, before=None, after=plan_snapshot(plan), actor=actor
        )
    if plan.status == PlanStatus.CLOSED:
        raise PlanConflict("The plan is closed: it takes no new versions.")
    existing = open_version(plan)
    if existing is not None:
        if existing.status == VersionStatus.SUBMITTED:
            raise PlanConflict(
                f"Version {existing.number} is waiting for approval; it must be approved or sent back first."
            )
        return existing
    source = current_version(plan)
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion(plan=plan, number=number, author=actor if _is_user(actor) else None)
    if source is not None:
        _copy_into(version, source)
    version.save()
    if source is not None:
        for name, (model, _label) in ROW_LISTS.items():
            model.objects.bulk_create(
                model(version=version, position=row.position, **{f: getattr(row, f) for f in model.FIELDS})
                for row in getattr(source, name).all()
            )
    record_change(
        action=AuditAction.COLLECT,
        instance=version,
        before=None,
        after=version_snapshot(version),
        restricted=PlanVersion.RESTRICTED_FIELDS,
        actor=actor,
        justification=f"New draft (version {number})" + (f", from version {source.number}" if source else ""),
    )
    return version


def _field(model: Any, name: str) -> Any:
    """A model field (typed loosely: the plan's fields are all concrete)."""
    return model._meta.get_field(name)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# -- saving a part --------------------------------------------------------------------------------
def _locked(version: PlanVersion) -> PlanVersion:
    return (
        PlanVersion.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__subject")
        .get(pk=version.pk)
    )


def _check_revision(version: PlanVersion, revision: int | None) -> None:
    """A stale revision is refused, naming the fields changed since the caller read the version."""
    if revision is None or int(revision) == version.revision:
        return
    changed = [f for f, rev in (version.field_revisions or {}).items() if rev > int(revision)]
    raise PlanConflict(
        "This version was changed by someone else since you opened it"
        + (f" ({', '.join(_label(f) for f in sorted(changed))})" if changed else "")
        + ". Reload it and make your changes again.",
        changed=changed,
    )


def _label(field: str) -> str:
    if field in ROW_LISTS:
        return ROW_LISTS[field][1].lower() + "s"
    return str(_field(PlanVersion, field).verbose_name)


def _text(value: Any) -> str:
    return str(value or "").strip()


def _date(
    value: Any, field: str, where: str, today: dt.date, problems: list[ValidationError]
) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            problems.append(coded(f"{where}: enter the {field} as a real date.", PlanError.INVALID_ROW))
            return None
    if not isinstance(value, dt.date):
        problems.append(coded(f"{where}: enter the {field} as a date.", PlanError.INVALID_ROW))
        return None
    if value > today:
        problems.append(coded(f"{where}: the {field} must be today or in the past.", PlanError.FUTURE_DATE))
        return None
    return value


def _clean_rows(
    name: str, rows: Any, tactical_options: list[str]
) -> tuple[list[PlanRow], list[ValidationError]]:
    model, word = ROW_LISTS[name]
    problems: list[ValidationError] = []
    if rows is None:
        rows = []
    if not isinstance(rows, (list, tuple)):
        return [], [coded(f"Give the {word.lower()}s as a list.", PlanError.INVALID_ROW)]
    rows = [r for r in rows if not (isinstance(r, Mapping) and not any(_text(v) for v in r.values()))]
    if len(rows) > MAX_ROWS:
        return [], [coded(f"Keep to {MAX_ROWS} {word.lower()}s or fewer.", PlanError.TOO_MANY_ROWS)]
    today = timezone.localdate()
    out: list[PlanRow] = []
    for index, raw in enumerate(rows, start=1):
        where = f"{word} {index}"
        if not isinstance(raw, Mapping):
            problems.append(coded(f"{where} is not a record.", PlanError.INVALID_ROW))
            continue
        unknown = set(raw) - set(model.FIELDS) - {"uuid"}
        if unknown:
            problems.append(
                coded(
                    f"{where}: unknown fields {', '.join(sorted(map(str, unknown)))}.", PlanError.INVALID_ROW
                )
            )
            continue
        values: dict[str, Any] = {}
        for field in model.FIELDS:
            f = _field(model, field)
            value = raw.get(field)
            if f.get_internal_type() == "DateField":
                values[field] = _date(value, str(f.verbose_name), where, today, problems)
            else:
                values[field] = _text(value)
                limit = getattr(f, "max_length", None) or MAX_TEXT
                if limit and len(values[field]) > limit:
                    problems.append(
                        coded(
                            f"{where}: {f.verbose_name} must be {limit} characters or fewer.",
                            PlanError.INVALID_ROW,
                        )
                    )
                if f.choices and values[field] and values[field] not in {c[0] for c in f.choices}:
                    problems.append(
                        coded(f"{where}: choose a {f.verbose_name} from the list.", PlanError.INVALID_ROW)
                    )
        row = model(position=index, **values)
        problems.extend(_row_problems(name, row, where, tactical_options))
        out.append(row)
    return out, problems


def _clean_victim_risks(
    rows: Any, version: PlanVersion, actor: Any
) -> tuple[list[PlanRow], list[ValidationError], set[int]]:
    """Risks to the subject's protected persons, each naming one the actor may view (by UUID).

    Rows about people the actor may not view are kept as they are (their ids returned), and a
    ``{"withheld": true}`` row (what such a reader was shown) is passed over. Another subject's
    or another force's person, or one the actor may not view, is a field error that says no more.
    """
    word = ROW_LISTS["victim_risks"][1]
    if rows is None:
        rows = []
    if not isinstance(rows, (list, tuple)):
        return [], [coded(f"Give the {word.lower()}s as a list.", PlanError.INVALID_ROW)], set()
    visible = visible_protected_persons(actor, version.plan.subject_id)
    by_uuid = {str(p.uuid): p for p in visible.values()}
    kept = {
        pk: position
        for pk, person_id, position in PlanVictimRisk.objects.filter(version=version).values_list(
            "pk", "protected_person_id", "position"
        )
        if person_id not in visible
    }
    problems: list[ValidationError] = []
    out: list[PlanRow] = []
    seen: set[int] = set()
    rows = [
        r
        for r in rows
        if not (
            isinstance(r, Mapping)
            and (r.get("withheld") or not any(_text(r.get(k)) for k in PlanVictimRisk.FIELDS))
        )
    ]
    if len(rows) + len(kept) > MAX_ROWS:
        return [], [coded(f"Keep to {MAX_ROWS} {word.lower()}s or fewer.", PlanError.TOO_MANY_ROWS)], set()
    start = max(kept.values(), default=0)
    for index, raw in enumerate(rows, start=1):
        where = f"{word} {index}"
        if not isinstance(raw, Mapping):
            problems.append(coded(f"{where} is not a record.", PlanError.INVALID_ROW))
            continue
        unknown = set(raw) - {*PlanVictimRisk.FIELDS, "uuid", "name", "withheld"}
        if unknown:
            problems.append(
                coded(
                    f"{where}: unknown fields {', '.join(sorted(map(str, unknown)))}.", PlanError.INVALID_ROW
                )
            )
            continue
        person = by_uuid.get(_text(raw.get("protected_person")).lower())
        risk = _text(raw.get("risk"))
        if person is None:
            problems.append(
                coded(
                    f"{where}: choose one of this subject's protected persons.",
                    PlanError.UNKNOWN_PROTECTED_PERSON,
                )
            )
        elif person.pk in seen:
            problems.append(
                coded(f"{where}: this person already has a row; say it once.", PlanError.INVALID_ROW)
            )
        if not risk:
            problems.append(coded(f"{where}: describe the risk to this person.", PlanError.INVALID_ROW))
        if person is not None and risk:
            seen.add(person.pk)
            out.append(PlanVictimRisk(position=start + index, protected_person=person, risk=risk))
    return out, problems, set(kept)


def _row_problems(name: str, row: Any, where: str, tactical_options: list[str]) -> list[ValidationError]:
    problems: list[ValidationError] = []
    if name == "investigations" and not row.occurrence_ref:
        problems.append(coded(f"{where}: enter the Niche occurrence number.", PlanError.INVALID_ROW))
    elif name == "tactical_options":
        if row.pillar not in Pillar.values:
            problems.append(coded(f"{where}: choose the pillar it sits under.", PlanError.INVALID_ROW))
        if row.option not in tactical_options:
            problems.append(
                coded(
                    f"{where}: “{row.option[:60]}” is not one of the force's tactical options; choose one from the list.",
                    PlanError.UNKNOWN_TACTICAL_OPTION,
                )
            )
    elif name == "disclosures":
        if not row.partner:
            problems.append(coded(f"{where}: name the new partner.", PlanError.INVALID_ROW))
        if row.decision == DisclosureDecision.DISCLOSED and not row.recipient:
            problems.append(coded(f"{where}: say to whom the disclosure was made.", PlanError.INVALID_ROW))
        if row.route and row.route not in DisclosureRoute.values:
            problems.append(coded(f"{where}: choose the route from the list.", PlanError.INVALID_ROW))
    return problems


def _clean_sdash(value: Any) -> tuple[list[str], list[ValidationError]]:
    answers = list(value or [])
    if not any(answers):
        return [], []
    if len(answers) != len(SDASH_QUESTIONS) or any(a not in ("", *SdashAnswer.values) for a in answers):
        return [], [
            coded(
                f"Give the S-DASH as {len(SDASH_QUESTIONS)} answers (yes, no, not-known or empty), in order.",
                PlanError.INVALID_ROW,
            )
        ]
    return [str(a) for a in answers], []


@transaction.atomic
def save_part(
    *, actor: Any, version: PlanVersion, part: str | None, data: Mapping[str, Any], revision: int | None
) -> PlanVersion:
    """Save one part of a draft (``part`` None: fields of any part, as the API sends them); fields
    not given keep their values. All or nothing.

    ``revision`` is the one the caller read; a stale one is a ``PlanConflict`` naming the fields
    changed since. A version that is not a draft is a ``PlanConflict`` too.
    """
    if part is not None and part not in PART_FIELDS:
        raise field_error("part", "Choose a part of the plan.", PlanError.NOT_CHANGEABLE)
    version = _locked(version)
    if not version.is_draft:
        raise PlanConflict(
            f"Version {version.number} is {VersionStatus(version.status).label.lower()}: it cannot change. "
            "Start a new draft to revise the plan."
        )
    _check_revision(version, revision)
    allowed = PART_FIELDS[part] if part is not None else CONTENT_FIELDS
    unknown = set(data) - set(allowed)
    if unknown:
        raise field_errors(
            {
                k: [("This field is not part of this part of the plan.", PlanError.NOT_CHANGEABLE)]
                for k in sorted(unknown)
            }
        )
    errors: dict[str, list[ValidationError]] = {}
    rows: dict[str, list[PlanRow]] = {}
    scalars: dict[str, Any] = {}
    options = list(get_practice_settings().tactical_options) if "tactical_options" in data else []
    kept_risks: set[int] = set()
    for field, value in data.items():
        if field == "victim_risks":
            cleaned, problems, kept_risks = _clean_victim_risks(value, version, actor)
            if problems:
                errors[field] = problems
            rows[field] = cleaned
        elif field in ROW_LISTS:
            cleaned, problems = _clean_rows(field, value, options)
            if problems:
                errors[field] = problems
            rows[field] = cleaned
        elif field == "sdash_answers":
            answers, problems = _clean_sdash(value)
            if problems:
                errors[field] = problems
            scalars[field] = answers
        else:
            scalars[field] = _text(value)
            if len(scalars[field]) > MAX_TEXT:
                label = str(_field(PlanVersion, field).verbose_name)
                errors[field] = [
                    coded(
                        f"{label[:1].upper()}{label[1:]} must be {MAX_TEXT} characters or fewer.",
                        "max_length",
                    )
                ]
    probe = copy.copy(version)  # checked on a copy: the audit compares the version before and after
    for field, value in scalars.items():
        setattr(probe, field, value)
    try:
        probe.full_clean(
            exclude=[
                f.name for f in PlanVersion._meta.fields if f.name not in scalars or f.name == "sdash_answers"
            ],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with audited_change(
        version, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=actor
    ) as change:
        change.justification = f"Saved {PlanPart(part).label}" if part else "Saved the draft"
        before = content(version)
        for field, value in scalars.items():
            setattr(version, field, value)
        for name, new_rows in rows.items():
            model = ROW_LISTS[name][0]
            # Risks to people this actor may not view are not theirs to change: they stay.
            model.objects.filter(version=version).exclude(pk__in=kept_risks).delete()
            for row in new_rows:
                row.version = version  # type: ignore[attr-defined]
            model.objects.bulk_create(new_rows)
        after = content(version)
        changed = [f for f in allowed if before.get(f) != after.get(f)]
        if changed:
            version.revision += 1
            version.field_revisions = {
                **(version.field_revisions or {}),
                **dict.fromkeys(changed, version.revision),
            }
            version.save()
            if _is_user(actor):
                version.editors.add(actor)
    return version


# -- workflow -----------------------------------------------------------------------------------
@transaction.atomic
def submit_version(*, actor: Any, version: PlanVersion, revision: int | None = None) -> PlanVersion:
    """Send a draft for approval: it needs Part 1 (the offending summary) and a risk level."""
    version = _locked(version)
    if not version.is_draft:
        raise PlanConflict(
            f"Only a draft can be submitted; version {version.number} is {version.get_status_display().lower()}."
        )
    _check_revision(version, revision)
    missing: dict[str, list[tuple[str, str]]] = {}
    if not version.offending_summary.strip():
        missing["offending_summary"] = [
            (
                "Part 1 is not complete: write the offending summary before submitting.",
                PlanError.PART_INCOMPLETE,
            )
        ]
    if not version.risk_level:
        missing["risk_level"] = [
            (
                "Part 3 is not complete: choose the risk level before submitting.",
                PlanError.RISK_LEVEL_REQUIRED,
            )
        ]
    if missing:
        raise field_errors(missing)
    with audited_change(
        version, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=actor
    ) as change:
        change.justification = "Submitted for approval"
        version.status = VersionStatus.SUBMITTED
        version.submitted_at = timezone.now()
        version.submitted_by = actor if _is_user(actor) else None
        version.send_back_note = ""
        version.revision += 1
        version.save()
    return version


def wrote_or_edited(version: PlanVersion, user: Any) -> bool:
    """Whether ``user`` authored or saved any part of ``version`` (so may not approve it)."""
    return bool(
        user is not None and (version.author_id == user.pk or version.editors.filter(pk=user.pk).exists())
    )


def approve_version(*, version: PlanVersion, approver: Any, revision: int | None = None) -> PlanVersion:
    """A supervisor signs off a submitted version: it becomes the plan's active version (the one
    before it superseded), frozen with a snapshot of what it relied on, and the plan's next
    review is set from the force's interval for the version's risk level.

    Approving one's own work is refused (``OwnPlan``) and the refusal is logged, outside the
    transaction, so the log keeps it.
    """
    if wrote_or_edited(version, approver):
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.PLAN_VERSION,
            object_ids=[version.uuid],
            justification="Tried to approve a plan version they wrote or edited (own_plan)",
            actor=approver,
        )
        raise OwnPlan()
    return _approve(version=version, approver=approver, revision=revision)


@transaction.atomic
def _approve(*, version: PlanVersion, approver: Any, revision: int | None) -> PlanVersion:
    version = _locked(version)
    if version.status != VersionStatus.SUBMITTED:
        raise PlanConflict(
            f"Only a submitted version can be approved; version {version.number} is "
            f"{version.get_status_display().lower()}."
        )
    _check_revision(version, revision)
    plan = Plan.objects.select_for_update().select_related("subject").get(pk=version.plan_id)
    today = timezone.localdate()
    for previous in plan.versions.filter(status=VersionStatus.ACTIVE).exclude(pk=version.pk):
        with audited_change(
            previous, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=approver
        ) as change:
            change.justification = f"Superseded by version {version.number}"
            previous.status = VersionStatus.SUPERSEDED
            previous.save()
    with audited_change(
        version, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=approver
    ) as change:
        change.justification = "Approved; now the plan's active version"
        version.status = VersionStatus.ACTIVE  # approved and in force at once (see VersionStatus)
        version.approved_at = timezone.now()
        version.approved_by = approver if _is_user(approver) else None
        version.snapshot = frozen_snapshot(plan.subject)
        version.revision += 1
        version.save()
    with audited_change(plan, plan_snapshot, actor=approver) as change:
        change.justification = f"Version {version.number} approved"
        plan.status = PlanStatus.ACTIVE
        # The interval read now: a later change to the settings moves no date already set.
        plan.next_review_due = (
            get_practice_settings().review_interval_for(version.risk_level).next_after(today)
        )
        plan.save()
    version.plan = plan
    return version


@transaction.atomic
def send_back_version(
    *, actor: Any, version: PlanVersion, note: str = "", revision: int | None = None
) -> PlanVersion:
    """The supervisor returns a submitted version to its author as a draft, saying why."""
    version = _locked(version)
    if version.status != VersionStatus.SUBMITTED:
        raise PlanConflict(
            f"Only a submitted version can be sent back; version {version.number} is {version.get_status_display().lower()}."
        )
    _check_revision(version, revision)
    note = _text(note)
    if len(note) > 2000:
        raise field_error("note", "Keep the note to 2000 characters or fewer.", "max_length")
    with audited_change(
        version, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=actor
    ) as change:
        change.justification = "Sent back to the author"
        version.status = VersionStatus.DRAFT
        version.send_back_note = note
        version.revision += 1
        version.save()
    return version


@transaction.atomic
def close_plan(*, actor: Any, plan: Plan, reason: str = "") -> Plan:
    """Close the plan once every order has ended: its active version and any draft close with it."""
    plan = Plan.objects.select_for_update().select_related("subject").get(pk=plan.pk)
    if plan.status == PlanStatus.CLOSED:
        raise PlanConflict("The plan is already closed.")
    if not ready_to_close(plan):
        raise field_error(
            "plan",
            "The plan can be closed only when every order of the subject has ended.",
            PlanError.ORDERS_NOT_ENDED,
        )
    for version in plan.versions.exclude(status__in=(VersionStatus.SUPERSEDED, VersionStatus.CLOSED)):
        with audited_change(
            version, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=actor
        ) as change:
            change.justification = "Plan closed"
            version.status = VersionStatus.CLOSED
            version.save()
    with audited_change(plan, plan_snapshot, actor=actor) as change:
        change.justification = _text(reason) or "Every order has ended"
        plan.status = PlanStatus.CLOSED
        plan.closed_at = timezone.now()
        plan.closed_by = actor if _is_user(actor) else None
        plan.next_review_due = None
        plan.save()
    return plan


# -- the snapshot frozen at approval ----------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def frozen_snapshot(subject: Subject) -> dict[str, Any]:
    """The profile records, orders and terms the version relied on, as plain values."""
    subject = Subject.objects.with_profile().get(pk=subject.pk)
    orders = list(
        ProtectiveOrder.objects.filter(subject=subject).select_related("order_type").prefetch_related("terms")
    )
    profile = {
        name: [
            {**{k: _plain(v) for k, v in r.as_dict().items()}, "uuid": str(r.uuid)}
            for r in getattr(subject, name).all()
        ]
        for name in ("addresses", "devices", "social_accounts", "vehicles")
    }
    return {
        "taken_at": timezone.now().isoformat(),
        "subject": {
            "uuid": str(subject.uuid),
            "family_name": subject.family_name,
            "given_names": subject.given_names,
            "aliases": subject.alias_names,
            "date_of_birth": _plain(subject.date_of_birth),
            "pnc_id": subject.pnc_id,
            "niche_nominal_ref": subject.niche_nominal_ref,
            "warning_markers": list(subject.warning_markers or []),
        },
        **profile,
        # Whom Part 3's risks may concern: UUIDs only (their details stay encrypted in orders).
        "protected_persons": [
            str(u)
            for u in ProtectedPerson.objects.filter(subject=subject)
            .order_by("id")
            .values_list("uuid", flat=True)
        ],
        "orders": [
            {
                "uuid": str(o.uuid),
                "order_type": o.order_type.code,
                "order_type_name": o.order_type.name,
                "court": o.court,
                "case_number": o.case_number,
                "made_on": _plain(o.made_on),
                "served_on": _plain(o.served_on),
                "expires_on": _plain(o.expires_on),
                "until_further_order": o.until_further_order,
                "status": o.status,
                "terms": [
                    {
                        "uuid": str(t.uuid),
                        "kind": t.kind,
                        "wording": t.wording,
                        "exclusion_zone": t.exclusion_zone,
                        "starts_on": _plain(t.starts_on),
                        "ends_on": _plain(t.ends_on),
                    }
                    for t in o.terms.all()
                ],
            }
            for o in orders
        ],
    }


# -- comparing two versions ------------------------------------------------------------------------
def _display(field: str, value: Any) -> str:
    if field == "victim_risks":
        return "\n".join(
            WITHHELD_TEXT
            if row.get("withheld")
            else f"{row.get('name') or 'Protected person ' + str(row.get('protected_person'))}: {row.get('risk')}"
            for row in value or []
        )
    if field in ROW_LISTS:
        model = ROW_LISTS[field][0]
        lines = []
        for row in value or []:
            parts = []
            for key in model.FIELDS:
                v = row.get(key)
                if v in (None, ""):
                    continue
                f = _field(model, key)
                shown = dict(f.choices).get(v, v) if f.choices else v
                parts.append(f"{f.verbose_name}: {shown}")
            lines.append("; ".join(parts))
        return "\n".join(lines)
    if field == "sdash_answers":
        answers = value or []
        return "\n".join(
            f"{q} {SdashAnswer(a).label if a else 'Not answered'}"
            for q, a in zip(SDASH_QUESTIONS, answers, strict=False)
        )
    f = _field(PlanVersion, field)
    if f.choices and value:
        return str(dict(f.choices).get(value, value))
    return str(value or "")


def compare_versions(older: PlanVersion, newer: PlanVersion, viewer: Any = None) -> list[dict[str, Any]]:
    """Every field of the four parts, in order: its part, label, both values shown, whether it
    changed, as ``viewer`` may read them (risks to protected persons they may not view withheld)."""
    a, b = shown_content(older, viewer), shown_content(newer, viewer)
    rows = []
    for field in CONTENT_FIELDS:
        before, after = _display(field, a[field]), _display(field, b[field])
        rows.append(
            {
                "part": PlanPart(PART_OF[field]).label,
                "field": field,
                "label": _label(field)[:1].upper() + _label(field)[1:],
                "before": before,
                "after": after,
                "changed": a[field] != b[field],
            }
        )
    return rows


def record_plans_erased(*, subject: Any, actor: Any, reason: str = "", **_: Any) -> None:
    """The subject is being erased: log the erasure of its plan and versions before the cascade."""
    plans = list(Plan.objects.filter(subject=subject))
    records: list[Any] = [*plans, *PlanVersion.objects.filter(plan__in=plans)]
    record_by_type(action=AuditAction.ERASE, records=records, justification=reason, actor=actor)


@transaction.atomic
def erase_person_from_plans(*, person: Any, actor: Any, reason: str = "", **_: Any) -> None:
    """Receiver of ``core.signals.protected_person_erasing``: a protected person is being erased
    (inside that transaction, before the cascade deletes the plans' risks to them).

    The risks are part of their version (no record type of their own): each version that held
    one gets an alteration event naming ``victim_risks`` (no value logged), beside the person's
    erasure event that ``orders`` writes. A draft or submitted version's revision moves on,
    so a page opened before is refused as stale, naming the risks; an approved version keeps its
    number and status (the person's data must go, even from a frozen version; its snapshot lists
    only UUIDs).
    """
    risks = list(PlanVictimRisk.objects.filter(protected_person=person).select_related("version"))
    if not risks:
        return
    versions = {r.version_id: r.version for r in risks}
    for version in versions.values():
        with audited_change(
            version, version_snapshot, restricted=PlanVersion.RESTRICTED_FIELDS, actor=actor
        ) as change:
            change.justification = f"A protected person was erased: {reason}" if reason else ""
            PlanVictimRisk.objects.filter(version=version, protected_person=person).delete()
            if not version.is_frozen:
                version.revision += 1
                version.field_revisions = {
                    **(version.field_revisions or {}),
                    "victim_risks": version.revision,
                }
                version.save(update_fields=["revision", "field_revisions", "updated_at"])


def orders_terms(subject: Subject) -> list[OrderTerm]:
    """The prohibitions of the subject's orders in force (the briefing's key prohibitions)."""
    return list(
        OrderTerm.objects.filter(
            order__subject=subject, order__status=OrderStatus.ACTIVE, kind="prohibition"
        ).select_related("order__order_type")
    )


# -- for the caseload ------------------------------------------------------------------------------
def plan_summary_for(
    subject_ids: Iterable[int], *, user: Any = None, force: Any = None
) -> dict[int, dict[str, Any]]:
    """What a list of subjects (the caseload) shows of each one's plan, in two queries whatever
    the number: subject id -> ``plan`` (UUID), ``status``, ``risk_level`` (of the active version,
    else of the latest), ``next_review_due`` and ``ready_to_close``. A subject with no plan is
    absent (with ``organisation.practice.plan_required`` that is "needs a plan, has none").

    With ``user`` the plans are scoped by ``restrict(user, "view", force=force)`` (a reader
    without ``VIEW_PLAN`` gets an empty dict); without, the caller has scoped ``subject_ids``.
    """
    from django.db.models import OuterRef, Subquery

    ids = list(subject_ids)
    if not ids:
        return {}
    plans: QuerySet[Plan] = Plan.objects.all()
    if user is not None:
        plans = Plan.objects.restrict(user, "view", force=force)
    versions = PlanVersion.objects.filter(plan_id=OuterRef("pk"))
    rows = list(
        plans.filter(subject_id__in=ids)
        .annotate(
            active_risk=Subquery(versions.filter(status=VersionStatus.ACTIVE).values("risk_level")[:1]),
            latest_risk=Subquery(versions.order_by("-number").values("risk_level")[:1]),
        )
        .values("subject_id", "uuid", "status", "next_review_due", "active_risk", "latest_risk")
    )
    statuses: dict[int, list[str]] = {}
    for subject_id, status in ProtectiveOrder.objects.filter(
        subject_id__in=[r["subject_id"] for r in rows]
    ).values_list("subject_id", "status"):
        statuses.setdefault(subject_id, []).append(status)
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        orders = statuses.get(row["subject_id"], [])
        out[row["subject_id"]] = {
            "plan": row["uuid"],
            "status": row["status"],
            "risk_level": row["active_risk"] or row["latest_risk"] or "",
            "next_review_due": row["next_review_due"],
            "ready_to_close": row["status"] != PlanStatus.CLOSED
            and bool(orders)
            and all(s in ENDED_ORDER_STATES for s in orders),
        }
    return out
