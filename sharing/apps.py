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
        from core.case_file import register_case_file_section

        from .case_file import disclosed_orders_section, transfer_section

        register_case_file_section("disclosed-orders", disclosed_orders_section, order=11)
        register_case_file_section("transfer", transfer_section, order=1)
        from core.demo import register_demo_step

        from .services import seed_registry

        # Demo databases seeded before the registry existed get their keys (the demo forces share
        # people, so Lincolnshire finds Nottinghamshire's).
        register_demo_step("sharing", seed_registry, order=70)
