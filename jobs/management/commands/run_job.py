"""Run a periodic job by hand for every force (or one), with a progress bar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from jobs.registry import all_jobs, forces_for_jobs, get_job, run_for_force


class Command(BaseCommand):
    help = "Run periodic job NAME now, in each force's schema; a second run for the same day does nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="Job name")
        parser.add_argument("--force", help="Only this force (slug)")
        parser.add_argument(
            "--date", help="Day to run for, YYYY-MM-DD (default: today in TIME_ZONE, as the beat fan-out)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            job = get_job(opts["name"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        try:
            day = dt.date.fromisoformat(opts["date"]) if opts["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not '{opts['date']}'.") from None
        if not job.per_force:
            job.func(force=None, day=day)
            self.stdout.write(self.style.SUCCESS(f"{job.name}: ran once for the platform."))
            return
        forces = forces_for_jobs()
        if opts["force"]:
            forces = [f for f in forces if f.slug == opts["force"]]
            if not forces:
                raise CommandError(f"No onboarded force with the slug '{opts['force']}'.")
        counts = {"ran": 0, "skipped": 0}
        for force in tqdm(
            forces, unit="force", desc=job.name, disable=opts["no_progress"], file=self.stderr._out
        ):
            counts[run_for_force(job.name, force, day)] += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"{job.name} for {day}: ran in {counts['ran']} force(s), "
                f"skipped {counts['skipped']} already done. Known jobs: {', '.join(sorted(all_jobs()))}."
            )
        )
