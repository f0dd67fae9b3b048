"""``manage.py import_caseload --force SLUG FILE [--dry-run]``: one-line errors, non-zero exits."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole
from subjects.models import Subject
from tests.factories import make_subject, make_user
from tests.orders.imports import csv_bytes, row, today, uk

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _file(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "caseload.csv"
    path.write_bytes(data)
    return str(path)


def _call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_caseload", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _subjects(force) -> int:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        return Subject.objects.count()


def test_dry_run_then_import(force_a, force_b, tmp_path):
    path = _file(tmp_path, csv_bytes([row(1), row(2)]))
    out, _err = _call("--force", force_a.slug, path, "--dry-run")
    assert "dry run, nothing saved" in out and "2 new" in out
    assert _subjects(force_a) == 0
    out, _err = _call("--force", force_a.slug, path)
    assert "imported" in out and _subjects(force_a) == 2 and _subjects(force_b) == 0
    out, _err = _call("--force", force_a.slug, path)
    assert "0 new, 0 changed, 2 unchanged" in out


def test_problems_are_listed_by_row_and_column_and_exit_non_zero(force_a, tmp_path):
    path = _file(tmp_path, csv_bytes([row(1), row(2, date_of_birth=uk(today() + dt.timedelta(days=3)))]))
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_caseload", "--force", force_a.slug, path, "--no-progress", stdout=out)
    assert info.value.returncode == 1
    assert "nothing imported: 1 problem(s)" in str(info.value)
    assert (
        "Row 3, date_of_birth: The date of birth must be in the past. [future_date_of_birth]"
        in out.getvalue()
    )
    assert _subjects(force_a) == 0


def test_duplicates_need_confirm_rows(force_a, tmp_path):
    held = make_subject(
        force_a, family_name="Imported1", given_names="Alex", date_of_birth=dt.date(1980, 2, 14)
    )
    path = _file(tmp_path, csv_bytes([row(1)]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_caseload", "--force", force_a.slug, path, "--no-progress", stdout=out)
    assert f"Row 2: may be the same person as held subject(s) {held.uuid}" in out.getvalue()
    out_text, _err = _call("--force", force_a.slug, path, "--confirm-rows", "2")
    assert "imported" in out_text and _subjects(force_a) == 2


def test_the_actor_named_must_be_allowed_to_import(force_a, force_b, tmp_path):
    path = _file(tmp_path, csv_bytes([row(1)]))
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    elsewhere = make_user(force=force_b, roles=[ForceRole.COORDINATOR])
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    for who in (elsewhere, officer):
        with pytest.raises(CommandError, match="may import a caseload"):
            _call("--force", force_a.slug, path, "--actor", who.email)
    _call("--force", force_a.slug, path, "--actor", coordinator.email)
    with schema_context(force_a.schema_name):
        assert AuditEvent.objects.filter(actor_uuid=coordinator.uuid, object_type="subject").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--force", "atlantis", "FILE"], "No onboarded force with the slug 'atlantis'."),
        (["--force", "public", "FILE"], "No onboarded force with the slug 'public'."),
        (["--force", "lincolnshire", "/nonexistent/caseload.csv"], "No file at /nonexistent/caseload.csv."),
        (["--force", "lincolnshire", "FILE", "--confirm-rows", "two"], "--confirm-rows takes row numbers"),
    ],
)
def test_bad_arguments_are_one_line(force_a, tmp_path, args, message):
    path = _file(tmp_path, csv_bytes([row(1)]))
    args = [path if a == "FILE" else a for a in args]
    with pytest.raises(CommandError) as info:
        _call(*args)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert _subjects(force_a) == 0


def test_a_file_that_is_no_caseload(force_a, tmp_path):
    for data, code in (
        (b"", "empty_file"),
        (b"\x00\x01binary", "not_csv"),
        ("a,b\n\u00e9\n".encode("latin-1"), "not_utf8"),
    ):
        path = _file(tmp_path, data)
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_caseload", "--force", force_a.slug, path, "--no-progress", stdout=out)
        assert f"[{code}]" in out.getvalue()


def test_the_command_line_prints_one_line_and_exits_non_zero(tmp_path):
    """As an operator sees it: no traceback, a non-zero status (run without a database)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "import_caseload", str(tmp_path / "missing.csv")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--force" in result.stderr and "Traceback" not in result.stderr
