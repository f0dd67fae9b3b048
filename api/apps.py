"""The REST API (DRF) under /api/v1/ on every host; it calls the same services as the web UI."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI extension for bearer tokens)
