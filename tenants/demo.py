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
    return accounts
