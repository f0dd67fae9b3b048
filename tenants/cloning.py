"""Creating a force's schema by cloning the migrated template, paying only for what changed.

django-tenants' ``create_schema`` re-creates the ~4,600-line ``clone_schema()`` SQL function on
every onboarding, runs it (0.5-0.8 s of PL/pgSQL walking the catalogue object by object, slower as
schemas accumulate), then runs ``migrate_schemas --fake`` (loading the whole migration graph)
although the clone already copied the template's ``django_migrations`` rows.

Here, when the template holds only what a force schema has today (tables, their identity
sequences, indexes, constraints, trigger functions and triggers; no views, types, rules, policies,
grants or free sequences), the clone is built from the catalogue: one statement reads the
template's definitions (through the catalogue's indexes, so it does not slow down as forces are
added), one batch builds each table ``LIKE`` the template's (columns, defaults, CHECK constraints,
identity), then every other constraint, index, function and trigger under its own name from
``pg_get_*def``, the rows of the template's non-empty tables, and identity sequences set to the
template's values; all in the caller's transaction. What remains is PostgreSQL's own cost of the
DDL: every btree index build (primary keys, unique constraints, indexes, TOAST indexes) syncs its
file to disk, about 140 of them, most of the clone's time. Anything else in the
template falls back to django-tenants' ``clone_schema()``, created only when missing or of another
version (a comment on it records which). The fake migration runs only when the clone lacks a
migration the code has (a template behind the code).
"""

from __future__ import annotations

import hashlib
import json
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


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# One statement reads everything the fast path needs from the catalogue, through the catalogue's
# indexes only. ``pg_class`` has no index on the namespace, so finding the template's relations by
# ``relnamespace`` scans every force's relations; each such scan (the clone used to make eight)
# grows with the number of forces. Instead the template's objects are found from their dependency
# on its namespace (``pg_depend``'s index on the referenced object): every table, sequence, view,
# function, type or other object created in the schema has one; indexes, row types and identity
# sequences hang off their table and are found through it.
_CATALOGUE = """
WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = %(template)s),
top AS MATERIALIZED (
  SELECT d.classid, d.objid FROM pg_depend d, s
  WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = s.oid
),
rel AS MATERIALIZED (
  SELECT c.oid, c.relname, c.relkind, c.relacl, c.relispartition FROM top
  JOIN pg_class c ON c.oid = top.objid WHERE top.classid = 'pg_class'::regclass
),
rels AS MATERIALIZED (SELECT array_agg(oid) AS oids FROM rel WHERE relkind = 'r'),
owned AS MATERIALIZED (
  SELECT q.oid AS seq, q.relname AS seqname, d.refobjid AS tab, d.refobjsubid AS col FROM rel q
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = q.oid AND d.objsubid = 0
   AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'
  WHERE q.relkind = 'S'
)
SELECT json_build_object(
  'unsupported',
    (SELECT count(*) FROM top WHERE classid NOT IN ('pg_class'::regclass, 'pg_proc'::regclass))
  + (SELECT count(*) FROM rel WHERE relkind NOT IN ('r', 'S') OR relacl IS NOT NULL OR relispartition)
  + (SELECT count(*) FROM rel WHERE relkind = 'S' AND oid NOT IN (SELECT seq FROM owned))
  + (SELECT count(*) FROM top JOIN pg_proc p ON p.oid = top.objid
     WHERE top.classid = 'pg_proc'::regclass AND (p.prokind <> 'f' OR p.proacl IS NOT NULL))
  + (SELECT count(*) FROM pg_rewrite r, rels WHERE r.ev_class = ANY(rels.oids))
  + (SELECT count(*) FROM pg_policy p, rels WHERE p.polrelid = ANY(rels.oids))
  + (SELECT count(*) FROM pg_inherits i, rels WHERE i.inhrelid = ANY(rels.oids))
  + (SELECT count(*) FROM pg_statistic_ext e, s WHERE e.stxnamespace = s.oid)
  + (SELECT count(*) FROM pg_description d, s WHERE d.objoid = s.oid),
  'tables', (
    SELECT coalesce(json_agg(json_build_array(relname, pg_relation_size(oid) > 0) ORDER BY relname), '[]')
    FROM rel WHERE relkind = 'r'),
  'functions', (
    SELECT coalesce(json_agg(pg_get_functiondef(top.objid) ORDER BY top.objid), '[]')
    FROM top WHERE top.classid = 'pg_proc'::regclass),
  'constraints', (
    SELECT coalesce(json_agg(json_build_array(c.relname, co.conname, pg_get_constraintdef(co.oid), co.contype)
                    ORDER BY co.contype = 'f', c.relname, co.conname), '[]')
    FROM rels, pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
    WHERE co.conrelid = ANY(rels.oids) AND co.contype IN ('p', 'u', 'f', 'x')),
  'indexes', (
    SELECT coalesce(json_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid), '[]')
    FROM rels, pg_index i WHERE i.indrelid = ANY(rels.oids) AND NOT EXISTS
      (SELECT 1 FROM pg_constraint co WHERE co.conrelid = i.indrelid AND co.conindid = i.indexrelid)),
  'triggers', (
    SELECT coalesce(json_agg(pg_get_triggerdef(t.oid) ORDER BY t.oid), '[]')
    FROM rels, pg_trigger t WHERE t.tgrelid = ANY(rels.oids) AND NOT t.tgisinternal),
  'identities', (
    SELECT coalesce(json_agg(json_build_array(c.relname, a.attname, o.seqname) ORDER BY c.relname, a.attname), '[]')
    FROM owned o JOIN pg_class c ON c.oid = o.tab
    JOIN pg_attribute a ON a.attrelid = o.tab AND a.attnum = o.col
    WHERE a.attidentity <> '' AND NOT a.attisdropped)
)
"""


