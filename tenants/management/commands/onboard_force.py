"""Onboard one force into a region."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import onboard_force


class Command(BaseCommand):
    help = "Onboard a force: schema (cloned from the template), host, first administrator, defaults."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--region", required=True, help="Region slug, e.g. east-midlands")
        parser.add_argument("--slug", required=True, help="Force slug, e.g. lincolnshire")
        parser.add_argument("--name", required=True, help='Force name, e.g. "Lincolnshire Police"')
        parser.add_argument("--admin-email", required=True, help="First force administrator")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = onboard_force(
                region_slug=opts["region"],
                slug=opts["slug"],
                name=opts["name"],
                admin_email=opts["admin_email"],
            )
        except ValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(f"Force not onboarded. {problems}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Onboarded {result.force.name} at {result.force.slug}.<domain> "
                f"(schema {result.force.schema_name})."
            )
        )
        # The link goes to the administrator only, by email, never to whoever runs this (issue 8).
        self.stdout.write(
            f"An invitation has been emailed to {result.admin_membership.user.email}; they become the "
            "force's administrator when they accept it."
        )
