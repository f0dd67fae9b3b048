from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Subject profile management plans"

    def ready(self) -> None:
        from core.case_file import register_case_file_section
        from core.caseload import register_caseload_filterset
        from core.demo import register_demo_step
        from core.signals import protected_person_erasing, subject_erasing

        from . import jobs  # noqa: F401  registers the review and plan-close reminders
        from .caseload import PlanCaseloadFilter
        from .demo import seed_plans, seed_review_reminder
        from .services import erase_person_from_plans, record_plans_erased
        from .views import plan_section

        register_case_file_section("plan", plan_section, order=5)
        register_demo_step("plans", seed_plans, order=50)
        register_demo_step("review-reminder", seed_review_reminder, order=90)
        # After orders' (INSTALLED_APPS order): an app above must extend PlanCaseloadFilter.
        register_caseload_filterset(PlanCaseloadFilter)

        subject_erasing.connect(record_plans_erased, dispatch_uid="plans-erased-with-subject")
        protected_person_erasing.connect(
            erase_person_from_plans, dispatch_uid="plans-risks-to-an-erased-person"
        )
