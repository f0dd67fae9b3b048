"""gunicorn's configuration, the same for `make demo` (run_demo) and production (the Helm chart).

    gunicorn -c python:spmp_platform.gunicorn_conf --bind 0.0.0.0:8000 spmp_platform.wsgi:application

A fixed number of processes (``WEB_WORKERS``), each with a fixed pool of threads (``WEB_THREADS``):
a thread keeps at most one database connection open (``CONN_MAX_AGE``), so a web server holds at
most WEB_WORKERS x WEB_THREADS connections whatever the load; more requests queue instead of
opening connections until PostgreSQL refuses them. The values are read in settings.py, like every
other part of the environment.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")

from django.conf import settings

workers = settings.WEB_WORKERS
threads = settings.WEB_THREADS
worker_class = "gthread"
# Load Django once in the master and fork: faster start, shared memory, and a broken
# configuration fails before any worker starts.
preload_app = True
# A request stuck longer than this is killed and the worker replaced (its connections with it).
timeout = 60
graceful_timeout = 10
# Idle keep-alive connections are closed by the side in front (the ingress, the browser), not here:
# with gunicorn's default of 2 s, a request sent as the server closed its idle connection met a
# reset (issue 10's load test: 2 of 746 requests, POSTs, which no client retries). Longer than the
# ingress-nginx upstream keep-alive (60 s) so the proxy always closes first. gthread keeps idle
# connections in its poller, not in a thread, so they cost no capacity.
keepalive = 75
accesslog = "-"
# Requests waiting for a free thread; beyond this the kernel's listen queue takes over.
backlog = 256
# No control socket: its default path is per user, so two servers on one machine would share it.
control_socket_disable = True


def pre_fork(server: Any, worker: Any) -> None:
    """Never hand a database connection opened while preloading to the forked workers."""
    from django.db import connections

    connections.close_all()
