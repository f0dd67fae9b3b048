"""The two test forces every case-data test works with, and how to (re)create them."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import Force
from tenants.services import ensure_platform, onboard_force

TEST_FORCES = (
    ("east-midlands", "lincolnshire", "Lincolnshire Police"),
    ("east-midlands", "nottinghamshire", "Nottinghamshire Police"),
)


def ensure_test_forces() -> tuple[Force, Force]:
    """Create the platform tenant and the two test forces if they are missing (committed)."""
    connection.set_schema_to_public()
    ensure_platform()
    out = []
    for region, slug, name in TEST_FORCES:
        force = Force.objects.filter(slug=slug).first()
        if force is None:
            with connection.cursor() as cur:  # left over from a flushed transactional test
                cur.execute(f'DROP SCHEMA IF EXISTS "{Force.schema_for_slug(slug)}" CASCADE')
            force = onboard_force(
                region_slug=region, slug=slug, name=name, admin_email=f"force-admin@{slug}.test"
            ).force
        out.append(force)
    return out[0], out[1]


def drop_test_forces() -> None:
    """Drop the test forces' schemas and rows (the next ``ensure_test_forces`` makes them anew)."""
    connection.set_schema_to_public()
    for _region, slug, _name in TEST_FORCES:
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{Force.schema_for_slug(slug)}" CASCADE')
        Force.objects.filter(slug=slug).delete()


def reset_test_forces() -> tuple[Force, Force]:
    """Before a test that commits data: fresh, empty forces."""
    drop_test_forces()
    return ensure_test_forces()


__all__ = ["TEST_FORCES", "ensure_test_forces", "reset_test_forces", "schema_context"]
