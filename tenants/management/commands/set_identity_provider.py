"""Give a force its single sign-on provider (OpenID Connect), or change or disable it: logged."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.sso import set_identity_provider


class Command(BaseCommand):
    help = (
        "Set a force's OpenID Connect provider: people whose email domain is listed sign in there. "
        "The client secret is read from the environment variable named by --secret-env, never stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", required=True, help="The force (slug)")
        parser.add_argument("--issuer", help="The provider's issuer URL")
        parser.add_argument("--client-id", help="This platform's client id at the provider")
        parser.add_argument("--secret-env", help="The name of the variable holding the client secret")
        parser.add_argument("--domains", help="Email domains, comma-separated")
        parser.add_argument("--disable", action="store_true", help="Turn the force's provider off")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            provider = set_identity_provider(
                force_slug=opts["force"],
                issuer=opts.get("issuer"),
                client_id=opts.get("client_id"),
                client_secret_env=opts.get("secret_env"),
                domains=[d.strip().lower() for d in (opts.get("domains") or "").split(",") if d.strip()]
                or None,
                enabled=not opts["disable"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        state = "on" if provider.enabled else "off"
        self.stdout.write(f"{opts['force']}: single sign-on {state} ({', '.join(provider.email_domains)})")
