"""The scratch database benchmarks and load data live in, and the guards around it.

Only a database named ``BENCH_DATABASE_NAME`` (default ``spmp_bench``) is ever dropped, and only
when it carries the comment this module puts on the databases it creates: a database of that name
made by someone else is refused, never dropped. The database ``DATABASE_URL`` names is only used to
reach the server (the maintenance database ``postgres`` is used for CREATE and DROP).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NAME = "spmp_bench"
MARKER = "spmp bench scratch database (make bench); dropped and recreated by every run"


class Refused(Exception):
    """The run must not go on: production, or a database that is not the scratch one."""


def scratch_name() -> str:
    name = os.environ.get("BENCH_DATABASE_NAME", DEFAULT_NAME)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) or "bench" not in name:
        raise Refused(
            f"BENCH_DATABASE_NAME={name!r}: a scratch database name is lower-case letters, digits and "
            "underscores and contains 'bench', so that no real database can be named by mistake."
        )
    return name


def refuse_production() -> None:
    if os.environ.get("DJANGO_ENV", "development") == "production":
        raise Refused("Refusing to run with DJANGO_ENV=production: benchmarks drop and fill a database.")


def server_urls() -> tuple[str, str, str]:
    """(label, maintenance URL, scratch URL) on DATABASE_URL's server or the embedded one."""
    url = os.environ.get("DATABASE_URL")
    label = "DATABASE_URL" if url else "embedded"
    if not url:
        from spmp_platform.embedded import start_embedded_server

        url = start_embedded_server(Path(os.environ.get("SPMP_DATA_DIR", ROOT / ".data")) / "pg")
    parts = urlsplit(url)
    return (
        label,
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path=f"/{scratch_name()}")),
    )


def recreate(maintenance_url: str, name: str) -> None:
    """Drop ``name`` if this harness made it, then create it afresh and mark it."""
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if row is not None:
            if row[0] != MARKER:
                raise Refused(
                    f"A database named {name!r} exists on this server and was not made by make bench; "
                    "refusing to drop it. Set BENCH_DATABASE_NAME to another name."
                )
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{MARKER}'")


def require_scratch_connection() -> None:
    """Inside Django: refuse unless the default database is a scratch database made by this harness."""
    from django.db import connection

    refuse_production()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_database(), shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        name, comment = cur.fetchone()
    if comment != MARKER:
        raise Refused(
            f"The configured database {name!r} is not the benchmark scratch database; load data is only "
            "generated there (make bench creates it; or point DATABASE_URL at it)."
        )
