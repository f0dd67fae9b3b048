"""TOTP devices (django-otp): set one up, confirm it with a first code, check a code.

The only code that creates or confirms a person's device. A device is confirmed by a code from
the app it was scanned into, so a half-finished set-up never counts as a second factor.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.choices import RecordType
from audit.services import AuditAction, record_event

CODE_PATTERN = re.compile(r"^\d{6}$")


def pending_device(user: Any) -> TOTPDevice:
    """The person's unconfirmed device (made now if there is none): the secret being set up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The base32 secret, for typing into an app that cannot scan the QR code."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URI as an inline SVG QR code (the CSP allows ``data:`` images)."""
    import segno

    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def _clean(code: str) -> str:
    return re.sub(r"\s", "", code or "")


@transaction.atomic
def confirm_device(*, user: Any, device: TOTPDevice, code: str) -> bool:
    """Confirm a pending device with a current code; the person's older devices are removed."""
    code = _clean(code)
    if not CODE_PATTERN.match(code) or not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(
        action=AuditAction.ALTER,
        object_type=RecordType.USER,
        object_ids=[user.uuid],
        actor=user,
        changed_fields=["two_factor"],
        justification="Two-factor sign-in set up (authenticator app)",
    )
    return True


def verify_code(user: Any, code: str) -> Any:
    """The confirmed device a current ``code`` belongs to, or None (django-otp throttles guesses)."""
    code = _clean(code)
    if not CODE_PATTERN.match(code):
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None
