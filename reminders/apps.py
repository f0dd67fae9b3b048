from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders: outbox, inbox and email"

    def ready(self) -> None:
        from core.signals import subject_erasing

        from . import jobs  # noqa: F401  registers the daily digest
        from .services import erase_reminders_of_subject

        subject_erasing.connect(erase_reminders_of_subject, dispatch_uid="reminders-erased-with-subject")
