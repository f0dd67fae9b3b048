"""The demo region: East Midlands forces, one demo user per role per force, and each app's registered demo steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core.demo import demo_steps
from core.roles import ForceRole, RegionalRoleKind

from .models import Force, Membership, Region, RegionalRole, User
from .services import ensure_platform, onboard_forces, reference_forces

DEMO_REGION = "east-midlands"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    description: str
    #: With SPMP_REQUIRE_MFA on, the key of the demo person's authenticator (roles that need one).
    totp_secret: str = ""


def with_totp_secrets(accounts: list[DemoAccount]) -> list[DemoAccount]:
    """With two-factor sign-in required, give each demo person whose roles need it a confirmed
    authenticator (kept across runs) and return its key, to type into an app (core/mfa.py)."""
    from dataclasses import replace

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.mfa import MFA_FORCE_ROLES, MFA_REGIONAL_ROLES

    from .two_factor import secret_of

    out = []
    for account in accounts:
        user = User.objects.get(email=account.email)
        needs = any(MFA_FORCE_ROLES.intersection(m.roles) for m in user.memberships.all()) or (
            user.regional_roles.filter(role__in=MFA_REGIONAL_ROLES).exists()
        )
        if not needs:
            out.append(account)
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
        out.append(replace(account, totp_secret=secret_of(device)))
    return out


def demo_email(role: str, force_slug: str) -> str:
    return f"{role}@{force_slug}.example"


def _user(email: str, name: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": name, "is_demo": True})
    if created or not user.check_password(settings.DEMO_PASSWORD):
        user.set_password(settings.DEMO_PASSWORD)
        user.is_demo = True
        user.save(update_fields=["password", "is_demo"])
    return user


def seed_demo(progress: Callable[[str], None] | None = None) -> list[DemoAccount]:
    """Create or top up the demo region. Safe to run again: reuses what exists."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("The demo seed refuses to run with DJANGO_ENV=production.")
    say = progress or (lambda _msg: None)
    ensure_platform()
    refs = [f for f in reference_forces() if f.region_slug == DEMO_REGION]
    onboard_forces(
        refs,
        admin_email_for=lambda ref: demo_email(ForceRole.FORCE_ADMIN, ref.slug),
        progress=lambda ref: say(f"force {ref.slug}"),
    )
    accounts: list[DemoAccount] = []
    region = Region.objects.get(slug=DEMO_REGION)
    steps = demo_steps()
    for ref in refs:
        force = Force.objects.get(slug=ref.slug)
        with transaction.atomic():
            for role in ForceRole:
                email = demo_email(role.value, force.slug)
                user = _user(email, f"Demo {role.label} ({force.name})")
                membership, _ = Membership.objects.update_or_create(
                    user=user,
                    force=force,
                    defaults={"roles": [role.value], "status": Membership.Status.ACTIVE},
                )
                # Demo people are active at once: their onboarding invitation counts as accepted.
                membership.invitations.filter(used_at__isnull=True).update(used_at=timezone.now())
                accounts.append(DemoAccount(email, f"{role.label}, {force.name}"))
            with schema_context(force.schema_name):
                for step in steps:  # each app's own demo data (core.demo)
                    step.run(force)
        say(f"demo data {force.slug}")
    for regional_role, email in (
        (RegionalRoleKind.REGIONAL_ADMIN, f"regional-admin@{DEMO_REGION}.example"),
        (RegionalRoleKind.REGIONAL_ANALYST, f"regional-analyst@{DEMO_REGION}.example"),
    ):
        user = _user(email, f"Demo {regional_role.label}")
        RegionalRole.objects.get_or_create(user=user, region=region, role=regional_role)
        accounts.append(DemoAccount(email, f"{regional_role.label}, East Midlands"))
    platform_admin = _user("platform-admin@spmp.example", "Demo platform administrator")
    RegionalRole.objects.get_or_create(user=platform_admin, region=None, role=RegionalRoleKind.PLATFORM_ADMIN)
    if not platform_admin.is_staff:
        platform_admin.is_staff = platform_admin.is_superuser = True
        platform_admin.save(update_fields=["is_staff", "is_superuser"])
    accounts.append(DemoAccount(platform_admin.email, "Platform administrator (all regions)"))
    if settings.SPMP_REQUIRE_MFA:
        accounts = with_totp_secrets(accounts)
    return accounts
