"""``manage.py rotate_field_keys`` (issue 17, item 5): every value readable after, none left under
the old key, in batches, resumable, one force or all (two forces)."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from core.key_rotation import encrypted_columns, under_first_key
from orders.models import ContactLogEntry, ProtectedPerson
from tests.factories import make_subject
from tests.orders.helpers import make_protected_person

pytestmark = pytest.mark.django_db


def _tokens(force) -> list[str]:  # type: ignore[no-untyped-def]
    values = []
    with schema_context(force.schema_name):
        for column in encrypted_columns():
            cols = ", ".join(column.fields)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {cols} FROM {column.table}")
                values += [v for row in cursor.fetchall() for v in row if v]
    connection.set_schema_to_public()
    return values


def _names(force) -> list[str]:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        names = sorted(p.name for p in ProtectedPerson.objects.all())
    connection.set_schema_to_public()
    return names


def test_rotation_leaves_every_value_readable_and_none_under_the_old_key(force_a, force_b, settings):
    for i in range(5):
        make_protected_person(force_a, subject=make_subject(force_a), name=f"Person {i}")
    make_protected_person(force_b, subject=make_subject(force_b), name="Other force")
    assert {c.model for c in encrypted_columns()} >= {ProtectedPerson, ContactLogEntry}
    names_a, names_b = _names(force_a), _names(force_b)
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    first = Fernet(new.encode())
    # One force only: the other is untouched.
    out = StringIO()
    call_command(
        "rotate_field_keys", "--force", force_a.slug, "--batch-size", "2", stdout=out, stderr=StringIO()
    )
    assert f"{force_a.slug}: re-encrypted" in out.getvalue()
    assert all(under_first_key(t, first) for t in _tokens(force_a))
    assert not any(under_first_key(t, first) for t in _tokens(force_b))
    # Resumable: a second run over everything rewrites only what is left (force B's).
    before_a = _tokens(force_a)
    call_command("rotate_field_keys", stdout=StringIO(), stderr=StringIO())
    assert _tokens(force_a) == before_a
    assert all(under_first_key(t, first) for t in _tokens(force_b))
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key gone: everything still reads
    assert _names(force_a) == names_a and _names(force_b) == names_b


def test_an_unknown_force_or_batch_size_is_refused(forces):
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--force", "no-such-force", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--batch-size", "0", stdout=StringIO())
