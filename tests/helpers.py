"""Helpers for tests that start real child processes (workers, servers) on this run's database."""

from __future__ import annotations

import os

from django.db import connection


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process that must use this test run's database."""
    s = connection.settings_dict
    host = s["HOST"] or "localhost"
    port = s.get("PORT") or 5432
    if host.startswith("/"):
        url = f"postgresql://{s['USER']}@/{s['NAME']}?host={host}&port={port}"
    else:
        url = f"postgresql://{s['USER']}@{host}:{port}/{s['NAME']}"
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.pop("SPMP_TEST_DATABASE_NAME", None)
    env.update(extra)
    return env
