"""The demo's log (issue 9, item 9): one line per expected 403/404; a 500 keeps its traceback."""

from __future__ import annotations

import io
import logging
import logging.config

import pytest
from django.conf import settings

from core.roles import ForceRole
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():  # type: ignore[no-untyped-def]
    """The project's console handler and filter, writing to a buffer."""
    stream = io.StringIO()
    config = settings.LOGGING
    handler = logging.StreamHandler(stream)
    for spec in config["handlers"]["console"].get("filters", []):
        factory = config["filters"][spec]["()"]
        module, name = factory.rsplit(".", 1)
        handler.addFilter(getattr(__import__(module, fromlist=[name]), name)())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_expected_refusals_are_one_line_each(force_a, force_b, client_for, console):  # type: ignore[no-untyped-def]
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    other = make_subject(force_b)
    client = client_for(viewer, force_a)
    assert client.get("/subjects/").status_code == 403
    assert client.get(f"/subjects/{other.uuid}/").status_code in (403, 404)
    assert client_for(viewer, force_b).get("/subjects/").status_code == 404
    lines = [line for line in console.getvalue().splitlines() if line.strip()]
    assert len(lines) == 3, lines
    assert "Traceback" not in console.getvalue()


def test_a_server_error_keeps_its_traceback(console):  # type: ignore[no-untyped-def]
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.error("Internal Server Error: /x", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in console.getvalue()
