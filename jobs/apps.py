from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Periodic jobs"

    def ready(self) -> None:
        from . import builtin  # noqa: F401  registers the platform's own jobs
