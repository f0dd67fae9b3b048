"""The append-only access and change log (Data Protection Act 2018, Part 3, s.62)."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from core.signals import access_refused, records_viewed

        from . import jobs  # noqa: F401  registers the seal_audit periodic job
        from .services import on_access_refused, on_records_viewed

        access_refused.connect(on_access_refused, dispatch_uid="audit-log-refusals")
        records_viewed.connect(on_records_viewed, dispatch_uid="audit-log-records-viewed")
