from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: reviews, visits, breaches and trends"

    def ready(self) -> None:
        from core.case_file import register_case_file_section
        from core.demo import register_demo_step
        from core.home_panels import register_home_panel

        from . import jobs  # noqa: F401  registers routine visits and the visit/escalation reminders
        from .demo import seed_compliance
        from .views import compliance_section, escalations_panel

        register_case_file_section("compliance", compliance_section, order=7)
        register_demo_step("compliance", seed_compliance, order=60)
        register_home_panel("escalations", escalations_panel, order=10)
