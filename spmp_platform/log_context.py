"""Log records carry the request id and the force: a filter reading the request context.

Every record gets ``request_id`` (the id echoed as X-Request-ID, see ``core.request_context``) and
``force`` (the slug of the force whose schema the connection is on; ``platform`` on the regional
host; empty outside a request and outside a schema). With ``LOG_FORMAT=json`` they are keys of each
JSON line (python-json-logger), so a log store can gather one request's lines across pods.
"""

from __future__ import annotations

import logging

from core import request_context


def current_force_slug() -> str:
    try:
        from django.db import connection

        tenant = getattr(connection, "tenant", None)
    except Exception:  # settings not configured (a bare import of this module)
        return ""
    return str(getattr(tenant, "slug", "") or "")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = request_context.current()
        if not hasattr(record, "request_id"):
            record.request_id = str(ctx.request_id) if ctx is not None else ""
        if not hasattr(record, "force"):
            record.force = current_force_slug() if ctx is not None else ""
        return True
