from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Case work"

    def ready(self) -> None:
        from tenants.signals import force_onboarded

        from .practice import on_force_onboarded

        # A new force starts with the default practice settings, inside the onboarding transaction.
        force_onboarded.connect(on_force_onboarded, dispatch_uid="plans-default-practice-settings")
