"""Creating a force's schema by cloning the migrated template, paying only for what changed.

django-tenants' ``create_schema`` re-creates the ~4,600-line ``clone_schema()`` SQL function on
every onboarding, runs it (0.5-0.8 s of PL/pgSQL walking the catalogue object by object, slower as
schemas accumulate), then runs ``migrate_schemas --fake`` (loading the whole migration graph)
although the clone already copied the template's ``django_migrations`` rows.

Here, when the template holds only what a force schema has today (tables, their identity
sequences, indexes, constraints, trigger functions and triggers; no views, rules, policies, grants
or free sequences), the clone is built from the catalogue in a handful of statements: each table
``LIKE`` the template's (columns, defaults, CHECK constraints, identity), then every other constraint, index,
function and trigger under its own name from ``pg_get_*def``, the template's rows, and identity
sequences set to the template's values; all in the caller's transaction. Anything else in the
template falls back to django-tenants' ``clone_schema()``, created only when missing or of another
version (a comment on it records which). The fake migration runs only when the clone lacks a
migration the code has (a template behind the code).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.clone import CLONE_SCHEMA_FUNCTION, CloneSchema
from django_tenants.utils import schema_exists

from core.tenancy import use_public_schema

FUNCTION = "public.clone_schema(text, text, public.cloneparms[])"
MARKER = "spmp clone_schema " + hashlib.sha256(CLONE_SCHEMA_FUNCTION.encode()).hexdigest()[:16]


def ensure_clone_function() -> bool:
    """Create ``clone_schema()`` if it is missing or another version; True when it was (re)created."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname = 'clone_schema' "
            "AND obj_description(p.oid, 'pg_proc') = %s",
            [MARKER],
        )
        row = cur.fetchone()
        if row and row[0] == MARKER:
            return False
        CloneSchema()._create_clone_schema_function()
        cur.execute(f"COMMENT ON FUNCTION {FUNCTION} IS %s", [MARKER])
    return True


@cache
def migration_nodes() -> frozenset[tuple[str, str]]:
    """Every migration the code has (read from disk once per process)."""
    from django.db.migrations.loader import MigrationLoader

    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def missing_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT app, name FROM {_q(schema)}.django_migrations")  # noqa: S608 (quoted identifier)
        return set(migration_nodes()) - {(a, n) for a, n in cur.fetchall()}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Objects the fast path does not copy; any of them in the template means the full clone_schema().
_UNSUPPORTED = """
SELECT
  (SELECT count(*) FROM pg_class c WHERE c.relnamespace = s.oid AND c.relkind NOT IN ('r', 'i', 'S'))
+ (SELECT count(*) FROM pg_class c WHERE c.relnamespace = s.oid AND (c.relacl IS NOT NULL OR c.relispartition))
+ (SELECT count(*) FROM pg_class c WHERE c.relnamespace = s.oid AND c.relkind = 'S'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i'))
+ (SELECT count(*) FROM pg_type t WHERE t.typnamespace = s.oid AND t.typtype NOT IN ('c', 'b'))
+ (SELECT count(*) FROM pg_type t WHERE t.typnamespace = s.oid AND t.typtype = 'c'
     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'r'))
+ (SELECT count(*) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = s.oid)
+ (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = s.oid)
+ (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relnamespace = s.oid)
+ (SELECT count(*) FROM pg_statistic_ext e WHERE e.stxnamespace = s.oid)
+ (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = s.oid AND (p.prokind <> 'f' OR p.proacl IS NOT NULL))
+ (SELECT count(*) FROM pg_description d WHERE d.objoid = s.oid)
FROM pg_namespace s WHERE s.nspname = %s
"""


def _fast_clone_ddl(template: str, schema: str) -> list[str] | None:
    """The statements that build ``schema`` as a copy of ``template``; None if the template has more."""
    cast(Any, connection).set_schema(
        template
    )  # definitions come out unqualified where they name the template
    with connection.cursor() as cur:
        cur.execute(_UNSUPPORTED, [template])
        if cur.fetchone()[0]:
            return None
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
            [template],
        )
        tables = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = %s ORDER BY p.oid",
            [template],
        )
        functions = cur.fetchall()
        cur.execute(
            "SELECT c.relname, co.conname, pg_get_constraintdef(co.oid), co.contype FROM pg_constraint co "
            "JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND co.contype IN ('p', 'u', 'f', 'x') "
            "ORDER BY co.contype = 'f', c.relname, co.conname",
            [template],
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid) "
            "ORDER BY i.indexrelid",
            [template],
        )
        indexes = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal "
            "ORDER BY t.oid",
            [template],
        )
        triggers = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(n.nspname) || '.' || "
            "quote_ident(c.relname), a.attname) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r' "
            "AND a.attidentity <> '' AND a.attnum > 0 AND NOT a.attisdropped",
            [template],
        )
        identities = cur.fetchall()
    t, s = _q(template), _q(schema)
    qualified = re.compile(r'(?<![\w"])(?:' + re.escape(t) + "|" + re.escape(template) + r")\.")
    ddl = [f"CREATE SCHEMA {s}", f"SET LOCAL search_path = {s}, public"]
    ddl += [
        f"CREATE TABLE {s}.{_q(n)} (LIKE {t}.{_q(n)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)"
        for n in tables
    ]
    for _name, definition in functions:
        ddl.append(qualified.sub(f"{s}.", definition, count=1))
    ddl += [
        f"ALTER TABLE {s}.{_q(rel)} ADD CONSTRAINT {_q(con)} {d}"
        for rel, con, d, kind in constraints
        if kind != "f"
    ]
    ddl += [qualified.sub(f"{s}.", d, count=1) for d in indexes]
    # Identifiers are quoted (_q) or come from the catalogue's own quoting (pg_get_*def).
    ddl += [f"INSERT INTO {s}.{_q(n)} OVERRIDING SYSTEM VALUE SELECT * FROM {t}.{_q(n)}" for n in tables]  # noqa: S608
    ddl += [
        f"SELECT setval(pg_get_serial_sequence('{s}.{_q(rel)}', '{col}'), last_value, is_called) FROM {seq}"  # noqa: S608
        for rel, col, seq in identities
    ]
    ddl += [
        f"ALTER TABLE {s}.{_q(rel)} ADD CONSTRAINT {_q(con)} {d}"
        for rel, con, d, kind in constraints
        if kind == "f"
    ]
    ddl += [qualified.sub(f"{s}.", d) for d in triggers]
    return ddl


def clone_template(schema: str, *, verbosity: int = 0) -> bool:
    """Create ``schema`` as a clone of TENANT_BASE_SCHEMA; False when there is no template to clone."""
    template = getattr(settings, "TENANT_BASE_SCHEMA", None)
    if not template or not schema_exists(template):
        return False
    use_public_schema()
    if schema_exists(schema, case_sensitive=False):
        raise ValidationError("New schema name already exists")
    ddl = _fast_clone_ddl(template, schema)
    use_public_schema()
    with transaction.atomic(), connection.cursor() as cur:
        if ddl is not None:
            cur.execute(";\n".join(ddl))
        else:
            ensure_clone_function()
            cur.execute("SELECT public.clone_schema(%s, %s, 'DATA')", [template, schema])
    use_public_schema()
    if missing_migrations(schema):
        call_command(
            "migrate_schemas",
            tenant=True,
            fake=True,
            schema_name=schema,
            interactive=False,
            verbosity=verbosity,
        )
    use_public_schema()
    return True
