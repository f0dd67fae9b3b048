"""The workforce's briefing on a subject with an active plan (DOMAIN.md, "Awareness").

Photo, names, identifiers, vehicles, risk level, key prohibitions and exclusion zones, and what
to do on contact; never the protected persons (Part 3's risks to named people), never Part 4,
never the plan's other text. Read by anyone holding ``VIEW_BRIEFING``; no reason is asked, and
each page of briefings writes one consult event naming the plans shown.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from audit.services import AuditAction, RecordType, record_event
from orders.models import OrderStatus, OrderTerm, ProtectiveOrder, TermKind
from subjects.models import SubjectAlias

from .choices import PlanStatus, VersionStatus
from .models import Plan, PlanVersion

BRIEFINGS_PER_PAGE = 25


def briefing_queryset(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Active plans with everything a briefing shows, in a constant number of queries."""
    return (
        plans.filter(status=PlanStatus.ACTIVE)
        .select_related("subject", "subject__area")
        .prefetch_related(  # type: ignore[type-var]
            Prefetch(
                "versions",
                queryset=PlanVersion.objects.filter(status=VersionStatus.ACTIVE).only(
                    "id", "plan_id", "uuid", "number", "risk_level", "on_contact", "approved_at", "status"
                ),
                to_attr="active_versions",
            ),
            Prefetch(
                "subject__aliases", queryset=SubjectAlias.objects.order_by("name", "id"), to_attr="alias_list"
            ),
            "subject__vehicles",
            "subject__photos",
            Prefetch(
                "subject__orders",
                queryset=ProtectiveOrder.objects.filter(status=OrderStatus.ACTIVE)
                .select_related("order_type")
                .prefetch_related(
                    Prefetch(
                        "terms",
                        queryset=OrderTerm.objects.filter(kind=TermKind.PROHIBITION),
                        to_attr="prohibitions",
                    )
                ),
                to_attr="orders_in_force",
            ),
        )
        .order_by("subject__family_name", "subject__given_names", "id")
    )


def briefing(plan: Plan) -> dict[str, Any]:
    """What the briefing says, as plain values (shared by the page, the print view and the API)."""
    subject = plan.subject
    versions = getattr(plan, "active_versions", None)
    version = versions[0] if versions else plan.versions.filter(status=VersionStatus.ACTIVE).first()
    orders = getattr(subject, "orders_in_force", None)
    if orders is None:
        orders = list(subject.orders.filter(status=OrderStatus.ACTIVE).select_related("order_type"))
    prohibitions = []
    for order in orders:
        terms = getattr(order, "prohibitions", None)
        if terms is None:
            terms = list(order.terms.filter(kind=TermKind.PROHIBITION))
        for term in terms:
            prohibitions.append(
                {
                    "order_type": order.order_type.code,
                    "wording": term.wording,
                    "exclusion_zone": term.exclusion_zone,
                }
            )
    photos = list(subject.photos.all())
    return {
        "uuid": str(plan.uuid),  # a briefing is named by its plan's UUID
        "plan": str(plan.uuid),
        "subject": str(subject.uuid),
        "version": version.number if version else None,
        "name": f"{subject.family_name.upper()}, {subject.given_names}",
        "aliases": subject.alias_names,
        "date_of_birth": subject.date_of_birth.isoformat() if subject.date_of_birth else None,
        "pnc_id": subject.pnc_id,
        "niche_nominal_ref": subject.niche_nominal_ref,
        "area": subject.area.name if subject.area_id else "",  # type: ignore[union-attr]
        "warning_markers": list(subject.warning_markers or []),
        "vehicles": [
            {"vrm": v.vrm, "make": v.make, "model": v.model, "colour": v.colour}
            for v in subject.vehicles.all()
            if v.known_to is None
        ],
        "photo": str(photos[0].uuid) if photos else None,
        "risk_level": version.risk_level if version else "",
        "risk_level_label": version.get_risk_level_display() if version else "",
        "prohibitions": prohibitions,
        "on_contact": version.on_contact if version else "",
    }


def record_briefings_read(*, actor: Any, plans: list[Plan], what: str) -> None:
    """One consult event per page (or briefing) naming the plans whose briefings were shown."""
    if plans:
        record_event(
            action=AuditAction.CONSULT,
            object_type=RecordType.BRIEFING,
            object_ids=[p.uuid for p in plans],
            justification=what,
            actor=actor,
        )
