"""In a real Chromium (issue 9): personal data stays inside the marking, every role's home says what
it can do, duplicates are named before they are recorded, tables scroll on a phone, erasure.

Every page visited passes axe-core with no violation of any impact, at desktop width and at 375 px.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.roles import ForceRole
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import record_subject, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NAMES = ("HARTLEY", "Hartley", "Dominic")


def clean(page: Any, name: str) -> None:
    """axe-core reports nothing at all, at the page's size and again at 375 px wide."""
    size = page.viewport_size
    for width in (size["width"], 375):
        page.set_viewport_size({"width": width, "height": size["height"]})
        violations = check_accessibility(page, f"{name}-{width}")
        assert violations == [], f"{name} at {width}px: " + "; ".join(
            f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}" for v in violations
        )
    page.set_viewport_size(size)


def no_name_outside_the_marking(page: Any) -> None:
    """No subject's name in the title or the URL; a page that shows one carries the marking."""
    title = page.title()
    assert not any(n in title for n in NAMES), title
    assert not any(n.lower() in page.url.lower() for n in NAMES), page.url
    if any(n in page.inner_text("main") for n in NAMES):
        assert page.get_by_test_id("marking").inner_text() == "OFFICIAL-SENSITIVE", page.url


def test_recording_and_searching_keep_the_name_inside_the_marking(page, site: Site, committed_forces):
    lincs, _notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="rec@lincs.test")
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, "/subjects/new/"))
    page.get_by_label("Given names").fill("Dominic James")
    page.get_by_label("Family name").fill("Hartley")
    page.get_by_role("group", name="Date of birth").get_by_label("Day").fill("12")
    page.get_by_role("group", name="Date of birth").get_by_label("Month").fill("3")
    page.get_by_role("group", name="Date of birth").get_by_label("Year").fill("1984")
    page.get_by_role("button", name="Record subject").click()
    page.wait_for_url(re.compile(r".*/subjects/[0-9a-f-]{36}/$"))
    # Straight to the case file: the creation is the reason; the name only under the marking.
    assert page.get_by_test_id("reason-form").count() == 0
    assert page.get_by_test_id("subject-name").inner_text() == "HARTLEY, Dominic James"
    no_name_outside_the_marking(page)
    clean(page, "case-file-after-recording")
    page.get_by_test_id("change-subject").click()
    no_name_outside_the_marking(page)
    clean(page, "edit-subject")

    page.goto(site.force(lincs, "/subjects/"))
    page.get_by_label(re.compile("Search by name")).fill("hartley")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*/subjects/\?search=.+"))
    assert "HARTLEY, Dominic James" in page.get_by_test_id("subject-table").inner_text()
    no_name_outside_the_marking(page)
    assert "hartley" not in page.title().lower()
    clean(page, "search-results")
    # The browser's history holds only opaque keys.
    history = page.evaluate("performance.getEntriesByType('navigation').map(e => e.name)")
    assert not any("hartley" in url.lower() for url in history)


def test_reason_page_is_marked(page, site: Site, committed_forces):
    lincs, _notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="why@lincs.test")
    subject = record_subject(lincs, None, family_name="Hartley", given_names="Dominic")
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, f"/subjects/{subject.uuid}/"))
    assert page.get_by_test_id("reason-form").count() == 1
    assert page.get_by_test_id("marking").inner_text() == "OFFICIAL-SENSITIVE"
    no_name_outside_the_marking(page)
    clean(page, "reason-page")


def _walk_home(page: Any, site: Site, who: str) -> list[str]:
    """The home is not empty; every link in it answers; each page it leads to is clean."""
    cards = page.get_by_test_id("home-cards")
    assert cards.count() == 1 and cards.inner_text().strip(), f"{who}: empty home"
    no_name_outside_the_marking(page)
    clean(page, f"home-{who}")
    home = page.url
    links = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
    for url in dict.fromkeys(links):
        assert page.goto(url).status < 400, f"{who}: dead link {url}"
        if "/admin/" in url:
            continue  # Django's own admin pages are not the service's design
        no_name_outside_the_marking(page)
        clean(page, f"{who}-{url.rstrip('/').rsplit('/', 1)[-1]}")
    page.goto(home)
    return links


