"""Risks to protected persons in the plan: a link to ``orders.ProtectedPerson`` (never a name in
clear), of the same subject only, read by those who may view the subject's protected persons
(its managing team, or ``VIEW_ANY_PROTECTED_PERSON``); anyone else is told a risk is recorded,
and their saves keep it as it is. Briefings never hold any of it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from plans import services
from plans.choices import PlanPart
from plans.errors import PlanError
from plans.models import Plan, PlanVersion, PlanVictimRisk
from tests.api.base import session_client, token_client
from tests.factories import make_subject
from tests.orders.helpers import make_protected_person
from tests.plans.helpers import VICTIM, VICTIM_RISK, active, draft, officer, supervisor

pytestmark = pytest.mark.django_db
REASON = "Reviewing the plan"


def _client(user, force, subject):  # type: ignore[no-untyped-def]
    from core.reasons import SESSION_KEY

    client = session_client(user, force)
    session = client.session
    session[SESSION_KEY] = {f"{force.slug}:subject:{subject.uuid}": REASON}
    session.save()
    return client


def _save_risks(force, actor, version, rows):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        version = PlanVersion.objects.get(pk=version.pk)
        try:
            return services.save_part(
                actor=actor,
                version=version,
                part=PlanPart.RISK,
                data={"victim_risks": rows},
                revision=version.revision,
            )
        finally:
            connection.set_schema_to_public()


def test_the_risk_links_the_person_and_holds_no_name_in_clear(force_a):
    version = draft(force_a)
    with schema_context(force_a.schema_name):
        row = PlanVictimRisk.objects.select_related("protected_person").get(version_id=version.pk)
        assert row.protected_person.name == VICTIM and row.risk == VICTIM_RISK
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM plans_planvictimrisk")
            stored = repr(cursor.fetchall())
            cursor.execute("SELECT name FROM orders_protectedperson")
            encrypted = repr(cursor.fetchall())
    connection.set_schema_to_public()
    assert VICTIM not in stored and VICTIM not in encrypted


def test_another_subjects_or_forces_person_is_a_field_error_and_nothing_is_saved(force_a, force_b):
    version = draft(force_a)
    with schema_context(force_a.schema_name):
        author = PlanVersion.objects.get(pk=version.pk).author
    connection.set_schema_to_public()
    elsewhere = make_protected_person(force_a, subject=make_subject(force_a))
    other_force = make_protected_person(force_b)
    for person in (elsewhere, other_force):
        with pytest.raises(ValidationError) as exc:
            _save_risks(force_a, author, version, [{"protected_person": str(person.uuid), "risk": "Harm"}])
        assert exc.value.error_dict["victim_risks"][0].code == PlanError.UNKNOWN_PROTECTED_PERSON
    with schema_context(force_a.schema_name):
        assert [r.risk for r in PlanVictimRisk.objects.filter(version_id=version.pk)] == [VICTIM_RISK]
    connection.set_schema_to_public()


def test_an_officer_outside_the_team_sees_that_a_risk_is_recorded_and_keeps_it_when_saving(force_a):
    version = draft(force_a)
    outsider = officer(force_a)  # VIEW_PLAN and CHANGE_PLAN, but not in the subject's managing team
    with schema_context(force_a.schema_name):
        version = PlanVersion.objects.with_parts().get(pk=version.pk)
        assert services.victim_risks_shown(version, outsider) == [{"withheld": True}]
        person = version.victim_risks.get().protected_person
    connection.set_schema_to_public()
    # Writing back what they were shown, and nothing else, keeps the risk; naming the person is refused.
    _save_risks(force_a, outsider, version, [{"withheld": True}])
    with pytest.raises(ValidationError) as exc:
        _save_risks(force_a, outsider, version, [{"protected_person": str(person.uuid), "risk": "Less"}])
    assert exc.value.error_dict["victim_risks"][0].code == PlanError.UNKNOWN_PROTECTED_PERSON
    with schema_context(force_a.schema_name):
        assert [r.risk for r in PlanVictimRisk.objects.filter(version_id=version.pk)] == [VICTIM_RISK]
    connection.set_schema_to_public()


def test_pages_compare_exports_and_api_show_the_person_only_to_those_who_may_view_them(force_a):
    version = active(force_a)
    with schema_context(force_a.schema_name):
        plan = Plan.objects.select_related("subject").get(pk=version.plan_id)
        subject = plan.subject
        # A second version, so compare has two to show.
        author = PlanVersion.objects.get(pk=version.pk).author
        second = services.start_draft(actor=author, subject=subject)
    connection.set_schema_to_public()
    base = f"/subjects/{subject.uuid}/plan/"
    outsider, boss = officer(force_a), supervisor(force_a)  # the supervisor holds VIEW_ANY_PROTECTED_PERSON
    for user, sees in ((author, True), (boss, True), (outsider, False)):
        client = _client(user, force_a, subject)
        texts = [
            client.get(f"{base}versions/{version.uuid}/").content.decode(),
            client.get(f"{base}compare/", {"a": str(version.uuid), "b": str(second.uuid)}).content.decode(),
            client.get(f"{base}versions/{version.uuid}/export.json").content.decode(),
        ]
        api = token_client(user, force_a).get(
            f"/api/v1/plan-versions/{version.uuid}/", HTTP_X_ACCESS_REASON=REASON
        )
        assert api.status_code == 200
        rows = api.json()["victim_risks"]
        texts.append(str(rows))
        for text in texts:
            assert (VICTIM in text and VICTIM_RISK in text) is sees, (user, text[:200])
            if not sees:
                assert VICTIM not in text and VICTIM_RISK not in text
        if sees:
            assert rows[0]["risk"] == VICTIM_RISK and VICTIM in rows[0]["name"]
        else:
            assert rows == [{"withheld": True}]
        if not sees:
            assert "A risk to a protected person is recorded" in texts[0]


def test_the_risk_part_offers_one_box_per_person_the_user_may_view(force_a):
    version = draft(force_a)
    with schema_context(force_a.schema_name):
        version = PlanVersion.objects.select_related("plan__subject", "author").get(pk=version.pk)
    connection.set_schema_to_public()
    subject, author = version.plan.subject, version.author
    url = f"/subjects/{subject.uuid}/plan/versions/{version.uuid}/parts/risk/"
    page = _client(author, force_a, subject).get(url)
    assert page.status_code == 200 and f"Risk to {VICTIM}" in page.content.decode()
    form = page.context["form"]
    box = form.persons[0]
    assert form.initial[f"victim_risk_{box.uuid.hex}"] == VICTIM_RISK
    outsider_page = _client(officer(force_a), force_a, subject).get(url)
    text = outsider_page.content.decode()
    assert VICTIM not in text and VICTIM_RISK not in text and 'data-testid="withheld-risks"' in text


# -- erasing a protected person (core.signals.protected_person_erasing) ---------------------------


def _erase_person(force, version):  # type: ignore[no-untyped-def]
    from orders.models import ProtectedPerson
    from orders.services import remove_protected_person

    with schema_context(force.schema_name):
        person = ProtectedPerson.objects.get(plan_risks__version=version)
        remove_protected_person(actor=version.author, person=person, reason="Recorded in error")
    connection.set_schema_to_public()
    return person


def test_erasing_a_person_removes_their_risks_from_a_draft_logs_it_and_makes_open_pages_stale(
    force_a, force_b
):
    from audit.choices import AuditAction
    from tests.api.base import events_since, last_event_id

    version = draft(force_a)
    other = draft(force_b)
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)
    person = _erase_person(force_a, version)
    with schema_context(force_a.schema_name):
        fresh = PlanVersion.objects.get(pk=version.pk)
        assert not PlanVictimRisk.objects.filter(version=version).exists()
    connection.set_schema_to_public()
    assert fresh.revision == version.revision + 1
    events = events_since(force_a, before_a)
    assert (AuditAction.ERASE, "protected-person", [person.uuid]) in [
        (e.action, e.object_type, e.object_ids) for e in events
    ]
    altered = [e for e in events if e.object_type == "plan-version"]
    assert len(altered) == 1 and altered[0].action == AuditAction.ALTER
    assert altered[0].object_ids == [version.uuid] and "victim_risks" in altered[0].changed_fields
    assert VICTIM_RISK not in str(altered[0].changes) and VICTIM not in str(altered[0].changes)
    # A page opened before the erasure is refused as stale, naming the risks.
    from plans.errors import PlanConflict

    with schema_context(force_a.schema_name), pytest.raises(PlanConflict) as refused:
        services.save_part(
            actor=version.author,
            version=PlanVersion.objects.get(pk=version.pk),
            part=PlanPart.RISK,
            data={"risk_rationale": "Written on a page opened before."},
            revision=version.revision,
        )
    connection.set_schema_to_public()
    assert "risk" in str(refused.value).lower()
    assert events_since(force_b, before_b) == []
    with schema_context(force_b.schema_name):
        assert PlanVictimRisk.objects.filter(version=other).count() == 1
    connection.set_schema_to_public()


def test_erasing_a_person_removes_their_risk_even_from_an_approved_version_which_keeps_its_state(
    force_a,
):
    version = active(force_a)
    _erase_person(force_a, version)
    with schema_context(force_a.schema_name):
        fresh = PlanVersion.objects.get(pk=version.pk)
        assert not PlanVictimRisk.objects.filter(version=version).exists()
    connection.set_schema_to_public()
    assert (fresh.status, fresh.revision, fresh.number) == (version.status, version.revision, version.number)
