"""``generate_load_data`` and the bench's scratch database: bad sizes, production, real databases."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench import scratch


@pytest.mark.parametrize(
    "args",
    [
        ["--forces", "0", "--subjects-per-force", "10"],
        ["--forces", "44", "--subjects-per-force", "10"],
        ["--forces", "2", "--subjects-per-force", "-1"],
        ["--forces", "2", "--subjects-per-force", "lots"],
        ["--forces", "two", "--subjects-per-force", "10"],
    ],
)
def test_bad_sizes_are_one_line_errors(db, args):
    with pytest.raises(CommandError) as caught:
        call_command("generate_load_data", *args)
    assert "\n" not in str(caught.value)


def test_it_refuses_any_database_but_the_scratch_one(db):
    # The test database is not the bench's scratch database: nothing is onboarded or written.
    with pytest.raises(CommandError, match="not the benchmark scratch database"):
        call_command("generate_load_data", "--forces", "1", "--subjects-per-force", "1")


def test_it_refuses_production(db, monkeypatch):
    monkeypatch.setenv("DJANGO_ENV", "production")
    with pytest.raises(CommandError, match="production"):
        call_command("generate_load_data", "--forces", "1", "--subjects-per-force", "1")


def test_the_bench_drops_only_a_scratch_database_it_made_itself(db, monkeypatch):
    """Issue 10: `make bench` dropped `spmp_bench` whatever it was; now only its own, marked one."""
    s = connection.settings_dict
    host, port = s["HOST"] or "localhost", s.get("PORT") or 5432
    if host.startswith("/"):  # the embedded server's socket
        maintenance = f"postgresql://{s['USER']}@/postgres?host={host}&port={port}"
    else:
        maintenance = f"postgresql://{s['USER']}@{host}:{port}/postgres"
    import psycopg

    name = "spmp_bench_guard_test"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')  # someone else's database of that name
    try:
        with pytest.raises(scratch.Refused, match="not made by make bench"):
            scratch.recreate(maintenance, name)
        with psycopg.connect(maintenance, autocommit=True) as conn:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            conn.execute(f'DROP DATABASE "{name}"')
        scratch.recreate(maintenance, name)  # made by the bench: marked, and recreated next time
        scratch.recreate(maintenance, name)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    monkeypatch.setenv("BENCH_DATABASE_NAME", "spmp")
    with pytest.raises(scratch.Refused, match="contains 'bench'"):
        scratch.scratch_name()
