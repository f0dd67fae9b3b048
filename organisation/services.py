"""Areas and teams of the current force: the only code that changes them; every change audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.choices import RecordType
from audit.services import AuditAction, audited_change, record_change, record_event
from core.forms import coded, field_error, field_errors
from core.tenancy import active_force

from .choices import TeamKind
from .errors import OrganisationError
from .models import Area, PlannedAbsence, Team, TeamMember
from .models.organisation import HOURS_IN_WEEK

AREA_FIELDS = ("name", "code", "description")


def _area_snapshot(area: Area) -> dict[str, Any]:
    return {f: getattr(area, f) for f in AREA_FIELDS}


def _validate_area(area: Area) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if not area.name:
        errors["name"] = [coded("Enter the area's name, e.g. Lincoln City.", OrganisationError.REQUIRED)]
    if not area.code:
        errors["code"] = [coded("Enter a short code for the area, e.g. LINC-C.", OrganisationError.REQUIRED)]
    try:
        area.full_clean(exclude=["name", "code"] if errors else None, validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    if area.name and Area.objects.filter(name__iexact=area.name).exclude(pk=area.pk).exists():
        errors.setdefault("name", []).append(
            coded("Another area of this force already has this name.", OrganisationError.DUPLICATE_NAME)
        )
    if area.code and Area.objects.filter(code__iexact=area.code).exclude(pk=area.pk).exists():
        errors.setdefault("code", []).append(
            coded("Another area of this force already has this code.", OrganisationError.DUPLICATE_CODE)
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_area(*, actor: Any, name: str, code: str, description: str = "") -> Area:
    area = Area(
        name=(name or "").strip(), code=(code or "").strip().upper(), description=(description or "").strip()
    )
    _validate_area(area)
    area.save()
    record_change(
        action=AuditAction.COLLECT, instance=area, before=None, after=_area_snapshot(area), actor=actor
    )
    return area


@transaction.atomic
def update_area(*, actor: Any, area: Area, **changes: Any) -> Area:
    unknown = set(changes) - set(AREA_FIELDS)
    if unknown:
        raise field_errors(
            {
                k: [("This field cannot be changed here.", OrganisationError.NOT_CHANGEABLE)]
                for k in sorted(unknown)
            }
        )
    area = Area.objects.select_for_update().get(pk=area.pk)
    with audited_change(area, _area_snapshot, actor=actor):
        for field, value in changes.items():
            value = (value or "").strip()
            setattr(area, field, value.upper() if field == "code" else value)
        _validate_area(area)
        area.save()
    return area


@transaction.atomic
def delete_area(*, actor: Any, area: Area) -> None:
    record_event(
        action=AuditAction.ERASE,
        object_type=RecordType.AREA,
        object_ids=[area.uuid],
        actor=actor,
        justification=f"Area {area.code} deleted",
    )
    area.delete()


# --- Teams -----------------------------------------------------------------------------------


def _team_snapshot(team: Team) -> dict[str, Any]:
    links = list(team.team_members.select_related("user").all()) if team.pk else []
    lead = next((link.user for link in links if link.is_lead), None)
    return {
        "name": team.name,
        "kind": team.kind,
        "areas": sorted(str(a.uuid) for a in team.areas.all()) if team.pk else [],
        "members": sorted(str(link.user.uuid) for link in links),
        "lead": str(lead.uuid) if lead else None,
        "visit_share": team.visit_share,
        "hours": {str(link.user.uuid): str(link.hours_per_week) for link in links},
    }


def _validate_team(team: Team) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if not team.name:
        errors["name"] = [
            coded("Enter the team's name, e.g. Lincoln North neighbourhood team.", OrganisationError.REQUIRED)
        ]
    elif len(team.name) > 100:
        errors["name"] = [coded("The name must be 100 characters or fewer.", OrganisationError.TOO_LONG)]
    elif Team.objects.filter(name__iexact=team.name).exclude(pk=team.pk).exists():
        errors["name"] = [
            coded("Another team of this force already has this name.", OrganisationError.DUPLICATE_NAME)
        ]
    if not team.kind:
        errors["kind"] = [
            coded(
                "Choose the kind of team: ancillary order unit, response, neighbourhood or other.",
                OrganisationError.REQUIRED,
            )
        ]
    elif team.kind not in TeamKind.values:
        errors["kind"] = [
            coded(
                f"'{team.kind}' is not a kind of team; choose one from the list.",
                OrganisationError.UNKNOWN_KIND,
            )
        ]
    if errors:
        raise ValidationError(errors)


def _resolve_areas(areas: Iterable[Area | str]) -> list[Area]:
    wanted = list(areas)
    ids = [a.pk for a in wanted if isinstance(a, Area)]
    uuids = [str(a) for a in wanted if not isinstance(a, Area)]
    found = list(Area.objects.filter(pk__in=ids)) + list(Area.objects.filter(uuid__in=uuids))
    if len({a.pk for a in found}) != len({*ids, *uuids}):
        raise field_error(
            "areas", "Choose areas of this force from the list.", OrganisationError.UNKNOWN_AREA
        )
    return found


def _check_force_members(users: Sequence[Any]) -> None:
    """Only people who hold a membership (of any status) of the current force may join its teams."""
    from tenants.models import Membership

    force = active_force()
    user_ids = {u.pk for u in users}
    members = set(
        Membership.objects.filter(force_id=force.pk, user_id__in=user_ids).values_list("user_id", flat=True)
    )
    if user_ids - members:
        raise field_error(
            "members",
            "Only people of this force can be added to its teams.",
            OrganisationError.NOT_FORCE_MEMBER,
        )


@transaction.atomic
def create_team(
    *,
    actor: Any,
    name: str,
    kind: str,
    areas: Iterable[Area | str] = (),
    members: Sequence[Any] = (),
    lead: Any = None,
) -> Team:
    """Create a team of the current force with its areas, members and (optionally) a lead."""
    team = Team(name=(name or "").strip(), kind=(kind or "").strip())
    _validate_team(team)
    area_objs = _resolve_areas(areas)
    people = list(members)
    if lead is not None and lead not in people:
        people.append(lead)
    _check_force_members(people)
    team.save()
    team.areas.set(area_objs)
    TeamMember.objects.bulk_create(
        TeamMember(team=team, user=u, is_lead=lead is not None and u.pk == lead.pk) for u in people
    )
    record_change(
        action=AuditAction.COLLECT, instance=team, before=None, after=_team_snapshot(team), actor=actor
    )
    return team


_UNCHANGED: Any = object()


@transaction.atomic
def update_team(
    *,
    actor: Any,
    team: Team,
    name: str | None = None,
    kind: str | None = None,
    areas: Iterable[Area | str] | None = None,
    members: Sequence[Any] | None = None,
    lead: Any = _UNCHANGED,
) -> Team:
    """Change a team in one audited alteration: name, kind, areas, and (given) its members and lead.

    ``members`` replaces the whole list; ``lead`` must be one of the members (None: no lead).
    """
    team = Team.objects.select_for_update().get(pk=team.pk)
    with audited_change(team, _team_snapshot, actor=actor):
        if name is not None:
            team.name = name.strip()
        if kind is not None:
            team.kind = kind.strip()
        _validate_team(team)
        area_objs = _resolve_areas(areas) if areas is not None else None
        people = list(members) if members is not None else None
        if people is not None:
            if lead is not _UNCHANGED and lead is not None and all(u.pk != lead.pk for u in people):
                raise field_error(
                    "lead", "The lead must be one of the team's members.", OrganisationError.LEAD_NOT_MEMBER
                )
            _check_force_members(people)
        team.save()
        if area_objs is not None:
            team.areas.set(area_objs)
        if people is not None:
            TeamMember.objects.filter(team=team).exclude(user__in=people).delete()
            existing = set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True))
            TeamMember.objects.bulk_create(
                TeamMember(team=team, user=u) for u in people if u.pk not in existing
            )
        if lead is not _UNCHANGED:
            TeamMember.objects.filter(team=team, is_lead=True).update(is_lead=False)
            if lead is not None:
                TeamMember.objects.filter(team=team, user=lead).update(is_lead=True)
    return team


@transaction.atomic
def delete_team(*, actor: Any, team: Team) -> None:
    # The UUID only: a team's name is typed freely (it could be "DC Smith's team"), the log is
    # append-only, and the creation event already names the team for whoever needs it.
    record_event(
        action=AuditAction.ERASE,
        object_type=RecordType.TEAM,
        object_ids=[team.uuid],
        actor=actor,
        justification="Team deleted",
    )
    team.delete()


@transaction.atomic
def add_team_member(*, actor: Any, team: Team, user: Any, is_lead: bool = False) -> TeamMember:
    """Put a person of this force in a team (or change whether they lead it)."""
    _check_force_members([user])
    team = Team.objects.select_for_update().get(pk=team.pk)
    with audited_change(team, _team_snapshot, actor=actor):
        if is_lead:
            TeamMember.objects.filter(team=team, is_lead=True).exclude(user=user).update(is_lead=False)
        link, _ = TeamMember.objects.update_or_create(team=team, user=user, defaults={"is_lead": is_lead})
    return link


@transaction.atomic
def remove_team_member(*, actor: Any, team: Team, user: Any) -> None:
    team = Team.objects.select_for_update().get(pk=team.pk)
    with audited_change(team, _team_snapshot, actor=actor):
        TeamMember.objects.filter(team=team, user=user).delete()


def remove_from_all_teams(*, actor: Any, user: Any) -> int:
    """Take a person out of every team of the current force (they left the force)."""
    teams = list(Team.objects.filter(team_members__user=user).distinct())
    for team in teams:
        remove_team_member(actor=actor, team=team, user=user)
    return len(teams)


def on_membership_ended(
    sender: Any, *, force: Any, user: Any, actor: Any, removed: bool, **kwargs: Any
) -> int:
    """Receiver of ``core.signals.membership_ended``: a person removed from the force leaves its teams."""
    if not removed:
        return 0
    return remove_from_all_teams(actor=actor, user=user)


def team_ids_of(user: Any) -> list[int]:
    return list(TeamMember.objects.filter(user=user).values_list("team_id", flat=True))


# --- Capacity (issue 15: resourcing) ----------------------------------------------------------

VISITING_KINDS = (TeamKind.RESPONSE, TeamKind.NEIGHBOURHOOD)


def clean_hours(value: Any, field: str = "hours_per_week") -> Decimal:
    """Hours a week on this work: a number from 0 to 168 (one decimal place), else a coded error."""
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        hours = Decimal(-1)
    if isinstance(value, bool) or not hours.is_finite() or not 0 <= hours <= HOURS_IN_WEEK:
        raise field_error(
            field,
            f"Enter the hours a week as a number from 0 to {HOURS_IN_WEEK}.",
            OrganisationError.HOURS_OUT_OF_RANGE,
        )
    return hours


def _check_visit_share(team: Team, share: Any) -> int:
    if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
        raise field_error(
            "visit_share",
            "Enter the share of visits as a whole number from 0 to 100.",
            OrganisationError.SHARE_OUT_OF_RANGE,
        )
    if share and team.kind not in VISITING_KINDS:
        raise field_error(
            "visit_share",
            "Only response and neighbourhood teams take a share of the visits.",
            OrganisationError.SHARE_NOT_VISITING,
        )
    others = sum(Team.objects.exclude(pk=team.pk).values_list("visit_share", flat=True))
    if others + share > 100:
        raise field_error(
            "visit_share",
            f"Other teams already take {others}% of the visits; this team can take at most {100 - others}%.",
            OrganisationError.SHARES_OVER_100,
        )
    return share


@transaction.atomic
def set_team_capacity(
    *,
    actor: Any,
    team: Team,
    hours: Mapping[Any, Any] | None = None,
    visit_share: Any = None,
) -> Team:
    """Change a team's capacity in one audited alteration: members' hours a week (keyed by user or
    user pk) and, for response and neighbourhood teams, the share of the unit's visits they take.
    All-or-nothing: one bad value and nothing is saved."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    links = {link.user_id: link for link in TeamMember.objects.filter(team=team)}
    cleaned: dict[int, Decimal] = {}
    for user, value in (hours or {}).items():
        user_id = getattr(user, "pk", user)
        if user_id not in links:
            raise field_error(
                "hours_per_week",
                "Hours can only be given for members of the team.",
                OrganisationError.NOT_TEAM_MEMBER,
            )
        cleaned[user_id] = clean_hours(value)
    share = _check_visit_share(team, visit_share) if visit_share is not None else None
    with audited_change(team, _team_snapshot, actor=actor):
        for user_id, value in cleaned.items():
            TeamMember.objects.filter(pk=links[user_id].pk).update(hours_per_week=value)
        if share is not None:
            team.visit_share = share
            team.save(update_fields=["visit_share"])
    return team


