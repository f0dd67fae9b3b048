"""Onboard every force of a region (or of every region) from the shipped reference list."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.services import onboard_forces, reference_forces, reference_regions


def _tick(bar: tqdm, label: str) -> None:  # type: ignore[type-arg]
    bar.set_postfix_str(label)
    bar.update(1)


class Command(BaseCommand):
    help = "Onboard the forces of a region listed in tenants/data/forces.csv; --all for every region."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("region", nargs="?", help="Region slug, e.g. east-midlands")
        parser.add_argument("--all", action="store_true", help="Onboard every region's forces")
        parser.add_argument(
            "--admin-email-pattern",
            default="force-admin@{slug}.example",
            help="First administrator's address for each force; {slug} is replaced.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        regions = reference_regions()
        if opts["all"]:
            wanted = reference_forces()
        elif opts["region"]:
            if opts["region"] not in regions:
                raise CommandError(f"Unknown region '{opts['region']}'. Known: {', '.join(sorted(regions))}.")
            wanted = [f for f in reference_forces() if f.region_slug == opts["region"]]
        else:
            raise CommandError("Name a region (e.g. east-midlands) or pass --all.")
        started = time.perf_counter()
        bar = tqdm(
            total=len(wanted),
            unit="force",
            disable=opts["no_progress"],
            desc="Onboarding",
            file=self.stderr._out,
        )
        pattern = opts["admin_email_pattern"]
        try:
            results = onboard_forces(
                wanted,
                admin_email_for=lambda ref: pattern.format(slug=ref.slug),
                progress=lambda ref: _tick(bar, ref.slug),
            )
        finally:
            bar.close()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Onboarded {len(results)} new force(s) of {len(wanted)} in {elapsed:.1f}s "
                f"({len(wanted) - len(results)} already present)."
            )
        )
