"""Cross-force sharing (issue 14): the registry, requests, decisions and guardian grants."""

from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Cross-force sharing"

    def ready(self) -> None:
        from . import (
            jobs,  # noqa: F401  registers the expire_grants periodic job
            receivers,
        )

        receivers.connect()
