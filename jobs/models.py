"""Force-schema rows written by jobs (the run records themselves live in public: tenants.JobRun)."""

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """Written by the daily heartbeat job in the schema it ran in: proof the fan-out reached it."""

    day = models.DateField("day", unique=True)
    schema_name = models.CharField("schema", max_length=63)
    recorded_at = models.DateTimeField("recorded at", default=timezone.now)

    def __str__(self) -> str:
        return f"heartbeat {self.day} in {self.schema_name}"
