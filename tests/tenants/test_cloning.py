"""The fast clone of the template (tenants/cloning.py) copies every object, under its own name.

Before it, every onboarding re-created django-tenants' clone_schema() function and ran it, then a
fake migrate_schemas; the fast path builds the schema from the catalogue. These checks compare a
clone with the template object by object, so a copy that drops a constraint, an index, a default,
the audit log's append-only trigger or a migration row fails here.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from tenants import cloning

CATALOGUE = {
    "columns": "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "a.attidentity, coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
    "AND d.adnum = a.attnum WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' "
    "AND a.attnum > 0 AND NOT a.attisdropped",
    "constraints": "SELECT c.relname, co.conname, co.contype, "
    "replace(pg_get_constraintdef(co.oid), %s || '.', '') "
    "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid "
    "WHERE co.connamespace = %s::regnamespace",
    "indexes": "SELECT c.relname, i.relname, replace(pg_get_indexdef(x.indexrelid), %s || '.', '') "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
    "WHERE c.relnamespace = %s::regnamespace",
    "triggers": "SELECT c.relname, t.tgname, replace(pg_get_triggerdef(t.oid), %s || '.', '') "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal",
    "functions": "SELECT p.proname, p.prosrc FROM pg_proc p WHERE p.pronamespace = %s::regnamespace",
    "sequences": "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace "
    "AND c.relkind = 'S'",
}


def _catalogue(schema: str) -> dict[str, set[tuple[object, ...]]]:
    out = {}
    with connection.cursor() as cur:
        for key, sql in CATALOGUE.items():
            cur.execute(sql, [schema] * sql.count("%s"))
            out[key] = set(cur.fetchall())
    return out


def _migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cur.fetchall())


def test_the_fast_path_is_taken_for_the_template(db):
    assert cloning._fast_clone_ddl(settings.TENANT_BASE_SCHEMA, "unused_name") is not None
    connection.set_schema_to_public()


def test_a_clone_has_every_object_of_the_template_under_its_own_name(db):
    template = settings.TENANT_BASE_SCHEMA
    assert cloning.clone_template("clone_check", verbosity=0)
    expected, got = _catalogue(template), _catalogue("clone_check")
    assert expected["constraints"] and expected["indexes"] and expected["triggers"]
    for key in CATALOGUE:
        assert got[key] == expected[key], key
    assert _migrations("clone_check") == _migrations(template)
    assert not cloning.missing_migrations("clone_check")


def test_a_template_holding_what_the_fast_path_does_not_copy_falls_back(db):
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cur:
        cur.execute(f'CREATE VIEW "{template}".clone_probe AS SELECT 1 AS one')
    assert cloning._fast_clone_ddl(template, "unused_name") is None
    connection.set_schema_to_public()
    assert cloning.clone_template("clone_fallback", verbosity=0)
    with connection.cursor() as cur:
        cur.execute('SELECT one FROM "clone_fallback".clone_probe')
        assert cur.fetchone() == (1,)
    # (django-tenants' clone renames unique constraints; the fast path keeps their names.)
    assert _catalogue("clone_fallback")["columns"] == _catalogue(template)["columns"]


def test_rows_and_identity_positions_of_the_template_are_copied(db):
    """Only tables whose files hold something are copied (an empty table has none); every identity
    sequence of the clone continues from the template's."""
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO "{template}".jobs_heartbeat (day, schema_name, recorded_at) '
            "VALUES (current_date, 'probe', now()) RETURNING id"
        )
        (probe_id,) = cur.fetchone()
    assert cloning.clone_template("clone_rows", verbosity=0)
    with connection.cursor() as cur:
        cur.execute('SELECT id, schema_name FROM "clone_rows".jobs_heartbeat')
        assert cur.fetchall() == [(probe_id, "probe")]
        cur.execute(
            'INSERT INTO "clone_rows".jobs_heartbeat (day, schema_name, recorded_at) '
            "VALUES (current_date + 1, 'next', now()) RETURNING id"
        )
        assert cur.fetchone()[0] > probe_id
        cur.execute('SELECT max(id) FROM "clone_rows".django_migrations')
        (last,) = cur.fetchone()
        cur.execute(
            'INSERT INTO "clone_rows".django_migrations (app, name, applied) '
            "VALUES ('probe', 'probe', now()) RETURNING id"
        )
        assert cur.fetchone()[0] > last
        cur.execute('SELECT count(*) FROM "clone_rows".organisation_area')
        assert cur.fetchone() == (0,)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE DOMAIN {t}.probe_domain AS text",
        "CREATE TYPE {t}.probe_kind AS ENUM ('a')",
        "CREATE SEQUENCE {t}.probe_seq",
        "CREATE RULE probe_rule AS ON DELETE TO {t}.jobs_heartbeat DO INSTEAD NOTHING",
        "CREATE POLICY probe_policy ON {t}.jobs_heartbeat USING (true)",
        'CREATE COLLATION {t}.probe_collation FROM "C"',
        "CREATE PROCEDURE {t}.probe_proc() LANGUAGE sql AS 'SELECT 1'",
        "COMMENT ON SCHEMA {t} IS 'probe'",
    ],
)
def test_anything_the_fast_path_does_not_copy_sends_the_clone_to_clone_schema(db, statement):
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cur:
        cur.execute(statement.format(t=f'"{template}"'))
    assert cloning._fast_clone_ddl(template, "unused_name") is None
    connection.set_schema_to_public()
