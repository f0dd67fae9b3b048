"""Serve the demo: a Celery worker with beat in the background, the web server in front."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
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
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
