"""`migrate_all` and `seed_demo` refuse only a database of the pre-restructure layout.

The `plans` app was restarted by the restructure and later came back with new migrations: its
current migrations recorded in public must not read as the old layout (that broke a second
`migrate_all` and `seed_demo` once plans landed).
"""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.db import connection

from tenants.management.commands.migrate_all import refuse_pre_restructure_database

pytestmark = pytest.mark.django_db


def test_a_database_migrated_by_this_code_is_not_taken_for_the_old_layout():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM public.django_migrations WHERE app = 'plans'")
        assert cursor.fetchone()[0] > 0, "the test database records the current plans migrations"
    refuse_pre_restructure_database()


def test_an_old_layout_migration_row_is_refused_with_what_to_run():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.django_migrations (app, name, applied) VALUES ('plans', '0001_initial', now())"
        )
    with pytest.raises(CommandError, match="make clean-data"):
        refuse_pre_restructure_database()