@pytest.mark.parametrize("role", list(ForceRole))
def test_every_force_role_has_a_home_that_says_what_it_can_do(page, site: Site, committed_forces, role):
    lincs, _notts = committed_forces
    record_subject(lincs, None, family_name="Hartley", given_names="Dominic")
    user = make_user(force=lincs, roles=[role], email=f"{role}@lincs.test")
    sign_in(page, site, user.email, check=False)
    assert page.url == site.force(lincs, "/")
    assert ForceRole(role).label in page.get_by_test_id("my-roles").inner_text()
    _walk_home(page, site, str(role))


@pytest.mark.parametrize("kind", ["regional-admin", "regional-analyst", "platform-admin"])
def test_every_regional_role_has_a_home_that_says_what_it_can_do(page, site: Site, committed_forces, kind):
    from core.roles import RegionalRoleKind
    from tenants.models import Region

    region = None if kind == "platform-admin" else Region.objects.get(slug="east-midlands")
    user = make_user(regional=(kind, region), email=f"{kind}@region.test")
    sign_in(page, site, user.email, check=False)
    assert page.url == site.regional("/")
    assert RegionalRoleKind(kind).label in page.get_by_test_id("my-regional-roles").inner_text()
    links = _walk_home(page, site, kind)
    if kind == "regional-analyst":
        # nothing to link to yet but one's own account (two-factor), and it says so
        assert [link for link in links if "/account/" not in link] == []
        assert "not on the platform yet" in page.get_by_test_id("home-regional-analysis").inner_text()


def test_recording_someone_already_held_warns_naming_the_match(page, site: Site, committed_forces):
    import datetime as dt

    lincs, _notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="dup@lincs.test")
    record_subject(
        lincs, None, family_name="Hartley", given_names="Dominic James", date_of_birth=dt.date(1984, 3, 12)
    )
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, "/subjects/new/"))
    page.get_by_label("Given names").fill("Dominic James")
    page.get_by_label("Family name").fill("HARTLEY")
    page.get_by_role("group", name="Date of birth").get_by_label("Day").fill("12")
    page.get_by_role("group", name="Date of birth").get_by_label("Month").fill("3")
    page.get_by_role("group", name="Date of birth").get_by_label("Year").fill("1984")
    page.get_by_role("button", name="Record subject").click()
    assert "already recorded" in page.get_by_test_id("possible-duplicate").inner_text()
    assert (
        "HARTLEY, Dominic James, born 12 March 1984" in page.get_by_test_id("duplicate-matches").inner_text()
    )
    no_name_outside_the_marking(page)
    clean(page, "possible-duplicate")
    page.get_by_test_id("confirm-new").click()
    page.wait_for_url(re.compile(r".*/subjects/[0-9a-f-]{36}/$"))
    assert page.get_by_test_id("subject-name").inner_text() == "HARTLEY, Dominic James"


