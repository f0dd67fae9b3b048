"""``manage.py generate_load_data --forces N --subjects-per-force M [--seed S]``: national load data.

A thin command over ``bench/data.py`` (it lives in ``api``, the app that may import every other).
It runs only in the benchmark scratch database (``make bench`` creates it) and never in production.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


class Command(BaseCommand):
    help = "Onboard the first N reference forces and fill each with M subjects (benchmark scratch database only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--forces", type=_count, required=True, help="1 to 43, in tenants/data/forces.csv order"
        )
        parser.add_argument("--subjects-per-force", type=_count, required=True, help="0 or more")
        parser.add_argument("--seed", type=_count, default=1, help="the same seed gives the same data")

    def handle(self, *args: Any, **options: Any) -> None:
        from bench import data, scratch

        try:
            data.check_sizes(options["forces"], options["subjects_per_force"])
            scratch.require_scratch_connection()
        except (data.BadLoadSize, scratch.Refused) as exc:
            raise CommandError(str(exc)) from None
        totals = data.generate(
            forces=options["forces"],
            subjects_per_force=options["subjects_per_force"],
            seed=options["seed"],
            progress=options.get("verbosity", 1) > 0,
        )
        self.stdout.write(", ".join(f"{rows} {name} rows" for name, rows in totals.items()))