def _fast_clone_ddl(template: str, schema: str) -> list[str] | None:
    """The statements that build ``schema`` as a copy of ``template``; None if the template has more."""
    # Definitions come out unqualified where they name the template (it is the search path).
    cast(Any, connection).set_schema(template)
    with connection.cursor() as cur:
        cur.execute(_CATALOGUE, {"template": template})
        found = cur.fetchone()[0]
    if isinstance(found, str):  # a driver that hands json over as text
        found = json.loads(found)
    if found is None or found["unsupported"]:
        return None
    tables: list[tuple[str, bool]] = [(n, filled) for n, filled in found["tables"]]
    constraints: list[tuple[str, str, str, str]] = [tuple(c) for c in found["constraints"]]
    t, s = _q(template), _q(schema)
    qualified = re.compile(r'(?<![\w"])(?:' + re.escape(t) + "|" + re.escape(template) + r")\.")
    ddl = [f"CREATE SCHEMA {s}", f"SET LOCAL search_path = {s}, public"]
    ddl += [
        f"CREATE TABLE {s}.{_q(n)} (LIKE {t}.{_q(n)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)"
        for n, _filled in tables
    ]
    ddl += [qualified.sub(f"{s}.", d, count=1) for d in found["functions"]]
    ddl += [
        f"ALTER TABLE {s}.{_q(rel)} ADD CONSTRAINT {_q(con)} {d}"
        for rel, con, d, kind in constraints
        if kind != "f"
    ]
    ddl += [qualified.sub(f"{s}.", d, count=1) for d in found["indexes"]]
    # Rows: only tables whose files are not empty can hold any (a table never written has 0 bytes).
    # Identifiers are quoted (_q) or come from the catalogue's own quoting (pg_get_*def).
    ddl += [
        f"INSERT INTO {s}.{_q(n)} OVERRIDING SYSTEM VALUE SELECT * FROM {t}.{_q(n)}"  # noqa: S608
        for n, filled in tables
        if filled
    ]
    # Every identity sequence at the template's position, in one statement.
    if found["identities"]:
        ddl.append(
            " UNION ALL ".join(
                f"SELECT setval(pg_get_serial_sequence({_lit(f'{s}.{_q(rel)}')}, {_lit(col)}), "  # noqa: S608
                "q.last_value, q.is_called) "
                f"FROM {t}.{_q(seq)} q"
                for rel, col, seq in found["identities"]
            )
        )
    ddl += [
        f"ALTER TABLE {s}.{_q(rel)} ADD CONSTRAINT {_q(con)} {d}"
        for rel, con, d, kind in constraints
        if kind == "f"
    ]
    ddl += [qualified.sub(f"{s}.", d) for d in found["triggers"]]
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
