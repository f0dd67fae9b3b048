"""Logging filters: an expected refusal (403, 404) is one line in the log, not a traceback."""

from __future__ import annotations

import logging

EXPECTED_STATUSES = frozenset({401, 403, 404, 405})


class OneLineExpectedRefusals(logging.Filter):
    """Drop the traceback from ``django.request`` records of refusals the platform means to give.

    A member without the permission (403) or a non-member on a force's host (404) is the platform
    working; the refusal itself is in the force's audit log. A 500 keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) in EXPECTED_STATUSES:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
