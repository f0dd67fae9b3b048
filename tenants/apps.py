from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Regions and forces"

    def ready(self) -> None:
        # The session index follows sign-in and sign-out (tenants/sessions.py).
        from . import sessions  # noqa: F401
