"""Refusals of the sharing services, each with a stable code and the HTTP status it means."""

from __future__ import annotations

from .choices import SharingError


class SharingRefused(Exception):
    """A read or decision refused: nothing disclosed, the attempt logged by the service."""

    status = 403

    def __init__(self, code: SharingError, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message or code.label)
        self.code = code
        self.message = message or code.label
        if status is not None:
            self.status = status


class NotFound(SharingRefused):
    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(SharingError.NOT_FOUND, message)


class GrantEnded(SharingRefused):
    """The grant expired or was revoked (410 Gone: it existed, it no longer discloses)."""

    status = 410


class Throttled(SharingRefused):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(SharingError.THROTTLED, "Too many registry checks: try again later.")
        self.retry_after = retry_after
