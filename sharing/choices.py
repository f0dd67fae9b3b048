"""Sharing's choices and the stable codes of its errors."""

from __future__ import annotations

from django.db import models


class Scope(models.TextChoices):
    """What a grant discloses; each is one object permission on the subject (subjects.models)."""

    BRIEFING = "briefing", "Briefing"
    ORDERS = "orders", "Orders and their terms"
    PLAN = "plan", "Plan, without protected persons"
    PROTECTED_PERSONS = "protected_persons", "Protected persons"

    @property
    def permission(self) -> str:
        return f"share_{self.value}"


class LawfulBasis(models.TextChoices):
    LAW_ENFORCEMENT = "dpa-s31", "Law enforcement purposes (Data Protection Act 2018, s.31)"
    MAPPA = "mappa", "MAPPA co-operation (Criminal Justice Act 2003, s.325)"
    SAFEGUARDING = "safeguarding", "Safeguarding a person at risk (DPA 2018, Schedule 8)"
    COURT = "court", "Court proceedings or legal advice (DPA 2018, Schedule 8)"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class SharingError(models.TextChoices):
    INVALID = "invalid", "Not valid"
    OWN_FORCE = "own_force", "Your own force manages this subject"
    NO_MATCH = "no_match", "That force does not manage a matching subject"
    JUSTIFICATION_REQUIRED = "justification_required", "A justification is required"
    NOT_FOUND = "not_found", "Not found"
    PERMISSION_DENIED = "permission_denied", "Not allowed"
    ALREADY_DECIDED = "already_decided", "Already decided"
    WIDER_THAN_ASKED = "wider_than_asked", "Wider or longer than was asked"
    GRANT_EXPIRED = "grant_expired", "The grant has expired"
    GRANT_REVOKED = "grant_revoked", "The grant was revoked"
    THROTTLED = "throttled", "Too many registry checks"
    UNKNOWN_FORCE = "unknown_force", "No such force"
    SUBJECT_CLOSED = "subject_closed", "The subject's record is closed"
    PENDING_OFFER = "pending_offer", "Another transfer offer is waiting"
    ALREADY_MANAGED = "already_managed", "The receiving force already manages this person"
    TRANSFERRED = "transferred", "The record was transferred and is read-only"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Offered, waiting for the receiving force"
    ACCEPTED = "accepted", "Accepted: the record moved"
    DECLINED = "declined", "Declined"
