"""The interactive API docs in a real Chromium: they render offline, under the real CSP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from core.roles import ForceRole
from tests.e2e.conftest import browser, page, site  # noqa: F401  (fixtures shared with the e2e tests)
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_docs_render_from_local_assets_without_csp_violations(page, site, committed_forces):  # noqa: F811
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.OFFICER], email="docs-reader@lincs.test")
    page.goto(site.regional("/sign-in/"))
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(site.force(lincs, "/api/v1/docs/"))
    page.locator(".opblock-summary-path", has_text="/api/v1/subjects/{uuid}/").first.wait_for()
    # The reason header is offered on the case-file read.
    page.locator(".opblock-get .opblock-summary-path", has_text="/api/v1/subjects/{uuid}/").first.click()
    page.get_by_text("X-Access-Reason").first.wait_for()
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts == {f"{lincs.slug}.spmp.localhost"}, requested
    assert page.problems.csp_violations == []
    assert page.problems.page_errors == [] and page.problems.failed_requests == []
