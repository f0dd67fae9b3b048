from django.apps import AppConfig


class ResourcingConfig(AppConfig):
    name = "resourcing"
    verbose_name = "Resourcing: unit capacity against demand"

    def ready(self) -> None:
        from core.demo import register_demo_step

        from . import jobs  # noqa: F401  registers capacity_snapshot
        from .demo import seed_resourcing

        register_demo_step("resourcing", seed_resourcing, order=70)
