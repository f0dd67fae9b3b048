"""Failed sign-ins in the audit log: which account was tried, without keeping what was typed."""

from __future__ import annotations

from audit.choices import RecordType
from audit.models import AuditEvent
from audit.services import AuditAction, record_event

from .models import User

NO_ACCOUNT_MATCHED = "no account matched the email address given"


def record_failed_sign_in(email: str | None, *, what: str) -> AuditEvent:
    """Log a failed sign-in naming the account tried by its UUID.

    When no account has the address, the event says so and keeps nothing of the address: a typed
    address can be a person's name or a mistyped colleague's, and the log holds no personal data
    beyond UUIDs.
    """
    user = User.objects.filter(email__iexact=(email or "").strip()).first() if email else None
    if user is None:
        return record_event(
            action=AuditAction.SIGN_IN_FAILED,
            object_type=RecordType.USER,
            justification=f"{what}: {NO_ACCOUNT_MATCHED}",
        )
    return record_event(
        action=AuditAction.SIGN_IN_FAILED,
        object_type=RecordType.USER,
        object_ids=[user.uuid],
        justification=what,
    )
