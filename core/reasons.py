"""The reason for access, asked once per case file per signed-in session and remembered here.

Opening a case file (a subject's detail page; later a plan or an export) needs a reason the first
time in a session; later opens reuse it, and every open still writes a consult event with it.
The session is flushed at sign-out, so "per signed-in session" holds. Reasons are kept per force
(the session cookie covers every force host) and per record: ``(force slug, kind, uuid)``.
Views call ``reason_for``/``remember_reason``; ``subjects.forms.ReasonForAccessForm`` validates.
"""

from __future__ import annotations

import uuid as uuid_module

from django.http import HttpRequest

from core.tenancy import current_force

SESSION_KEY = "spmp_access_reasons"
REASON_MAX_LENGTH = 500


def _key(kind: str, record_uuid: uuid_module.UUID | str) -> str:
    force = current_force()
    slug = force.slug if force is not None else ""
    return f"{slug}:{kind}:{record_uuid}"


def reason_for(request: HttpRequest, *, kind: str, record_uuid: uuid_module.UUID | str) -> str | None:
    """The reason this session gave for opening this record, or None if it has not given one."""
    reasons = request.session.get(SESSION_KEY) or {}
    return reasons.get(_key(kind, record_uuid))


def remember_reason(
    request: HttpRequest, *, kind: str, record_uuid: uuid_module.UUID | str, reason: str
) -> None:
    """Keep ``reason`` for this record until sign-out."""
    reason = reason.strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise ValueError("An empty reason cannot be remembered.")
    reasons = dict(request.session.get(SESSION_KEY) or {})
    reasons[_key(kind, record_uuid)] = reason
    request.session[SESSION_KEY] = reasons
