"""The plan pages: drafting over sittings, a stale save, submit, approve (not one's own), compare,
exports (reason asked, disclosure logged), refusals; nothing of one force in the other."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from core.reasons import SESSION_KEY
from core.roles import ForceRole
from plans.models import Plan, PlanVersion
from tests.api.base import events_since, last_event_id, session_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_term
from tests.plans.helpers import active, officer, submitted, supervisor

pytestmark = pytest.mark.django_db
REASON = "Reviewing the plan"


def _client(user, force, subject):  # type: ignore[no-untyped-def]
    client = session_client(user, force)
    session = client.session
    session[SESSION_KEY] = {f"{force.slug}:subject:{subject.uuid}": REASON}
    session.save()
    return client


def _base(subject) -> str:  # type: ignore[no-untyped-def]
    return f"/subjects/{subject.uuid}/plan/"


def test_an_officer_drafts_over_two_sittings_a_stale_save_names_the_field_and_submits(force_a):
    subject = make_subject(force_a)
    make_term(force_a, make_order(force_a, subject=subject))
    author = officer(force_a)
    client = _client(author, force_a, subject)
    assert client.get(_base(subject)).status_code == 200
    started = client.post(f"{_base(subject)}draft/")
    assert started.status_code == 302 and started["Location"].endswith("/parts/offending/")
    part_1 = started["Location"]
    page = client.get(part_1)
    assert page.status_code == 200 and b"OFFICIAL-SENSITIVE" in page.content
    revision = page.context["form"].initial["revision"]
    saved = client.post(
        part_1, {"revision": revision, "offending_summary": "Followed her home.", "safeguarding_options": ""}
    )
    assert saved.status_code == 302
    # A colleague's page, opened before that save, is now stale: refused naming the field changed.
    stale = client.post(
        part_1, {"revision": revision, "offending_summary": "Other words", "safeguarding_options": "x"}
    )
    assert stale.status_code == 409 and b"offending summary" in stale.content
    # Second sitting: Part 3, with an option not in the list refused, then a good one.
    part_3 = part_1.replace("/offending/", "/risk/")
    revision = client.get(part_3).context["form"].initial["revision"]
    bad = client.post(
        part_3, {"revision": revision, "risk_level": "high", "pillar_supervision": ["Ducking stool"]}
    )
    assert bad.status_code == 400 and b"Choose tactical options from the force" in bad.content
    # The error summary's link lands on the group's first box (an id that exists on the page).
    assert b'href="#id_pillar_supervision"' in bad.content and b'id="id_pillar_supervision"' in bad.content
    good = client.post(
        part_3,
        {
            "revision": revision,
            "risk_level": "high",
            "pillar_supervision": ["Home visit (unannounced)"],
            "on_contact": "Arrest.",
        },
    )
    assert good.status_code == 302, good.content
    with schema_context(force_a.schema_name):
        version = PlanVersion.objects.get(plan__subject__uuid=subject.uuid)
        assert version.risk_level == "high" and version.offending_summary == "Followed her home."
        assert [t.option for t in version.tactical_options.all()] == ["Home visit (unannounced)"]
    connection.set_schema_to_public()
    submitted_ = client.post(
        f"{_base(subject)}versions/{version.uuid}/submit/", {"revision": version.revision}
    )
    assert submitted_.status_code == 302
    with schema_context(force_a.schema_name):
        assert PlanVersion.objects.get(pk=version.pk).status == "submitted"
    connection.set_schema_to_public()


def test_submitting_an_empty_draft_names_the_parts(force_a):
    subject = make_subject(force_a)
    client = _client(officer(force_a), force_a, subject)
    client.post(f"{_base(subject)}draft/")
    with schema_context(force_a.schema_name):
        version = PlanVersion.objects.get(plan__subject__uuid=subject.uuid)
    connection.set_schema_to_public()
    response = client.post(f"{_base(subject)}versions/{version.uuid}/submit/", {"revision": version.revision})
    assert response.status_code == 400
    assert b"Part 1 is not complete" in response.content and b"Part 3 is not complete" in response.content


def test_a_supervisor_compares_and_approves_but_not_their_own(force_a):
    first = active(force_a)
    with schema_context(force_a.schema_name):
        subject = Plan.objects.get(pk=first.plan_id).subject
    connection.set_schema_to_public()
    second = submitted(force_a, subject=subject, with_order=False)
    assert second.number == 2
    boss = supervisor(force_a)
    client = _client(boss, force_a, subject)
    compare = client.get(f"{_base(subject)}compare/")
    assert compare.status_code == 200 and compare.context["older"].number == 1
    before = last_event_id(force_a)
    approved = client.post(f"{_base(subject)}versions/{second.uuid}/approve/", {"revision": second.revision})
    assert approved.status_code == 302
    # The old version superseded, the new one approved; the plan (active, same risk, same review
    # date) did not change, so it has no event.
    assert [e.action for e in events_since(force_a, before)].count(AuditAction.ALTER) == 2
    # The author, even holding the supervisor's role, is refused (403), and it is logged.
    third = submitted(force_a, subject=subject, with_order=False, author=boss)
    before = last_event_id(force_a)
    own = client.post(f"{_base(subject)}versions/{third.uuid}/approve/", {"revision": third.revision})
    assert own.status_code == 403 and b"you wrote or edited" in own.content.lower()
    assert AuditAction.PERMISSION_DENIED in [e.action for e in events_since(force_a, before)]


def test_exports_ask_the_reason_and_log_a_disclosure_to_niche(force_a):
    version = active(force_a)
    with schema_context(force_a.schema_name):
        subject = Plan.objects.get(pk=version.plan_id).subject
    connection.set_schema_to_public()
    url = f"{_base(subject)}versions/{version.uuid}/export.pdf"
    no_reason = session_client(supervisor(force_a), force_a).get(url)
    assert no_reason.status_code == 200 and b"reason" in no_reason.content.lower()  # the reason form
    client = _client(supervisor(force_a), force_a, subject)
    before = last_event_id(force_a)
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="plan-version-{version.uuid}.pdf"'
    disclosed = [e for e in events_since(force_a, before) if e.action == AuditAction.DISCLOSE]
    assert [(e.recipient, e.justification) for e in disclosed] == [("Niche upload", f"{REASON} (PDF export)")]
    assert client.get(url.replace(".pdf", ".json")).status_code == 200


def test_roles_without_the_permission_and_other_forces_are_refused(force_a, force_b):
    version = submitted(force_a)
    with schema_context(force_a.schema_name):
        subject = Plan.objects.get(pk=version.plan_id).subject
    connection.set_schema_to_public()
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    assert _client(viewer, force_a, subject).get(_base(subject)).status_code == 403
    author = officer(force_a)
    assert (
        _client(author, force_a, subject)
        .post(f"{_base(subject)}versions/{version.uuid}/approve/")
        .status_code
        == 403
    )
    outsider = make_user(force=force_b, roles=[ForceRole.SUPERVISOR])
    assert _client(outsider, force_b, subject).get(_base(subject)).status_code == 404
    assert (
        _client(outsider, force_b, subject).get(f"{_base(subject)}versions/{version.uuid}/").status_code
        == 404
    )


def test_briefings_list_and_print_without_protected_persons_or_part_4_one_event_per_page(force_a, force_b):
    from organisation.models import Area

    with schema_context(force_a.schema_name):
        north = Area.objects.create(name="North", code="N")
        south = Area.objects.create(name="South", code="S")
    connection.set_schema_to_public()
    in_north = active(force_a, subject=make_subject(force_a, area_id=north.pk))
    active(force_a, subject=make_subject(force_a, area_id=south.pk))
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    client = session_client(viewer, force_a)
    before = last_event_id(force_a)
    page = client.get("/briefings/")
    assert page.status_code == 200 and len(page.context["briefings"]) == 2
    events = events_since(force_a, before)
    assert [(e.action, e.object_type, len(e.object_ids)) for e in events] == [
        (AuditAction.CONSULT, "briefing", 2)
    ]
    north_only = client.get("/briefings/", {"area": str(north.uuid)})
    assert [b["plan"] for b in north_only.context["briefings"]] == [str(in_north.plan.uuid)]
    detail = client.get(f"/briefings/{in_north.plan.uuid}/")
    text = detail.content.decode()
    assert detail.status_code == 200 and "OFFICIAL-SENSITIVE" in text
    title = text.split("<title>")[1].split("</title>")[0]
    assert "Surname" not in title and "Given" not in title
    assert "Arrest for breach" in text and "Not to contact the victim." in text
    for secret in ("Vicky Victim", "Serious harm", "Pat Partner", "Followed the victim home"):
        assert secret not in text and secret not in page.content.decode()
    # Another force's reader sees none of them.
    other = session_client(make_user(force=force_b, roles=[ForceRole.VIEWER]), force_b)
    assert other.get("/briefings/").context["briefings"] == []
    assert other.get(f"/briefings/{in_north.plan.uuid}/").status_code == 404


def test_a_page_of_50_briefings_costs_the_queries_of_a_page_of_5(force_a):
    from django.test.utils import CaptureQueriesContext

    for _ in range(6):
        active(force_a)
    client = session_client(make_user(force=force_a, roles=[ForceRole.VIEWER]), force_a)
    client.get("/briefings/")
    counts = []
    for size in (2, 6):
        from plans import views

        views.BriefingListView.paginate_by = size
        try:
            with CaptureQueriesContext(connection) as ctx:
                assert len(client.get("/briefings/").context["briefings"]) == size
        finally:
            views.BriefingListView.paginate_by = 25
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