def test_tables_scroll_in_their_own_region_on_a_phone(page, site: Site, committed_forces):
    """Issue 9, item 7: at 375 px no table pushes the page sideways; records show short references."""
    from organisation.services import create_team

    lincs, _notts = committed_forces
    admin = make_user(force=lincs, roles=[ForceRole.FORCE_ADMIN], email="admin375@lincs.test")
    auditor = make_user(force=lincs, roles=[ForceRole.AUDITOR], email="audit375@lincs.test")
    for n in range(3):
        make_user(
            force=lincs,
            roles=[ForceRole.OFFICER],
            email=f"a-rather-long-address-{n}@lincolnshire.police.test",
        )
    from django_tenants.utils import schema_context

    with schema_context(lincs.schema_name):
        create_team(actor=None, name="Lincoln North neighbourhood team", kind="neighbourhood")
    for n in range(5):
        record_subject(lincs, auditor, family_name=f"Tabular{n}", given_names="Tess")
    page.set_viewport_size({"width": 375, "height": 800})

    def fits(name: str) -> None:
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376"
            " && !e.closest('[role=region]')).map(e => e.tagName + '.' + e.className).slice(0, 8)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, (name, wide)
        for table in page.locator("main table").all():
            assert table.evaluate("t => t.closest('[role=region]') !== null"), name
        clean(page, name)

    sign_in(page, site, admin.email, check=False)
    for path in (
        "/force-admin/people/",
        "/force-admin/teams/",
        "/force-admin/areas/",
        "/force-admin/order-types/",
    ):
        page.goto(site.force(lincs, path))
        fits(path.strip("/").replace("/", "-"))
    page.context.clear_cookies()
    sign_in(page, site, auditor.email, check=False)
    page.goto(site.force(lincs, "/audit/?object_type=subject"))
    refs = page.get_by_test_id("record-ref")
    assert refs.count() >= 5
    texts = refs.all_inner_texts()
    assert all(len(text.strip()) == 8 for text in texts), texts
    assert len(refs.first.get_attribute("title")) == 36  # the full UUID on demand
    fits("audit-results")


def test_a_coordinator_erases_a_subject_in_the_browser(page, site: Site, committed_forces):
    """Issue 9, item 10: from the case file, a confirmation page with the reason."""
    lincs, _notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="eraser@lincs.test")
    subject = record_subject(lincs, coordinator, family_name="Hartley", given_names="Dominic")
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, f"/subjects/{subject.uuid}/"))
    page.get_by_label("Why do you need to open this case file?").fill("Erasure request 77")
    page.get_by_role("button", name="Open the case file").click()
    page.get_by_test_id("erase-subject").click()
    assert (
        "Are you sure you want to erase HARTLEY, Dominic?"
        in page.get_by_test_id("erase-heading").inner_text()
    )
    no_name_outside_the_marking(page)
    clean(page, "erase-confirm")
    page.get_by_test_id("confirm-erase").click()
    assert "Enter your reason for erasing this record" in page.locator(".govuk-error-summary").inner_text()
    clean(page, "erase-error")
    page.get_by_label("Why are you erasing this record?").fill("Recorded in error")
    page.get_by_test_id("confirm-erase").click()
    page.wait_for_url(site.force(lincs, "/subjects/"))
    assert "has been erased" in page.locator(".govuk-notification-banner").inner_text()
    assert page.goto(site.force(lincs, f"/subjects/{subject.uuid}/")).status == 404


def test_the_regional_administrator_follows_up_a_force_on_the_regional_host(
    page, site: Site, committed_forces
):
    """Issue 9, item 3: no link that answers 404; a page per force with a new invitation."""
    from core.roles import RegionalRoleKind
    from tenants.models import Region
    from tenants.people import invite_member

    lincs, _notts = committed_forces
    invite_member(actor=None, force=lincs, email="waiting.admin@lincs.test", roles=[ForceRole.FORCE_ADMIN])
    admin = make_user(
        regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug="east-midlands")),
        email="ra@em.test",
    )
    sign_in(page, site, admin.email, check=False)
    page.goto(site.regional("/region/forces/"))
    page.get_by_role("link", name="Lincolnshire Police").click()
    page.wait_for_url(site.regional(f"/region/forces/{lincs.slug}/"))
    assert "waiting.admin@lincs.test" in page.get_by_test_id("force-admins").inner_text()
    clean(page, "region-force")
    page.get_by_test_id("reissue-1").click()
    assert "emailed a new invitation" in page.locator(".govuk-notification-banner").inner_text()
    clean(page, "region-force-reissued")
