"""Case-work services: the only code that changes subjects; every change and read is audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from audit.choices import RecordType
from audit.services import AuditAction, audited_change, record_change, record_changes, record_event
from core.forms import coded, field_error, field_errors
from core.normalise import imei_key, luhn_valid, name_key, pnc_key, vrm_plausible
from core.signals import registration_ended, subject_erasing, subjects_bulk_created
from core.tenancy import active_force
from organisation.choices import TeamKind
from organisation.models import Area, PracticeSettings, Team

from .errors import SubjectError
from .models import (
    ProfileRecord,
    Subject,
    SubjectAddress,
    SubjectAlias,
    SubjectDevice,
    SubjectPhoto,
    SubjectSocialAccount,
    SubjectVehicle,
)

# Nobody managed under an order was born before this; an earlier year is a typing error.
EARLIEST_DATE_OF_BIRTH = dt.date(1900, 1, 1)
IDENTITY_FIELDS = ("family_name", "given_names", "date_of_birth", "pnc_id", "niche_nominal_ref")
PROFILE_FIELDS = (
    "gender",
    "area",
    "managing_team",
    "lead_officer",
    "warning_markers",
    "registered_sex_offender",
    "registered_from",
    "registered_until",
    "retention_group",
    "next_review_date",
)
SUBJECT_FIELDS = (*IDENTITY_FIELDS, *PROFILE_FIELDS)
_RELATED = ("area", "managing_team", "lead_officer")

#: The nested lists of profile records (each replaced whole on update), the record model and the
#: word used in error messages ("Vehicle 2: ...").
PROFILE_LISTS: dict[str, tuple[type[ProfileRecord], str]] = {
    "addresses": (SubjectAddress, "Address"),
    "devices": (SubjectDevice, "Device"),
    "social_accounts": (SubjectSocialAccount, "Account"),
    "vehicles": (SubjectVehicle, "Vehicle"),
}
MAX_RECORDS = 50
_AUDIT_RESTRICTED = (*Subject.RESTRICTED_FIELDS, "aliases")


def _record_snapshot(record: ProfileRecord) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in record.as_dict().items()}


def snapshot(subject: Subject) -> dict[str, Any]:
    """What an alteration compares: every field, related records by UUID, nested lists sorted."""
    return _snapshot_of(
        subject,
        aliases=subject.alias_names if subject.pk else [],
        lists={name: list(getattr(subject, name).all()) if subject.pk else [] for name in PROFILE_LISTS},
        photos=list(subject.photos.all()) if subject.pk else [],
    )


def _snapshot_of(
    subject: Subject,
    *,
    aliases: Iterable[str],
    lists: Mapping[str, Iterable[ProfileRecord]],
    photos: Iterable[SubjectPhoto],
) -> dict[str, Any]:
    """``snapshot`` from what the caller already holds (a bulk path knows the lists it wrote)."""
    data: dict[str, Any] = {f: getattr(subject, f) for f in SUBJECT_FIELDS if f not in _RELATED}
    for f in _RELATED:
        related = getattr(subject, f)
        data[f] = str(related.uuid) if related is not None else None
    data["warning_markers"] = sorted(subject.warning_markers or [])
    data["aliases"] = sorted(aliases)
    for name in PROFILE_LISTS:
        data[name] = sorted((_record_snapshot(r) for r in lists.get(name, ())), key=repr)
    data["photos"] = sorted((str(p.uuid), p.caption, str(p.taken_on)) for p in photos)
    return data


@dataclass
class ProfileLookups:
    """The force's areas, teams, people, warning markers and PNC ids, read once.

    Checking many subjects at once (an import) applies the same rules as checking one, from these
    maps instead of a query per subject and field. The caller holds them for one check only.
    """

    areas: dict[uuid_module.UUID, Area]
    teams: dict[uuid_module.UUID, Team]
    #: user UUID -> the user, for every person with a membership of this force
    members: dict[uuid_module.UUID, Any]
    markers: frozenset[str]
    #: PNC key -> the primary key of the subject holding it
    pnc_owners: dict[str, int]

    @classmethod
    def load(cls) -> ProfileLookups:
        from tenants.models import Membership

        memberships = Membership.objects.filter(force_id=active_force().pk).select_related("user")
        return cls(
            areas={a.uuid: a for a in Area.objects.all()},
            teams={t.uuid: t for t in Team.objects.all()},
            members={m.user.uuid: m.user for m in memberships},
            markers=frozenset(
                PracticeSettings.objects.values_list("warning_markers", flat=True).first() or []
            ),
            pnc_owners=dict(Subject.objects.exclude(pnc_search="").values_list("pnc_search", "pk")),
        )


def _validate(
    subject: Subject,
    errors: dict[str, list[ValidationError]] | None = None,
    lookups: ProfileLookups | None = None,
) -> None:
    """Field-level validation, including 'PNC id already used by another subject of this force'.

    ``errors`` already found (the profile's) are raised together with these, so one answer names
    every field to correct.
    """
    errors = dict(errors or {})
    try:
        subject.full_clean(
            exclude=["name_search", "pnc_search", *_RELATED, "warning_markers"], validate_unique=False
        )
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            errors.setdefault(key, []).extend(messages)
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
    _validate_registration(subject, errors)
    if subject.pnc_id and "pnc_id" not in errors:
        if lookups is not None:
            owner = lookups.pnc_owners.get(pnc_key(subject.pnc_id))
            clashes = owner is not None and owner != subject.pk
        else:
            clash = Subject.objects.filter(pnc_search=pnc_key(subject.pnc_id)).exclude(pk=subject.pk)
            clashes = clash.exists()
        if clashes:
            errors["pnc_id"] = [
                coded("Another subject of this force already has this PNC id.", SubjectError.DUPLICATE_PNC_ID)
            ]
    if errors:
        raise ValidationError(errors)


def _validate_registration(subject: Subject, errors: dict[str, list[ValidationError]]) -> None:
    if subject.registered_sex_offender:
        if subject.registered_from is None:
            errors.setdefault("registered_from", []).append(
                coded(
                    "Enter the date registration as a sex offender began.",
                    SubjectError.REGISTRATION_START_REQUIRED,
                )
            )
        elif subject.registered_from > timezone.localdate():
            errors.setdefault("registered_from", []).append(
                coded("The date registration began must not be in the future.", SubjectError.FUTURE_DATE)
            )
        elif subject.registered_until and subject.registered_until < subject.registered_from:
            errors.setdefault("registered_until", []).append(
                coded(
                    "The date registration ends must be after the date it began.",
                    SubjectError.DATES_OUT_OF_ORDER,
                )
            )
    else:
        for field in ("registered_from", "registered_until"):
            if getattr(subject, field) is not None:
                errors.setdefault(field, []).append(
                    coded(
                        "Registration dates apply only to a registered sex offender.",
                        SubjectError.NOT_REGISTERED,
                    )
                )


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
    person = DuplicateQuestion(given_names, family_name, date_of_birth, tuple(aliases))
    return possible_duplicates_many([person])[0]


@dataclass(frozen=True)
class DuplicateQuestion:
    """A person about to be recorded, as the duplicate check reads them."""

    given_names: str
    family_name: str
    date_of_birth: dt.date | None
    aliases: tuple[str, ...] = ()

    def name_keys(self) -> frozenset[str]:
        """The name keys to compare: the name and every alias (empty without a date of birth)."""
        if self.date_of_birth is None:
            return frozenset()
        names = {name_key(self.given_names, self.family_name), *(name_key(a) for a in self.aliases)}
        return frozenset(names - {""})


def possible_duplicates_many(people: Sequence[DuplicateQuestion]) -> list[list[Subject]]:
    """``possible_duplicates`` of each person, from one query (and its aliases' prefetch).

    The rule is the one of a single check: a held subject born the same day whose name or any
    alias has the key of the person's name or any of their aliases. The lists keep the order of
    ``family_name, given_names, id``.
    """
    asked = [(p.date_of_birth, p.name_keys()) for p in people]
    days = {day for day, keys in asked if day is not None and keys}
    if not days:
        return [[] for _ in people]
    names = set().union(*(keys for day, keys in asked if day is not None))
    held = list(
        Subject.objects.filter(date_of_birth__in=days)
        .filter(models.Q(name_search__in=names) | models.Q(aliases__name_search__in=names))
        .distinct()
        .prefetch_related("aliases")
        .order_by("family_name", "given_names", "id")
    )
    index: dict[tuple[dt.date, str], list[int]] = {}
    for position, subject in enumerate(held):
        names = {subject.name_search, *(a.name_search for a in subject.aliases.all())} - {""}
        for key in names:
            index.setdefault((subject.date_of_birth, key), []).append(position)  # type: ignore[arg-type]
    out: list[list[Subject]] = []
    for day, keys in asked:
        found = {p for key in keys for p in index.get((day, key), ())} if day is not None else set()
        out.append([held[p] for p in sorted(found)])
    return out


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


# -- the profile: related records of this force, warning markers, nested lists -------------------


def _uuid_of(value: Any) -> uuid_module.UUID:
    """The UUID of a record or of its text; the nil UUID (which names nothing) for anything else."""
    if hasattr(value, "uuid"):
        return value.uuid  # type: ignore[no-any-return]
    try:
        return uuid_module.UUID(str(value))
    except ValueError:
        return uuid_module.UUID(int=0)


def _resolve_related(
    changes: dict[str, Any], errors: dict[str, list[ValidationError]], lookups: ProfileLookups | None = None
) -> None:
    """Turn ``area``, ``managing_team`` and ``lead_officer`` (instances or UUIDs) into this force's rows."""
    from tenants.models import Membership

    if changes.get("area") not in (None, ""):
        if lookups is not None:
            area = lookups.areas.get(_uuid_of(changes["area"]))
        else:
            area = Area.objects.filter(uuid=_uuid_of(changes["area"])).first()
        if area is None:
            errors["area"] = [coded("Choose an area of this force from the list.", SubjectError.UNKNOWN_AREA)]
        changes["area"] = area
    elif "area" in changes:
        changes["area"] = None
    if changes.get("managing_team") not in (None, ""):
        if lookups is not None:
            team = lookups.teams.get(_uuid_of(changes["managing_team"]))
        else:
            team = Team.objects.filter(uuid=_uuid_of(changes["managing_team"])).first()
        if team is None:
            errors["managing_team"] = [
                coded("Choose a team of this force from the list.", SubjectError.UNKNOWN_TEAM)
            ]
        elif team.kind != TeamKind.ANCILLARY_ORDER_UNIT:
            errors["managing_team"] = [
                coded("The managing team must be an ancillary order unit.", SubjectError.NOT_AOU)
            ]
        changes["managing_team"] = team
    elif "managing_team" in changes:
        changes["managing_team"] = None
    if changes.get("lead_officer") not in (None, ""):
        # As organisation/ checks team members: a person with a membership of the current force.
        if lookups is not None:
            user = lookups.members.get(_uuid_of(changes["lead_officer"]))
        else:
            membership = (
                Membership.objects.filter(
                    force_id=active_force().pk, user__uuid=_uuid_of(changes["lead_officer"])
                )
                .select_related("user")
                .first()
            )
            user = membership.user if membership else None
        if user is None:
            errors["lead_officer"] = [
                coded("The lead officer must be a member of this force.", SubjectError.NOT_FORCE_MEMBER)
            ]
        changes["lead_officer"] = user
    elif "lead_officer" in changes:
        changes["lead_officer"] = None


def _clean_markers(
    markers: Iterable[str],
    already: Iterable[str],
    errors: dict[str, list[ValidationError]],
    lookups: ProfileLookups | None = None,
) -> list[str]:
    """Markers from the force's list; one the subject already carries stays even if since removed."""
    if lookups is not None:
        allowed = set(lookups.markers)
    else:
        allowed = set(PracticeSettings.objects.values_list("warning_markers", flat=True).first() or [])
    allowed |= set(already)
    out: list[str] = []
    for raw in markers or ():
        marker = str(raw or "").strip()
        if not marker or marker in out:
            continue
        if marker not in allowed:
            errors.setdefault("warning_markers", []).append(
                coded(
                    f"'{marker[:120]}' is not one of the force's warning markers; choose from the list.",
                    SubjectError.UNKNOWN_WARNING_MARKER,
                )
            )
            continue
        out.append(marker)
    return out


def _clean_records(
    name: str, items: Sequence[Mapping[str, Any]], errors: dict[str, list[ValidationError]]
) -> list[ProfileRecord]:
    """Check one nested list; the records (not saved) or errors under the list's name."""
    model, word = PROFILE_LISTS[name]
    records: list[ProfileRecord] = []
    problems: list[ValidationError] = []
    if len(items) > MAX_RECORDS:
        errors[name] = [coded(f"Give at most {MAX_RECORDS} records.", SubjectError.TOO_MANY_RECORDS)]
        return []
    today = timezone.localdate()
    allowed = {*model.FIELDS, "known_from", "known_to"}
    for index, item in enumerate(items, start=1):
        label = f"{word} {index}"
        if not isinstance(item, Mapping) or set(item) - allowed:
            problems.append(coded(f"{label}: unknown details given.", SubjectError.INVALID_RECORD))
            continue
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in item.items()}
        record = model(**{k: v for k, v in values.items()})
        record_problems = _record_problems(record, label, today)
        if not record_problems:
            try:
                record.full_clean(exclude=["subject"], validate_unique=False)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    verbose = getattr(model._meta.get_field(field), "verbose_name", field)
                    record_problems.extend(
                        coded(f"{label}, {verbose}: {m}", SubjectError.INVALID_RECORD) for m in messages
                    )
        problems.extend(record_problems)
        record.set_keys()
        records.append(record)
    if problems:
        errors.setdefault(name, []).extend(problems)
    return records


def _record_problems(record: ProfileRecord, label: str, today: dt.date) -> list[ValidationError]:
    out: list[ValidationError] = []
    for field in ("known_from", "known_to"):
        value = getattr(record, field)
        if value is not None and not isinstance(value, dt.date):
            out.append(coded(f"{label}: the dates must be real dates.", SubjectError.INVALID_RECORD))
            return out
    if record.known_from and record.known_from > today:
        out.append(coded(f"{label}: 'known from' must not be in the future.", SubjectError.FUTURE_DATE))
    if record.known_from and record.known_to and record.known_to < record.known_from:
        out.append(coded(f"{label}: 'known to' must be after 'known from'.", SubjectError.DATES_OUT_OF_ORDER))
    if isinstance(record, SubjectDevice) and record.imei:
        digits = imei_key(record.imei)
        if len(digits) != 15 or not luhn_valid(digits) or not set(record.imei) <= set("0123456789 -"):
            out.append(
                coded(
                    f"{label}: the IMEI must be 15 digits whose last digit checks the rest (Luhn).",
                    SubjectError.INVALID_IMEI,
                )
            )
        else:
            record.imei = digits
    if isinstance(record, SubjectVehicle):
        if not vrm_plausible(record.vrm):
            out.append(
                coded(
                    f"{label}: enter a registration mark like AB12 CDE (letters, numbers and spaces).",
                    SubjectError.IMPLAUSIBLE_VRM,
                )
            )
        else:
            record.vrm = " ".join(str(record.vrm).upper().split())
    if (
        isinstance(record, SubjectAddress)
        and record.kind != SubjectAddress.Kind.NO_FIXED_ABODE
        and not (record.address or record.postcode)
    ):
        out.append(coded(f"{label}: enter the address or its postcode.", SubjectError.INVALID_RECORD))
    return out


def _replace_records(subject: Subject, name: str, records: list[ProfileRecord]) -> None:
    """Replace one nested list whole (bulk, so ``set_keys`` was called when the records were cleaned)."""
    model, _word = PROFILE_LISTS[name]
    getattr(subject, name).all().delete()
    for record in records:
        record.subject = subject  # type: ignore[attr-defined]
    model.objects.bulk_create(records)  # type: ignore[attr-defined]
    subject._prefetched_objects_cache = {}  # type: ignore[attr-defined]


def _apply(
    subject: Subject,
    changes: dict[str, Any],
    lists: Mapping[str, Sequence[Mapping[str, Any]] | None],
    lookups: ProfileLookups | None = None,
) -> dict[str, list[ProfileRecord]]:
    """Set the fields on ``subject`` and check everything; the cleaned nested lists to write."""
    errors: dict[str, list[ValidationError]] = {}
    changes = dict(changes)
    _resolve_related(changes, errors, lookups)
    if "warning_markers" in changes:
        already = subject.warning_markers if subject.pk else []
        changes["warning_markers"] = _clean_markers(
            changes["warning_markers"] or [], already, errors, lookups
        )
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
            if field == "pnc_id":
                value = value.upper()
        if field in ("registered_sex_offender",):
            value = bool(value)
        if value is None and field in ("gender", "retention_group", "pnc_id", "niche_nominal_ref"):
            value = ""
        if field in _RELATED and field in errors:
            continue
        setattr(subject, field, value)
    cleaned = {
        name: _clean_records(name, items, errors) for name, items in lists.items() if items is not None
    }
    _validate(subject, errors, lookups)
    return cleaned


def _refuse_unknown(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - set(SUBJECT_FIELDS)
    if unknown:
        raise field_errors(
            {
                k: [("This field cannot be changed here.", SubjectError.NOT_CHANGEABLE)]
                for k in sorted(unknown)
            }
        )


@transaction.atomic
def create_subject(
    *,
    actor: Any,
    family_name: str,
    given_names: str,
    aliases: Sequence[str] = (),
    addresses: Sequence[Mapping[str, Any]] = (),
    devices: Sequence[Mapping[str, Any]] = (),
    social_accounts: Sequence[Mapping[str, Any]] = (),
    vehicles: Sequence[Mapping[str, Any]] = (),
    confirm_new: bool = False,
    **fields: Any,
) -> Subject:
    """Record a new subject in the current force (a collection of personal data).

    ``fields``: the rest of ``SUBJECT_FIELDS`` (``area``, ``managing_team`` and ``lead_officer`` as
    instances or UUIDs). Nothing is saved unless every field and every nested record is right.
    Raises ``PossibleDuplicate`` if the subject may already be held, unless ``confirm_new``.
    """
    _refuse_unknown(fields)
    subject = Subject()
    alias_names = _clean_aliases(aliases)
    lists = {
        "addresses": addresses,
        "devices": devices,
        "social_accounts": social_accounts,
        "vehicles": vehicles,
    }
    cleaned = _apply(
        subject, {"family_name": family_name or "", "given_names": given_names or "", **fields}, lists
    )
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
        [SubjectAlias(subject=subject, name=n, name_search=name_key(n)) for n in alias_names]
    )
    for name, records in cleaned.items():
        _replace_records(subject, name, records)
    record_change(
        action=AuditAction.COLLECT,
        instance=subject,
        before=None,
        after=snapshot(subject),
        restricted=_AUDIT_RESTRICTED,
        actor=actor,
    )
    return subject


@transaction.atomic
def update_subject(
    *,
    actor: Any,
    subject: Subject,
    aliases: Sequence[str] | None = None,
    addresses: Sequence[Mapping[str, Any]] | None = None,
    devices: Sequence[Mapping[str, Any]] | None = None,
    social_accounts: Sequence[Mapping[str, Any]] | None = None,
    vehicles: Sequence[Mapping[str, Any]] | None = None,
    justification: str = "",
    **changes: Any,
) -> Subject:
    """Change a subject's fields; a nested list given (aliases, addresses, ...) replaces the old one whole.

    ``justification`` goes into the alteration event (e.g. "Caseload import").
    """
    _refuse_unknown(changes)
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    lists = {
        "addresses": addresses,
        "devices": devices,
        "social_accounts": social_accounts,
        "vehicles": vehicles,
    }
    ended_before = subject.registration_ended_on()
    with audited_change(
        subject, snapshot, restricted=_AUDIT_RESTRICTED, actor=actor, justification=justification
    ):
        cleaned = _apply(subject, changes, lists)
        names = _clean_aliases(aliases) if aliases is not None else None
        subject.save()
        if names is not None:
            subject.aliases.exclude(name__in=names).delete()
            existing = set(subject.aliases.values_list("name", flat=True))
            SubjectAlias.objects.bulk_create(
                [
                    SubjectAlias(subject=subject, name=n, name_search=name_key(n))
                    for n in names
                    if n not in existing
                ]
            )
        for name, records in cleaned.items():
            _replace_records(subject, name, records)
    ended = subject.registration_ended_on()
    if ended is not None and ended != ended_before:
        # Apps above (orders) restart what registration suspended, after the subject's own event.
        registration_ended.send(sender=update_subject, subject=subject, ended_on=ended, actor=actor)
    return subject


# -- many subjects at once (a caseload import) -------------------------------------------------


@dataclass
class CheckedSubject:
    """A new subject checked by ``check_subject`` (not saved), with its aliases and records."""

    subject: Subject
    aliases: list[str] = dataclasses.field(default_factory=list)
    records: dict[str, list[ProfileRecord]] = dataclasses.field(default_factory=dict)


def check_subject(
    subject: Subject,
    changes: Mapping[str, Any],
    *,
    aliases: Sequence[str] | None = None,
    lists: Mapping[str, Sequence[Mapping[str, Any]] | None] | None = None,
    lookups: ProfileLookups,
) -> CheckedSubject:
    """Check ``changes`` by the rules of ``create_subject`` / ``update_subject``, without saving.

    The fields are set on ``subject`` (a new ``Subject()`` or a held one the caller will not save
    itself); raises one ``ValidationError`` naming every field in error, with the services' codes.
    No possible-duplicate check: that is ``possible_duplicates_many``'s, for all rows at once.
    """
    _refuse_unknown(changes)
    errors: dict[str, list[ValidationError]] = {}
    names: list[str] = []
    try:
        names = _clean_aliases(aliases or ())
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        cleaned = _apply(subject, dict(changes), lists or {}, lookups)
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            errors.setdefault(key, []).extend(messages)
        cleaned = {}
    if errors:
        raise ValidationError(errors)
    return CheckedSubject(subject=subject, aliases=names, records=cleaned)


#: Rows per INSERT on the bulk path.
BULK_BATCH = 1000


@transaction.atomic
def create_checked_subjects(
    *, actor: Any, checked: Sequence[CheckedSubject], justification: str = ""
) -> list[Subject]:
    """Record subjects already checked by ``check_subject`` (and cleared of possible duplicates by
    the caller): a few bulk INSERTs, and one collection event per subject, the same event
    ``create_subject`` writes. For an import of thousands; one subject goes through ``create_subject``."""
    subjects = [c.subject for c in checked]
    for subject in subjects:
        subject.set_keys()
    Subject.objects.bulk_create(subjects, batch_size=BULK_BATCH)
    SubjectAlias.objects.bulk_create(
        [
            SubjectAlias(subject=c.subject, name=n, name_search=name_key(n))
            for c in checked
            for n in c.aliases
        ],
        batch_size=BULK_BATCH,
    )
    for name, (model, _word) in PROFILE_LISTS.items():
        records = []
        for c in checked:
            for record in c.records.get(name, ()):
                record.subject = c.subject  # type: ignore[attr-defined]
                records.append(record)
        if records:
            model.objects.bulk_create(records, batch_size=BULK_BATCH)  # type: ignore[attr-defined]
    record_changes(
        action=AuditAction.COLLECT,
        changes=[
            (c.subject, None, _snapshot_of(c.subject, aliases=c.aliases, lists=c.records, photos=()))
            for c in checked
        ],
        restricted=_AUDIT_RESTRICTED,
        justification=justification,
        actor=actor,
    )
    subjects_bulk_created.send(
        sender=Subject, subjects=subjects, aliases={c.subject.pk: list(c.aliases) for c in checked}
    )
    return subjects


@transaction.atomic
def end_registration(*, actor: Any, subject: Subject, ended_on: dt.date | None) -> Subject:
    """The subject's sex offender registration ended on ``ended_on`` (today or before).

    Sets ``registered_until`` through ``update_subject`` (one audited alteration), which restarts
    every notification requirement the registration suspended (``core.signals.registration_ended``).
    """

    def refuse(message: str, code: str) -> ValidationError:
        return field_error("ended_on", message, code)

    today = timezone.localdate()
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    if ended_on is None:
        raise refuse("Enter the date registration ended.", "required")
    if not subject.registered_sex_offender:
        raise refuse("The subject is not recorded as a registered sex offender.", SubjectError.NOT_REGISTERED)
    if subject.registration_ended_on(today) is not None:
        raise refuse(
            f"Registration already ended on {subject.registered_until:%-d %B %Y}.",
            SubjectError.REGISTRATION_ALREADY_ENDED,
        )
    if ended_on > today:
        raise refuse("The date registration ended must be today or in the past.", SubjectError.FUTURE_DATE)
    if subject.registered_from and ended_on < subject.registered_from:
        raise refuse(
            f"Registration cannot end before it began ({subject.registered_from:%-d %B %Y}).",
            SubjectError.DATES_OUT_OF_ORDER,
        )
    return update_subject(actor=actor, subject=subject, registered_until=ended_on)


@transaction.atomic
def retain_subject(*, actor: Any, subject: Subject, reason: str, next_review_date: dt.date | None) -> Subject:
    """A retention review's outcome "retain": the reason (in the alteration event) and the next
    review date (after today). Missing or past: field errors with codes, nothing saved."""
    errors: dict[str, list[ValidationError]] = {}
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = [
            ValidationError("Give the reason for keeping this record.", code=SubjectError.REASON_REQUIRED)
        ]
    if next_review_date is None:
        errors["next_review_date"] = [
            ValidationError("Enter the date of the next retention review.", code=SubjectError.DATE_REQUIRED)
        ]
    elif next_review_date <= timezone.localdate():
        errors["next_review_date"] = [
            ValidationError(
                "The next retention review must be after today.", code=SubjectError.RETENTION_DATE_NOT_FUTURE
            )
        ]
    if errors:
        raise ValidationError(errors)
    return update_subject(
        actor=actor,
        subject=subject,
        next_review_date=next_review_date,
        justification=f"Retention review: retained. {reason}"[:2000],
    )


@transaction.atomic
def erase_subject(*, actor: Any, subject: Subject, reason: str) -> None:
    """Erase a subject's record; the erasure itself is logged (the log holds only the UUID)."""
    if not (reason or "").strip():
        raise field_error("reason", "Give the reason for erasing this record.", SubjectError.REASON_REQUIRED)
    uuid = subject.uuid
    files: list[str | None] = [photo.image.name for photo in subject.photos.all()]
    # Apps above this one (orders) log the erasure of what goes with the subject.
    subject_erasing.send(sender=erase_subject, subject=subject, actor=actor, reason=reason.strip())
    subject.delete()
    transaction.on_commit(lambda: _delete_files(files))
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


# -- photographs ---------------------------------------------------------------------------------

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # refused before decoding: a small file can claim a huge picture
PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


def clean_photo(data: bytes) -> tuple[bytes, str, str, int, int]:
    """Check an uploaded photograph with Pillow and re-encode it without metadata.

    Returns (bytes, content type, extension, width, height). The picture is turned upright from
    its EXIF orientation, then written afresh: EXIF (camera, time, GPS position), XMP, comments and
    text chunks are not copied. Anything Pillow cannot verify, or not JPEG or PNG, is refused.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    def refuse(message: str, code: str) -> ValidationError:
        return field_error("photo", message, code)

    if len(data) > MAX_PHOTO_BYTES:
        raise refuse("The photograph must be smaller than 10 MB.", SubjectError.IMAGE_TOO_LARGE)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            if kind not in PHOTO_FORMATS:
                raise refuse("The photograph must be a JPEG or PNG.", SubjectError.INVALID_IMAGE)
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise refuse(
                    "The photograph has too many pixels (40 million at most).", SubjectError.IMAGE_TOO_LARGE
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "JPEG":
                upright.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
            else:
                upright.save(out, "PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise refuse(
            "The file is not a photograph that can be read (JPEG or PNG).", SubjectError.INVALID_IMAGE
        ) from None
    content_type, extension = PHOTO_FORMATS[kind]
    return out.getvalue(), content_type, extension, upright.width, upright.height


def _delete_files(names: Iterable[str | None]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)


@transaction.atomic
def add_subject_photo(
    *, actor: Any, subject: Subject, data: bytes, caption: str = "", taken_on: dt.date | None = None
) -> SubjectPhoto:
    """Add a photograph (checked, metadata stripped) to the subject: one audited alteration."""
    errors: dict[str, list[ValidationError]] = {}
    photo = SubjectPhoto(subject=subject, caption=(caption or "").strip(), taken_on=taken_on)
    if taken_on and taken_on > timezone.localdate():
        errors["taken_on"] = [coded("The date taken must not be in the future.", SubjectError.FUTURE_DATE)]
    try:
        content, content_type, extension, width, height = clean_photo(data)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        photo.full_clean(exclude=["subject", "image"], validate_unique=False)
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    photo.subject = subject
    photo.content_type, photo.width, photo.height = content_type, width, height
    with audited_change(subject, snapshot, restricted=_AUDIT_RESTRICTED, actor=actor):
        photo.image.save(f"photo.{extension}", ContentFile(content), save=False)
        try:
            photo.save()
        except Exception:
            _delete_files([photo.image.name])
            raise
    return photo


@transaction.atomic
def remove_subject_photo(*, actor: Any, subject: Subject, photo: SubjectPhoto) -> None:
    """Remove one photograph from the subject (the file goes once the change is committed)."""
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    name = photo.image.name
    with audited_change(subject, snapshot, restricted=_AUDIT_RESTRICTED, actor=actor):
        SubjectPhoto.objects.filter(pk=photo.pk, subject=subject).delete()
    transaction.on_commit(lambda: _delete_files([name]))


def record_photo_viewed(*, actor: Any, subject: Subject, photo: SubjectPhoto, reason: str) -> None:
    """A consultation of one photograph of the subject, with the case file's reason for access."""
    record_event(
        action=AuditAction.CONSULT,
        object_type=RecordType.SUBJECT,
        object_ids=[subject.uuid, photo.uuid],
        justification=reason,
        actor=actor,
    )
