"""Sessions: an index per person, idle and absolute timeouts, ending a person's sessions.

- ``UserSession`` rows are written on sign-in and removed on sign-out (the ``user_logged_in`` and
  ``user_logged_out`` signals), so ``end_sessions_of`` deletes a person's sessions by key.
- ``SessionTimeoutMiddleware`` signs out a session idle for ``SESSION_IDLE_MINUTES`` or older than
  ``SESSION_ABSOLUTE_HOURS`` since sign-in (``SESSION_COOKIE_AGE`` alone is renewed on every
  change of the session). The next page sends the person to the sign-in page; the API answers 401.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from .models import UserSession

SIGNED_IN_AT = "spmp_signed_in_at"
SEEN_AT = "spmp_seen_at"
# Writing the last-seen time on every request would save the session on every request.
SEEN_GRANULARITY_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="tenants-session-index-in")
def _index_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(session_key=session.session_key, defaults={"user": user})


@receiver(user_logged_out, dispatch_uid="tenants-session-index-out")
def _unindex_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def cycle_session(request: HttpRequest) -> None:
    """A new session key for this very session (after a change of the person's roles)."""
    old = request.session.session_key
    request.session.cycle_key()
    new = request.session.session_key
    if old and new and old != new:
        UserSession.objects.filter(session_key=old).update(session_key=new)


@transaction.atomic
def end_sessions_of(user: Any, *, keep: str | None = None) -> int:
    """Delete every session of ``user`` (but ``keep``, a session key); returns how many were live."""
    index = UserSession.objects.filter(user=user)
    if keep:
        index = index.exclude(session_key=keep)
    keys = list(index.values_list("session_key", flat=True))
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    index.delete()
    return int(ended)


class SessionTimeoutMiddleware:
    """Sign out a session idle too long or signed in too long ago (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            now = time.time()
            signed_in = session.get(SIGNED_IN_AT)
            seen = session.get(SEEN_AT)
            idle = settings.SESSION_IDLE_MINUTES * 60
            absolute = settings.SESSION_ABSOLUTE_HOURS * 3600
            if signed_in is None:
                session[SIGNED_IN_AT] = signed_in = now
            if now - signed_in > absolute or (seen is not None and now - seen > idle):
                logout(request)
            elif seen is None or now - seen >= SEEN_GRANULARITY_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)
