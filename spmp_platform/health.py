"""``/healthz`` and ``/readyz`` for the orchestrator's probes, answered before any tenant routing.

Why first in ``MIDDLEWARE``: a kubelet probes the pod's own address (``Host: 10.1.2.3:8000``), which
host routing would 404 and ``ALLOWED_HOSTS`` would refuse. These two paths never touch a force, read
no cookie and carry no personal data, so they are answered here whatever the host, and every other
request goes on down the stack unchanged.

- ``/healthz``: the process is alive and serving (no database: a database outage must not make the
  orchestrator restart every pod).
- ``/readyz``: the database, the Celery broker and the cache answer; 503 naming what did not, so
  the pod is taken out of the Service until it does.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
# Each dependency check gives up after this long, well inside a probe's default timeout.
CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    from django.core.cache import cache

    key = "spmp:readyz"
    cache.set(key, "1", timeout=30)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just stored")


def check_broker() -> None:
    from spmp_platform.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; each failure is named by its exception class only (no address or secret)."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            logger.warning("readyz: %s unreachable: %s", name, type(exc).__name__)
            results[name] = f"unreachable ({type(exc).__name__})"
        else:
            results[name] = f"ok ({(time.monotonic() - started) * 1000:.0f} ms)"
    return all(v.startswith("ok") for v in results.values()), results


def _json(status: int, body: dict[str, object]) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer the two probe paths for any Host; everything else passes through untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/") or "/"
        if path == HEALTH_PATH and request.method in {"GET", "HEAD"}:
            return _json(200, {"status": "ok"})
        if path == READY_PATH and request.method in {"GET", "HEAD"}:
            ready, checks = readiness()
            return _json(
                200 if ready else 503, {"status": "ok" if ready else "unavailable", "checks": checks}
            )
        return self.get_response(request)
