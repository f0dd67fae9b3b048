"""Job runs (public: one row per job, force and day) and the rows the heartbeat job writes (force schemas).

The jobs app is in both app lists: ``JobRun`` is read in public, ``Heartbeat`` in each force schema."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """Written by the daily heartbeat job in the schema it ran in: proof the fan-out reached it."""

    day = models.DateField("day", unique=True)
    schema_name = models.CharField("schema", max_length=63)
    recorded_at = models.DateTimeField("recorded at", default=timezone.now)

    def __str__(self) -> str:
        return f"heartbeat {self.day} in {self.schema_name}"


class JobRun(models.Model):
    """One run of a periodic job for one force and day; the unique key makes reruns no-ops."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    job = models.CharField("job", max_length=100)
    force = models.ForeignKey(settings.TENANT_MODEL, on_delete=models.CASCADE, related_name="job_runs")
    day = models.DateField("day")
    started_at = models.DateTimeField("started", default=timezone.now)
    finished_at = models.DateTimeField("finished", null=True, blank=True)
    outcome = models.CharField("outcome", max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    schema_seen = models.CharField(
        "schema seen",
        max_length=63,
        blank=True,
        help_text="The database schema the job actually ran in, recorded by the job itself.",
    )
    detail = models.TextField("detail", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "force", "day"], name="one_run_per_job_force_day"),
        ]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.idempotency_key} ({self.outcome})"

    @property
    def idempotency_key(self) -> str:
        return f"{self.job}:{self.force.slug}:{self.day.isoformat()}"
