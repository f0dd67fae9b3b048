"""The legal moves of an order's status, as a table (DOMAIN.md, "Order lifecycle").

Variations and renewals keep an order in force (they are ``OrderEvent`` rows, not statuses), so
the court can make them only while it is: ``DECISIONS_WHILE``. Refused, discharged, expired and
replaced are final.
"""

from __future__ import annotations

from .models import OrderEventKind, OrderStatus

S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.MADE, S.ACTIVE, S.REFUSED}),
    S.MADE: frozenset({S.ACTIVE, S.UNDER_APPEAL, S.DISCHARGED, S.EXPIRED, S.REPLACED}),
    S.ACTIVE: frozenset({S.UNDER_APPEAL, S.DISCHARGED, S.EXPIRED, S.REPLACED}),
    S.UNDER_APPEAL: frozenset({S.ACTIVE, S.DISCHARGED}),
    S.REFUSED: frozenset(),
    S.DISCHARGED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REPLACED: frozenset(),
}

#: The history event a move into a status writes.
EVENT_FOR_STATUS: dict[str, str] = {
    S.MADE: OrderEventKind.MADE,
    S.ACTIVE: OrderEventKind.SERVED,
    S.REFUSED: OrderEventKind.REFUSED,
    S.UNDER_APPEAL: OrderEventKind.APPEAL,
    S.DISCHARGED: OrderEventKind.DISCHARGE,
    S.EXPIRED: OrderEventKind.EXPIRY,
    S.REPLACED: OrderEventKind.REPLACED,
}


#: The court decisions that leave the status as it is, and the statuses in which one can be made: an
#: order made or in force can be varied or renewed; under appeal the appeal court may vary it.
DECISIONS_WHILE: dict[str, frozenset[str]] = {
    OrderEventKind.VARIATION: frozenset({S.MADE, S.ACTIVE, S.UNDER_APPEAL}),
    OrderEventKind.RENEWAL: frozenset({S.MADE, S.ACTIVE}),
}


def can_move(from_status: str, to_status: str) -> bool:
    return from_status == to_status or to_status in TRANSITIONS.get(from_status, frozenset())


def allowed_next(from_status: str) -> list[str]:
    return [s for s in OrderStatus.values if s in TRANSITIONS.get(from_status, frozenset())]


def can_decide(kind: str, status: str) -> bool:
    """Whether a variation or renewal (``kind``) can be recorded on an order that is ``status``."""
    return status in DECISIONS_WHILE.get(kind, frozenset())
