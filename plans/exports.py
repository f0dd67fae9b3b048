"""Exports of an approved plan version for upload to Niche: a PDF (reportlab) and the same as JSON.

Both carry the OFFICIAL-SENSITIVE marking (the PDF in the header and footer of every page), the
version, its approver and the date of approval; file names carry the version's UUID, never a
name. Each export asks the reason for access and writes a disclose event to "Niche upload".
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from audit.services import AuditAction, RecordType, record_event

from .choices import PlanPart
from .errors import PlanConflict
from .models import PlanVersion
from .services import PART_FIELDS, _display, _label, shown_content

MARKING = "OFFICIAL-SENSITIVE"
NICHE_RECIPIENT = "Niche upload"


def _approver(version: PlanVersion) -> str:
    user = version.approved_by
    return (
        (getattr(user, "full_name", "") or getattr(user, "email", "")) if user is not None else "not recorded"
    )


def _check_exportable(version: PlanVersion) -> None:
    if not version.is_frozen:
        raise PlanConflict("Only an approved version can be exported; this one is not approved yet.")


def filename(version: PlanVersion, extension: str) -> str:
    return f"plan-version-{version.uuid}.{extension}"


def export_data(version: PlanVersion, viewer: Any = None) -> dict[str, Any]:
    """The version as JSON-ready values: marking, who approved it and when, the parts, the snapshot;
    risks to protected persons as ``viewer`` may read them (withheld from anyone else)."""
    _check_exportable(version)
    data = shown_content(version, viewer)
    return {
        "marking": MARKING,
        "plan": str(version.plan.uuid),
        "version": version.number,
        "version_uuid": str(version.uuid),
        "status": version.status,
        "approved_by": _approver(version),
        "approved_at": version.approved_at.isoformat() if version.approved_at else None,
        "exported_at": timezone.now().isoformat(),
        "parts": {
            part: {f: v for f, v in data.items() if f in fields} for part, fields in PART_FIELDS.items()
        },
        "snapshot": version.snapshot,
    }


def export_pdf(version: PlanVersion, viewer: Any = None) -> bytes:
    """The version as a PDF: the marking, version, approver and date on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus.tables import Table, TableStyle

    _check_exportable(version)
    approved = version.approved_at.strftime("%-d %B %Y") if version.approved_at else "not recorded"
    stamp = f"Version {version.number}, approved by {_approver(version)} on {approved}"
    styles = getSampleStyleSheet()
    body = styles["BodyText"]

    def marked(canvas: Any, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawCentredString(width / 2, height - 12 * mm, MARKING)
        canvas.setFont("Helvetica", 8)
        canvas.drawCentredString(width / 2, height - 17 * mm, stamp)
        canvas.drawCentredString(width / 2, 14 * mm, f"{stamp} – page {doc.page}")
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawCentredString(width / 2, 9 * mm, MARKING)
        canvas.restoreState()

    def para(text: str, style: Any = body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    snap = version.snapshot or {}
    subject = snap.get("subject", {})
    story: list[Any] = [
        para("Subject profile management plan", styles["Title"]),
        para(stamp),
        para(f"Plan {version.plan.uuid}; version {version.uuid}"),
        Spacer(1, 4 * mm),
        para("Subject", styles["Heading2"]),
        para(
            f"{subject.get('family_name', '').upper()}, {subject.get('given_names', '')}; "
            f"born {subject.get('date_of_birth') or 'not recorded'}; PNC {subject.get('pnc_id') or 'none'}; "
            f"Niche nominal {subject.get('niche_nominal_ref') or 'none'}"
        ),
    ]
    data = shown_content(version, viewer)
    for part, fields in PART_FIELDS.items():
        story.append(para(PlanPart(part).label, styles["Heading2"]))
        for field in fields:
            label = _label(field)
            story.append(para(label[:1].upper() + label[1:], styles["Heading4"]))
            story.append(para(_display(field, data[field]) or "None recorded."))
        if part == PlanPart.MANAGEMENT:
            for name, title in (
                ("devices", "Devices"),
                ("social_accounts", "Social media accounts"),
                ("vehicles", "Vehicles"),
            ):
                records = snap.get(name) or []
                story.append(para(f"{title} (as recorded at approval)", styles["Heading4"]))
                lines = ["; ".join(f"{k}: {v}" for k, v in r.items() if v and k != "uuid") for r in records]
                story.append(para("\n".join(lines) or "None recorded."))
    story.append(para("Orders and terms relied on", styles["Heading2"]))
    for order in snap.get("orders", []):
        story.append(
            para(
                f"{order['order_type_name']} ({order['status']}), made {order.get('made_on') or 'not recorded'}, "
                f"{'until further order' if order.get('until_further_order') else 'expires ' + str(order.get('expires_on'))}",
                styles["Heading4"],
            )
        )
        rows = [["Kind", "Term", "Exclusion zone"]] + [
            [para(t["kind"]), para(t["wording"]), para(t.get("exclusion_zone") or "")] for t in order["terms"]
        ]
        table = Table(rows, colWidths=[25 * mm, 95 * mm, 50 * mm], repeatRows=1)
        table.setStyle(
            TableStyle([("GRID", (0, 0), (-1, -1), 0.25, "grey"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
        )
        story.append(table)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=25 * mm,
        bottomMargin=22 * mm,
        title=f"Plan version {version.uuid}",  # no name in the document's metadata either
        author="SPMP platform",
    )
    doc.build(story, onFirstPage=marked, onLaterPages=marked)
    return buffer.getvalue()


def record_export(*, actor: Any, version: PlanVersion, reason: str, kind: str) -> None:
    """The export is a disclosure, to Niche, with the reason given."""
    record_event(
        action=AuditAction.DISCLOSE,
        object_type=RecordType.PLAN_VERSION,
        object_ids=[version.uuid],
        justification=f"{reason} ({kind} export)"[:2000],
        recipient=NICHE_RECIPIENT,
        actor=actor,
    )
