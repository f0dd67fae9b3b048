"""Demo organisation of a force: areas, the unit and its response and neighbourhood teams, plan scope.

Called by the demo seed (tenants.demo) with the force's schema active; safe to run again (a force
that already has teams is left as it is, so changes made while trying the demo survive a rerun).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from core.roles import ForceRole
from tenants.models import Force, Membership

from .choices import SubjectCondition, TeamKind
from .models import Area, Team
from .practice import DEFAULT_PLAN_SCOPE, ensure_default_settings, update_practice_settings
from .services import create_area, create_team

# Three named areas per demo force (real places, fictional organisation).
DEMO_AREAS: dict[str, list[tuple[str, str]]] = {
    "lincolnshire": [("Lincoln", "LIN"), ("Boston", "BOS"), ("Grantham", "GRA")],
    "nottinghamshire": [("Nottingham City", "NCY"), ("Mansfield", "MAN"), ("Newark", "NEW")],
    "derbyshire": [("Derby City", "DER"), ("Chesterfield", "CHE"), ("High Peak", "HPK")],
    "leicestershire": [("Leicester City", "LEI"), ("Loughborough", "LOU"), ("Rutland", "RUT")],
    "northamptonshire": [("Northampton", "NTH"), ("Kettering", "KET"), ("Daventry", "DAV")],
}
# Lincolnshire's practice began with registered sex offenders under an SPO (DOMAIN.md); the other
# demo forces start with every SPO, the default.
NARROW_SCOPE_FORCES = frozenset({"lincolnshire"})
NARROW_SCOPE = {"SPO": SubjectCondition.REGISTERED_SEX_OFFENDERS}


def _areas_for(force: Force) -> list[tuple[str, str]]:
    if force.slug in DEMO_AREAS:
        return DEMO_AREAS[force.slug]
    prefix = force.slug[:3].upper()
    return [(f"{force.name} {side}", f"{prefix}-{side[0]}") for side in ("North", "Central", "South")]


def _member(force: Force, role: str) -> Any:
    """The force's demo user for ``role`` (tenants.demo makes one per role), or None."""
    membership = (
        Membership.objects.filter(force=force, roles__contains=[role], user__is_demo=True)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    return membership.user if membership else None


def seed_force_organisation(force: Force) -> None:
    """Areas, one ancillary order unit, two response and three neighbourhood teams, with members."""
    if connection.schema_name != force.schema_name:  # type: ignore[attr-defined]
        raise RuntimeError(f"seed_force_organisation({force.slug}) needs the force's schema active.")
    ensure_default_settings()
    if Team.objects.exists():
        return
    areas = []
    for name, code in _areas_for(force):
        existing = Area.objects.filter(code=code).first()
        areas.append(
            existing or create_area(actor=None, name=name, code=code, description=f"{name} policing area")
        )

    def people(*roles: str) -> list[Any]:
        return [u for u in (_member(force, r) for r in roles) if u is not None]

    unit = people(ForceRole.COORDINATOR, ForceRole.OFFICER, ForceRole.SUPERVISOR)
    create_team(
        actor=None,
        name="Ancillary order unit",
        kind=TeamKind.ANCILLARY_ORDER_UNIT,
        areas=areas,
        members=unit,
        lead=unit[0] if unit else None,
    )
    visiting = people(ForceRole.VISITING_OFFICER)
    viewers = people(ForceRole.VIEWER)
    create_team(
        actor=None,
        name="Response north",
        kind=TeamKind.RESPONSE,
        areas=areas[:2],
        members=visiting,
        lead=visiting[0] if visiting else None,
    )
    create_team(
        actor=None,
        name="Response south",
        kind=TeamKind.RESPONSE,
        areas=areas[2:],
        members=viewers,
        lead=viewers[0] if viewers else None,
    )
    for index, area in enumerate(areas):
        members = (visiting + viewers) if index == 0 else (viewers if index == 1 else visiting)
        create_team(
            actor=None,
            name=f"{area.name} neighbourhood team",
            kind=TeamKind.NEIGHBOURHOOD,
            areas=[area],
            members=members,
            lead=members[0] if members else None,
        )
    scope = NARROW_SCOPE if force.slug in NARROW_SCOPE_FORCES else DEFAULT_PLAN_SCOPE
    update_practice_settings(actor=None, plan_scope=dict(scope))
