"""What an audit event records: the DPA 2018 s.62 operations plus security events, and the
record types events are about."""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    COLLECT = "collect", "Collection"  # personal data recorded for the first time
    ALTER = "alter", "Alteration"  # personal data changed
    CONSULT = "consult", "Consultation"  # personal data read (a list, a case file, an export)
    DISCLOSE = "disclose", "Disclosure"  # personal data given to another force or agency
    COMBINE = "combine", "Combination"  # records matched or joined (e.g. a registry lookup)
    ERASE = "erase", "Erasure"  # personal data deleted
    SIGN_IN = "sign-in", "Signed in"
    SIGN_OUT = "sign-out", "Signed out"
    SIGN_IN_FAILED = "sign-in-failed", "Failed sign-in"
    PERMISSION_DENIED = "permission-denied", "Permission denied"
    # A force's schema replaced by a backup (restore_force): its log restarts its seal chain.
    RESTORE = "restore", "Restored from a backup"


class RecordType(models.TextChoices):
    """What kind of record an event is about (``AuditEvent.object_type``).

    One value per audited record type; ``for_model`` maps a model instance to its type, so a model
    that is audited but not listed fails loudly in tests (tests/audit/test_record_types.py) rather
    than writing a free string.
    """

    USER = "user", "User"
    FORCE = "force", "Force"
    MEMBERSHIP = "membership", "Membership"
    MEMBERSHIP_INVITATION = "membershipinvitation", "Membership invitation"
    REGIONAL_ROLE = "regionalrole", "Regional role"
    ROLE_GRANT = "role-grant", "Role grant"
    AREA = "area", "Area"
    TEAM = "team", "Team"
    PRACTICE_SETTINGS = "practicesettings", "Practice settings"
    SUBJECT = "subject", "Subject"
    AUDIT_EVENT = "audit_event", "Access log event"
    API_TOKEN = "apitoken", "API token"
    ORDER_TYPE = "ordertype", "Order type"
    ORDER = "order", "Protective order"
    ORDER_TERM = "order-term", "Order term"
    ORDER_EVENT = "order-event", "Order event"
    NOTIFICATION_REQUIREMENT = "notification-requirement", "Notification requirement"
    PLAN = "plan", "Plan"
    PLAN_VERSION = "plan-version", "Plan version"
    BRIEFING = "briefing", "Briefing"
    PROTECTED_PERSON = "protected-person", "Protected person"
    CONTACT_LOG_ENTRY = "contact-log-entry", "Protected person contact"
    COMPLIANCE_REVIEW = "compliance-review", "Compliance review"
    TERM_ASSESSMENT = "term-assessment", "Term assessment"
    VISIT = "visit", "Visit"
    BREACH = "breach", "Breach"
    PLANNED_ABSENCE = "plannedabsence", "Planned absence"
    SHARING_REQUEST = "sharingrequest", "Sharing request"
    GRANT = "grant", "Sharing grant"

    @classmethod
    def for_model(cls, model: object) -> RecordType:
        """The record type of a model or instance (by model name); ``LookupError`` if none."""
        return cls.named(model._meta.model_name)  # type: ignore[attr-defined]

    @classmethod
    def named(cls, name: str) -> RecordType:
        """The record type called ``name`` (a value, or a model name); ``LookupError`` if none."""
        by_model = {
            "rolegrant": cls.ROLE_GRANT,
            "auditevent": cls.AUDIT_EVENT,
            "protectiveorder": cls.ORDER,
            "orderterm": cls.ORDER_TERM,
            "orderevent": cls.ORDER_EVENT,
            "notificationrequirement": cls.NOTIFICATION_REQUIREMENT,
            "planversion": cls.PLAN_VERSION,
            "protectedperson": cls.PROTECTED_PERSON,
            "contactlogentry": cls.CONTACT_LOG_ENTRY,
            "compliancereview": cls.COMPLIANCE_REVIEW,
            "termassessment": cls.TERM_ASSESSMENT,
        }
        try:
            return by_model.get(name) or cls(name)
        except ValueError:
            raise LookupError(f"No audit RecordType for {name!r}: add one to audit.choices.") from None
