from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "subjects"
    verbose_name = "Subjects"

    def ready(self) -> None:
        from core.demo import register_demo_step

        from . import jobs  # noqa: F401  registers the MoPI retention reminders
        from .demo import seed_subjects

        register_demo_step("subjects", seed_subjects, order=30)
