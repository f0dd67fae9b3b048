from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Protective orders"

    def ready(self) -> None:
        from core.case_file import register_case_file_section
        from core.caseload import register_caseload_filterset
        from core.demo import register_demo_step
        from core.signals import registration_ended, subject_erasing

        from . import jobs  # noqa: F401  registers the nightly restart after registration ends
        from .case_file import orders_section, protected_persons_section
        from .caseload import CaseloadFilter
        from .demo import seed_orders
        from .services import record_orders_erased, restart_after_registration

        register_demo_step("orders", seed_orders, order=40)
        register_case_file_section("orders", orders_section, order=10)
        register_case_file_section("protected-persons", protected_persons_section, order=20)
        register_caseload_filterset(CaseloadFilter)
        subject_erasing.connect(record_orders_erased, dispatch_uid="orders-erased-with-subject")
        registration_ended.connect(
            restart_after_registration, dispatch_uid="orders-restart-after-registration"
        )
