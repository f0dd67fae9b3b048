"""Upgrade safety: expand first, contract a release later.

During a rolling upgrade the pre-upgrade hook migrates the database while pods of the previous
release still serve requests, so every migration of a release must keep the previous release's code
working. A release may only *expand* (add tables, add nullable columns or columns with a database
default, add indexes); removing or renaming a column or table, or making a column non-nullable
without a default (*contract*), waits until the release after the code stopped using it.

``spmp_platform/release_migrations.json`` lists every migration of the last release and the
contract steps allowed since (each with a note saying which release stopped using what it removes).
``unsafe_migrations()`` inspects every migration newer than that release and names each contract
operation not listed; tests/production/test_upgrade_safety.py fails on any.

At a release: ``python -m spmp_platform.upgrade_safety --record-release X.Y.Z`` (records every
migration on disk as the release's, and empties the contract steps).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RELEASE_FILE = Path(__file__).with_name("release_migrations.json")

# RunSQL that contracts: dropping or renaming a table or column.
_CONTRACT_SQL = re.compile(
    r"\b(DROP\s+TABLE|DROP\s+COLUMN|RENAME\s+COLUMN|RENAME\s+TO|ALTER\s+COLUMN\s+\S+\s+SET\s+NOT\s+NULL)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Unsafe:
    migration: str  # "app.name"
    operation: str
    why: str

    def line(self) -> str:
        return f"{self.migration}: {self.operation}: {self.why}"


def load_release(path: Path = RELEASE_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _sql_text(sql: Any) -> str:
    if isinstance(sql, (list, tuple)):
        return " ".join(_sql_text(s) for s in sql)
    return str(sql)


def _has_default(field: Any) -> bool:
    from django.db.models import NOT_PROVIDED

    return bool(field.has_default()) or getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED


def operation_problem(app_label: str, operation: Any, state: Any) -> str:
    """Why ``operation`` (applied to ``state``, the project state before it) contracts, or ""."""
    from django.db import migrations

    if isinstance(operation, migrations.RemoveField):
        return f"removes the column {operation.model_name}.{operation.name}"
    if isinstance(operation, migrations.DeleteModel):
        return f"removes the table of {operation.name}"
    if isinstance(operation, migrations.RenameField):
        return f"renames the column {operation.model_name}.{operation.old_name} to {operation.new_name}"
    if isinstance(operation, migrations.RenameModel):
        return f"renames the table of {operation.old_name} to {operation.new_name}"
    if isinstance(operation, migrations.AlterModelTable):
        return f"renames the table of {operation.name}"
    if isinstance(operation, migrations.AlterField):
        new = operation.field
        model = state.models.get((app_label, operation.model_name_lower))
        old = model.fields.get(operation.name) if model is not None else None
        if old is not None and old.null and not new.null and not _has_default(new):
            return f"makes {operation.model_name}.{operation.name} non-nullable without a default"
        if old is not None and getattr(old, "db_column", None) != getattr(new, "db_column", None):
            return f"renames the column of {operation.model_name}.{operation.name}"
    if isinstance(operation, migrations.RunSQL):
        found = _CONTRACT_SQL.search(_sql_text(operation.sql))
        if found:
            return f"runs SQL that contracts ({found.group(1).upper()})"
    return ""


def unsafe_migrations(release: dict[str, Any] | None = None) -> list[Unsafe]:
    """Contract operations in migrations newer than the last release, not listed as contract steps."""
    from django.db.migrations.loader import MigrationLoader

    release = release if release is not None else load_release()
    released = {f"{app}.{name}" for app, names in release["migrations"].items() for name in names}
    allowed = {step["migration"] for step in release.get("contract_steps", [])}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found: list[Unsafe] = []
    for app_label, name in _in_order(loader):
        label = f"{app_label}.{name}"
        if label in released or label in allowed:
            continue
        migration = loader.graph.nodes[(app_label, name)]
        state = loader.project_state((app_label, name), at_end=False)
        for operation in migration.operations:
            why = operation_problem(app_label, operation, state)
            if why:
                found.append(Unsafe(label, type(operation).__name__, why))
            operation.state_forwards(app_label, state)
    return found


def _in_order(loader: Any) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(leaf):
            if node not in seen:
                seen.append(node)
    return [node for node in seen if node[0] in _project_apps()]


def _project_apps() -> set[str]:
    base = Path(__file__).resolve().parent.parent
    return {p.parent.parent.name for p in base.glob("*/migrations/__init__.py")}


def record_release(version: str, path: Path = RELEASE_FILE) -> None:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    migrations: dict[str, list[str]] = {}
    for app_label, name in sorted(loader.disk_migrations):
        if app_label in _project_apps():
            migrations.setdefault(app_label, []).append(name)
    payload = {
        "release": version,
        "note": "Every migration of this release; see spmp_platform/upgrade_safety.py.",
        "migrations": migrations,
        "contract_steps": [],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")
    django.setup()
    if len(argv) == 2 and argv[0] == "--record-release":
        record_release(argv[1])
        print(f"Recorded the migrations of release {argv[1]} in {RELEASE_FILE}.")
        return 0
    problems = unsafe_migrations()
    for problem in problems:
        print(problem.line())
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
