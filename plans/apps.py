from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Subject profile management plans"

    def ready(self) -> None:
        from core.signals import subject_erasing

        from .services import record_plans_erased

        subject_erasing.connect(record_plans_erased, dispatch_uid="plans-erased-with-subject")
