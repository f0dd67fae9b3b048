"""The current request's who / where / id, held in a context variable for the audit service."""

from __future__ import annotations

import contextvars
import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    client_address: str | None = None
    user: Any = None
    host: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "spmp_request_context", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def set_current(ctx: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


def publish_user(user: Any) -> None:
    """Record who is acting in this request, once authentication (session or token) knows."""
    ctx = current()
    if ctx is not None and ctx.user is not user:
        set_current(dataclasses.replace(ctx, user=user))
