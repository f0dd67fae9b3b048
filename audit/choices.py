"""What an audit event records: the DPA 2018 s.62 operations plus security events."""

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
