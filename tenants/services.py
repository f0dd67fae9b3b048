"""Onboarding regions and forces, and the platform tenant: the only code that creates them."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from core.forms import coded
from core.roles import ForceRole
from core.signals import force_onboarded, platform_ensured
from core.tenancy import use_public_schema

from .errors import PeopleError
from .models import Domain, Force, Membership, Region, User, dns_label_validator

FORCES_CSV = Path(__file__).resolve().parent / "data" / "forces.csv"
RESERVED_SLUGS = frozenset({"platform", "www", "api", "admin", "static", "media", "public"})
PLATFORM_SLUG = "platform"


@dataclass(frozen=True)
class ReferenceForce:
    region_slug: str
    region_name: str
    slug: str
    name: str


def reference_forces() -> list[ReferenceForce]:
    """The 43 territorial forces of England and Wales, by region (shipped with the project)."""
    with FORCES_CSV.open(newline="", encoding="utf-8") as fh:
        return [
            ReferenceForce(r["region_slug"], r["region_name"], r["force_slug"], r["force_name"])
            for r in csv.DictReader(fh)
        ]


def reference_regions() -> dict[str, str]:
    return {f.region_slug: f.region_name for f in reference_forces()}


def ensure_platform() -> Force:
    """Create (or update) the public tenant: the regional platform at SPMP_DOMAIN."""
    with schema_context(get_public_schema_name()):
        platform, _ = Force.objects.get_or_create(
            schema_name=get_public_schema_name(),
            defaults={"slug": PLATFORM_SLUG, "name": "SPMP regional platform"},
        )
        Domain.objects.update_or_create(
            tenant=platform, is_primary=True, defaults={"domain": settings.SPMP_DOMAIN}
        )
        for slug, name in reference_regions().items():
            Region.objects.get_or_create(slug=slug, defaults={"name": name})
        # Public reference data of other apps (the statutory order types) is ensured by receivers.
        platform_ensured.send(sender=Force, platform=platform)
        return platform


def ensure_region(slug: str) -> Region:
    """Get a region, creating it from the reference data if it is one of the known regions."""
    region = Region.objects.filter(slug=slug).first()
    if region is not None:
        return region
    names = reference_regions()
    if slug not in names:
        raise ValidationError(
            {
                "region": [
                    coded(
                        f"Unknown region '{slug}'. Known regions: {', '.join(sorted(names))}.",
                        PeopleError.UNKNOWN_REGION,
                    )
                ]
            },
        )
    return Region.objects.create(slug=slug, name=names[slug])


@dataclass(frozen=True)
class OnboardingResult:
    """The new force and its first administrator's (invited) membership; the link went by email only."""

    force: Force
    admin_membership: Membership


def validate_new_force(*, region_slug: str, slug: str, name: str, admin_email: str) -> dict[str, str]:
    """Field-level problems with a proposed force; empty when it can be onboarded."""
    errors: dict[str, str] = {}
    slug = (slug or "").strip()
    if not slug:
        errors["slug"] = "Enter a slug for the force, e.g. lincolnshire."
    else:
        try:
            dns_label_validator(slug)
        except ValidationError as exc:
            errors["slug"] = " ".join(exc.messages)
        else:
            if slug in RESERVED_SLUGS:
                errors["slug"] = f"'{slug}' is reserved by the platform; choose another slug."
            elif Force.objects.filter(slug=slug).exists():
                errors["slug"] = f"A force with the slug '{slug}' is already onboarded."
    if not (name or "").strip():
        errors["name"] = "Enter the force's name, e.g. Lincolnshire Police."
    elif len(name.strip()) > 100:
        errors["name"] = "The name must be 100 characters or fewer."
    if not (region_slug or "").strip():
        errors["region"] = "Choose the force's region."
    elif not Region.objects.filter(slug=region_slug).exists() and region_slug not in reference_regions():
        errors["region"] = f"Unknown region '{region_slug}'."
    email = (admin_email or "").strip()
    if not email:
        errors["admin_email"] = "Enter the email address of the force's first administrator."
    else:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["admin_email"] = "Enter a valid email address, e.g. aou.lead@force.example."
    return errors


def onboard_force(
    *,
    region_slug: str,
    slug: str,
    name: str,
    admin_email: str,
    admin_name: str = "",
    actor: User | None = None,
    absolute_url: Callable[[str], str] | None = None,
) -> OnboardingResult:
    """Create a force: schema (cloned from the template), host, first administrator, defaults.

    Everything happens in one transaction: PostgreSQL DDL is transactional, so a failure at any
    step (including half-way through cloning the schema) leaves no Force, Domain or schema behind.
    The first administrator is invited like anyone else (issue 8): their membership is "invited"
    until they accept by the link emailed to them; the link is never given to the onboarder, and
    it activates this membership only.
    """
    from .invitations import email_invitation, issue_invitation

    errors = validate_new_force(region_slug=region_slug, slug=slug, name=name, admin_email=admin_email)
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})
    slug = slug.strip()
    with transaction.atomic():
        use_public_schema()
        region = ensure_region(region_slug)
        force = Force(schema_name=Force.schema_for_slug(slug), slug=slug, name=name.strip(), region=region)
        force.save(verbosity=0)  # clones the template schema (TENANT_BASE_SCHEMA)
        Domain.objects.create(domain=f"{slug}.{settings.SPMP_DOMAIN}", tenant=force, is_primary=True)
        admin, _created = User.objects.get_or_create(
            email=admin_email.strip().lower(), defaults={"full_name": admin_name}
        )
        membership = Membership.objects.create(
            user=admin, force=force, roles=[ForceRole.FORCE_ADMIN], status=Membership.Status.INVITED
        )
        with schema_context(force.schema_name):
            force_onboarded.send(sender=Force, force=force, actor=actor)
        from audit.services import AuditAction, RecordType, record_event

        record_event(
            action=AuditAction.COLLECT,
            object_type=RecordType.FORCE,
            object_ids=[force.uuid],
            justification=f"Onboarded force {force.slug} in region {region.slug}",
            actor=actor,
        )
        use_public_schema()
        path = issue_invitation(membership)
        email_invitation(
            membership=membership,
            path=path,
            absolute_url=absolute_url or _regional_absolute,
            as_administrator=True,
        )
    return OnboardingResult(force=force, admin_membership=membership)


def _regional_absolute(path: str) -> str:
    from core.hosts import regional_url

    return regional_url(None, path)


def onboard_forces(
    forces: Iterable[ReferenceForce],
    *,
    admin_email_for: Callable[[ReferenceForce], str],
    progress: Callable[[ReferenceForce], None] | None = None,
) -> list[OnboardingResult]:
    """Onboard several reference forces, skipping those already onboarded."""
    results = []
    for ref in forces:
        if not Force.objects.filter(slug=ref.slug).exists():
            results.append(
                onboard_force(
                    region_slug=ref.region_slug,
                    slug=ref.slug,
                    name=ref.name,
                    admin_email=admin_email_for(ref),
                )
            )
            # A backend that has cloned many schemas carries their catalog entries, and every
            # later statement pays for them (SET search_path reached 0.19 s after 25 clones).
            # A fresh connection per force keeps bulk onboarding flat at ~0.25 s a force (never
            # inside a caller's transaction, which closing would end).
            if not connection.in_atomic_block:
                connection.close()
        if progress:
            progress(ref)
    return results
