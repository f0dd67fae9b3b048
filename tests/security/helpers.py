"""Helpers of the security tests: TOTP codes from a device, a device set up for a person."""

from __future__ import annotations

import time
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code ``device`` accepts now (``steps_ahead`` steps later, within its tolerance: each
    step's code is accepted once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