def _absence_snapshot(absence: PlannedAbsence) -> dict[str, Any]:
    return {
        "user": str(absence.user.uuid),
        "starts_on": absence.starts_on.isoformat(),
        "ends_on": absence.ends_on.isoformat(),
    }


def _check_absence(starts_on: Any, ends_on: Any) -> None:
    errors: dict[str, list[tuple[str, str]]] = {}
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = [("Enter the day the absence starts.", OrganisationError.REQUIRED)]
    if not isinstance(ends_on, dt.date):
        errors["ends_on"] = [("Enter the day the absence ends.", OrganisationError.REQUIRED)]
    elif isinstance(starts_on, dt.date) and ends_on < starts_on:
        errors["ends_on"] = [
            ("The absence must end on or after the day it starts.", OrganisationError.ENDS_BEFORE_START)
        ]
    if errors:
        raise field_errors(errors)


@transaction.atomic
def add_planned_absence(*, actor: Any, user: Any, starts_on: Any, ends_on: Any) -> PlannedAbsence:
    """Record that a person of this force is away from ``starts_on`` to ``ends_on`` (inclusive)."""
    _check_absence(starts_on, ends_on)
    try:
        _check_force_members([user])
    except ValidationError as exc:
        raise field_error(
            "user", "Only people of this force can have planned absences.", OrganisationError.NOT_FORCE_MEMBER
        ) from exc
    absence = PlannedAbsence.objects.create(user=user, starts_on=starts_on, ends_on=ends_on)
    record_change(
        action=AuditAction.COLLECT,
        instance=absence,
        before=None,
        after=_absence_snapshot(absence),
        actor=actor,
    )
    return absence


@transaction.atomic
def delete_planned_absence(*, actor: Any, absence: PlannedAbsence) -> None:
    absence = PlannedAbsence.objects.select_related("user").get(pk=absence.pk)
    with audited_change(absence, _absence_snapshot, actor=actor, justification="Planned absence removed"):
        pass
    absence.delete()
