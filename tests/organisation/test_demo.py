"""The demo organisation: areas, one unit, two response and three neighbourhood teams, plan scope."""

from __future__ import annotations

from collections import Counter

from django_tenants.utils import schema_context

from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.demo import seed_force_organisation
from organisation.models import Area, PlanScopeRule, Team, TeamMember
from tenants.models import Membership
from tests.factories import make_user


def _demo_users(force):  # type: ignore[no-untyped-def]
    for role in ForceRole:
        user = make_user(force=force, roles=[role], email=f"{role.value}@{force.slug}.example")
        user.is_demo = True
        user.save(update_fields=["is_demo"])


def test_seed_force_organisation(force_a, force_b):  # type: ignore[no-untyped-def]
    for force in (force_a, force_b):
        _demo_users(force)
        with schema_context(force.schema_name):
            seed_force_organisation(force)
            seed_force_organisation(force)  # a rerun changes nothing
            kinds = Counter(Team.objects.values_list("kind", flat=True))
            assert kinds == {
                TeamKind.ANCILLARY_ORDER_UNIT: 1,
                TeamKind.RESPONSE: 2,
                TeamKind.NEIGHBOURHOOD: 3,
            }
            assert Area.objects.count() == 3
            assert all(t.team_members.exists() for t in Team.objects.all())
            member_ids = set(TeamMember.objects.values_list("user_id", flat=True))
            assert member_ids <= set(Membership.objects.filter(force=force).values_list("user_id", flat=True))
            scope = {(r.order_type_code, r.subject_condition) for r in PlanScopeRule.objects.all()}
        if force.slug == "lincolnshire":
            assert scope == {("SPO", "registered-sex-offenders")}
        else:
            assert scope == {("SPO", "every-subject"), ("ISPO", "every-subject")}
