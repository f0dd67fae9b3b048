"""Security figures (issue 17, same run): the subject detail over the API for a person whose roles
need two-factor sign-in, verified, with the limits on, against the same request with MFA and limits
off; and a password sign-in with django-axes on against off.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from bench.api import REASON, _get, bench_force
from bench.data import generate
from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema

PASSWORD = "bench-security-password-1"
RATES = {"token_issue": "10/minute", "subject_search": "120/minute"}


def _supervisor(force: Any) -> tuple[Any, Any]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.roles import ForceRole
    from tenants.models import Membership, User

    user, _ = User.objects.get_or_create(email=f"bench-supervisor@{force.slug}.bench")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    Membership.objects.update_or_create(
        user=user, force=force, defaults={"roles": [ForceRole.SUPERVISOR], "status": Membership.Status.ACTIVE}
    )
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    return user, device


def _session_client(force: Any, user: Any, device: Any) -> Client:
    client = Client(HTTP_HOST=f"{force.slug}.{settings.SPMP_DOMAIN}")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = device.persistent_id  # what django_otp.login() keeps: verified
    session.save()
    return client


def run(ctx: Context) -> list[Metric]:
    from subjects.models import Subject

    force = bench_force()
    if force is None:
        generate(forces=1, subjects_per_force=min(ctx.subjects_per_force, 500), progress=False)
        force = bench_force()
    with schema_context(force.schema_name):
        subject_uuid = str(Subject.objects.values_list("uuid", flat=True)[0])
    use_public_schema()
    user, device = _supervisor(force)
    client = _session_client(force, user, device)
    detail = _get(client, f"/api/v1/subjects/{subject_uuid}/", HTTP_X_ACCESS_REASON=REASON)

    def with_mfa() -> None:
        with override_settings(SPMP_REQUIRE_MFA=True, API_THROTTLE_RATES=RATES):
            detail()

    def without() -> None:
        with override_settings(SPMP_REQUIRE_MFA=False, API_THROTTLE_RATES={}):
            detail()

    on, off = interleaved(ctx.rounds * 4, with_mfa, without)
    metrics = [
        Metric(
            "security.subject_detail_mfa_throttle",
            on * 1000,
            "ms",
            baseline=off * 1000,
            target="<= 1.1",
            note="GET /api/v1/subjects/<uuid>/ for a supervisor's session verified by TOTP, "
            "SPMP_REQUIRE_MFA and the API limits on / the same with both off",
        )
    ]

    sign_in_client = Client(HTTP_HOST=settings.SPMP_DOMAIN)

    def sign_in() -> None:
        sign_in_client.cookies.clear()
        response = sign_in_client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def with_axes() -> None:
        with override_settings(AXES_ENABLED=True):
            sign_in()

    def without_axes() -> None:
        with override_settings(AXES_ENABLED=False):
            sign_in()

    axes_on, axes_off = interleaved(max(ctx.rounds, 5), with_axes, without_axes)
    metrics.append(
        Metric(
            "security.sign_in_axes",
            axes_on * 1000,
            "ms",
            baseline=axes_off * 1000,
            target="<= 1.2",
            note="POST /sign-in/ with the right password (a password hash, a session, the audit "
            "event; then the code page, as the person has a device) with django-axes on / off",
        )
    )
    return metrics
