"""Serve the demo: a Celery worker with beat in the background, gunicorn in front (as in production)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the demo platform on http://<SPMP_DOMAIN>:PORT with a Celery worker and beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true", help="Serve pages only")

    def handle(self, *args: Any, **opts: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("run_demo is for demonstrations; production runs gunicorn, a worker and beat.")
        port = str(opts["port"])
        worker = None
        if not opts["no_worker"]:
            # One process runs the worker and the beat scheduler; the broker is kombu's filesystem
            # transport under .data/broker unless CELERY_BROKER_URL names a server.
            worker = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "spmp_platform",
                    "worker",
                    "--beat",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                ],
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "spmp_platform.settings"},
            )
        domain = settings.SPMP_DOMAIN
        self.stdout.write(self.style.SUCCESS(f"\nSPMP demo: http://{domain}:{port}/  (Ctrl-C to stop)"))
        self.stdout.write(f"  Lincolnshire: http://lincolnshire.{domain}:{port}/")
        self.stdout.write(f"  Password for every demo user: {settings.DEMO_PASSWORD}")
        self.stdout.write("  e.g. regional-admin@east-midlands.example, coordinator@lincolnshire.example\n")
        # Served as production is (spmp_platform/gunicorn_conf.py): fixed processes and threads, so
        # the demo holds a bounded number of database connections however hard it is pushed.
        web = subprocess.Popen(web_command(f"127.0.0.1:{port}"))  # noqa: S603
        # Ctrl-C, or SIGTERM from `docker stop`, a test or a supervisor: stop both children cleanly
        # (SIGINT is set explicitly: a shell that starts us in the background ignores it).
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            # A second Ctrl-C must not abandon the children half-stopped; _stop insists by itself.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for child in (web, worker):
                _stop(child)
        if settings.EMBEDDED_DATABASE:
            # tenants may not import spmp_platform (the import contracts): `make stop` stops it.
            self.stdout.write(
                "The embedded PostgreSQL is still running for the next start; `make stop` stops it."
            )
        if web.returncode not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"The web server stopped with exit status {web.returncode}.")


def web_command(bind: str) -> list[str]:
    """The gunicorn command line of the demo (production's differs only in its bind address)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:spmp_platform.gunicorn_conf",
        "--bind",
        bind,
        "spmp_platform.wsgi:application",
    ]


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _stop(child: subprocess.Popen[bytes] | None) -> None:
    """Ask a child to stop (gunicorn finishes requests in flight), then insist."""
    if child is None or child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
