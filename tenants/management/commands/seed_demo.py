"""Seed the demo region (East Midlands) with demo users and fictional data; safe to rerun."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.demo import seed_demo
from tenants.management.commands.migrate_all import refuse_pre_restructure_database
from tenants.management.commands.onboard_region import _tick


class Command(BaseCommand):
    help = "Onboard the East Midlands forces and create demo users (one per role per force)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not list the sign-ins")

    def handle(self, *args: Any, **opts: Any) -> None:
        refuse_pre_restructure_database()
        bar = tqdm(total=10, unit="step", desc="Demo region", file=self.stderr._out)
        try:
            accounts = seed_demo(progress=lambda msg: _tick(bar, msg))
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        if not opts["quiet_accounts"]:
            self.stdout.write(f"Demo sign-ins (password: {settings.DEMO_PASSWORD}):")
            for account in accounts:
                key = f"  TOTP key {account.totp_secret}" if account.totp_secret else ""
                self.stdout.write(f"  {account.email:<48} {account.description}{key}")
