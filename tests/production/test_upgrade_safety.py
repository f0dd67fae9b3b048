"""Upgrade safety (issue 18, item 5): a migration newer than the last release may expand, never
contract, unless listed as a contract step with a note."""

from __future__ import annotations

import copy

import pytest
from django.db import migrations, models
from django.db.migrations.state import ModelState, ProjectState

from spmp_platform.upgrade_safety import load_release, operation_problem, unsafe_migrations


def test_no_unlisted_contract_step_since_the_last_release():
    problems = unsafe_migrations()
    assert problems == [], "\n".join(
        ["Contract steps wait a release (README, 'Upgrading'); list them in release_migrations.json:"]
        + [p.line() for p in problems]
    )


def test_every_contract_step_has_a_note():
    for step in load_release().get("contract_steps", []):
        assert step.get("note", "").strip(), step


def _state() -> ProjectState:
    state = ProjectState()
    state.add_model(
        ModelState(
            "subjects",
            "widget",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=10, null=True)),
                ("code", models.CharField(max_length=10)),
            ],
        )
    )
    return state


@pytest.mark.parametrize(
    ("operation", "why"),
    [
        (migrations.RemoveField("widget", "code"), "removes the column widget.code"),
        (migrations.DeleteModel("widget"), "removes the table of widget"),
        (migrations.RenameField("widget", "code", "ref"), "renames the column widget.code to ref"),
        (migrations.RenameModel("widget", "gadget"), "renames the table of widget to gadget"),
        (migrations.AlterModelTable("widget", "other"), "renames the table of widget"),
        (
            migrations.AlterField("widget", "name", models.CharField(max_length=10)),
            "makes widget.name non-nullable without a default",
        ),
        (migrations.RunSQL("ALTER TABLE x DROP COLUMN y"), "runs SQL that contracts (DROP COLUMN)"),
        (migrations.RunSQL(["ALTER TABLE x RENAME TO z"]), "runs SQL that contracts (RENAME TO)"),
    ],
)
def test_contract_operations_are_named(operation, why):
    assert operation_problem("subjects", operation, _state()) == why


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddField("widget", "extra", models.CharField(max_length=5, null=True)),
        migrations.AlterField("widget", "name", models.CharField(max_length=10, default="x")),
        migrations.AlterField("widget", "name", models.CharField(max_length=20, null=True)),
        migrations.AddIndex("widget", models.Index(fields=["code"], name="widget_code")),
        migrations.RunSQL("DROP TRIGGER IF EXISTS t ON x; CREATE INDEX i ON x (y)"),
    ],
)
def test_expand_operations_pass(operation):
    assert operation_problem("subjects", operation, _state()) == ""


def test_a_migration_newer_than_the_release_is_checked_and_a_listed_step_passes():
    """Pretend plans' newest migrations are not released: plans 0002 contracts (it replaced a
    column); listed as a contract step with its note, it passes."""
    release = copy.deepcopy(load_release())
    plans = release["migrations"]["plans"]
    newest = [name for name in plans if name.startswith("0002")]
    release["migrations"]["plans"] = [name for name in plans if name not in newest]
    found = unsafe_migrations(release)
    assert found and {p.migration for p in found} == {f"plans.{newest[0]}"}
    assert any("removes the column planvictimrisk" in p.why for p in found)
    release["contract_steps"] = [{"migration": f"plans.{newest[0]}", "note": "0.1.0 stopped using it"}]
    assert unsafe_migrations(release) == []
