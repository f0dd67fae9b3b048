"""Typed access to django-tenants' additions to the database connection."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection


def use_public_schema() -> None:
    """Point the connection at the public schema (the regional platform)."""
    cast(Any, connection).set_schema_to_public()


def current_schema() -> str:
    return str(cast(Any, connection).schema_name)
