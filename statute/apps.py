from typing import Any

from django.apps import AppConfig


def _ensure_order_types(sender: Any, **kwargs: Any) -> None:
    from .order_types import ensure_order_types

    ensure_order_types()


class StatuteConfig(AppConfig):
    name = "statute"
    verbose_name = "Statutory order types"

    def ready(self) -> None:
        from core.signals import platform_ensured

        # A fresh (or flushed) database always has the shipped order types once the platform exists.
        platform_ensured.connect(_ensure_order_types, dispatch_uid="statute-ensure-order-types")
