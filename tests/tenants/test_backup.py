"""Backing up and restoring one force (issue 18, item 6): the same records back, the other force
and public untouched, the audit chain restarted so verify_audit explains the restore; bad input is
a one-line error that changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from audit.models import AuditEvent, AuditSeal
from audit.sealing import read_chain_heads, seal_all, verify_schema
from audit.services import AuditAction, record_event
from subjects.models import Subject
from tests.factories import make_subject

NO_GRACE = dt.timedelta(0)


def _events(force, n: int) -> None:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        for i in range(n):
            record_event(
                action=AuditAction.CONSULT,
                object_type="subject",
                object_ids=[uuid.uuid4()],
                justification=f"e{i}",
            )


def _snapshot(force) -> tuple[list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        subjects = sorted(Subject.objects.values_list("uuid", "family_name", "given_names"))
        events = sorted(AuditEvent.objects.values_list("id", "uuid", "justification"))
    return subjects, events


def _public_state() -> tuple[int, int]:
    with schema_context("public"):
        return AuditSeal.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def head_file(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.AUDIT_CHAIN_HEAD_PATH = str(tmp_path / "heads.json")
    return tmp_path / "heads.json"


def test_restore_gives_back_the_backup_and_verify_audit_explains_it(committed_forces, tmp_path, head_file):
    force_a, force_b = committed_forces
    for force in (force_a, force_b):
        for _ in range(3):
            make_subject(force)
        _events(force, 4)
    assert not seal_all(grace=NO_GRACE).refused
    _events(force_a, 2)  # in the backup but not sealed yet: the restore seals them
    dump = tmp_path / "a.dump"
    call_command("backup_force", force_a.slug, str(dump), verbosity=0)
    at_backup = _snapshot(force_a)
    other_before = _snapshot(force_b)

    # After the backup: more events, sealed (these are what the restore loses), then damage.
    make_subject(force_a, family_name="AfterBackup")
    _events(force_a, 5)
    assert not seal_all(grace=NO_GRACE).refused
    with schema_context(force_a.schema_name):
        lost_ids = sorted(set(AuditEvent.objects.values_list("id", flat=True)) - {e[0] for e in at_backup[1]})
        Subject.objects.filter(family_name="AfterBackup").delete()
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE "{force_a.schema_name}".subjects_subject CASCADE')  # the damage

    out = io.StringIO()
    call_command("restore_force", force_a.slug, str(dump), stdout=out)
    assert f"Restored {force_a.slug} from a backup of" in out.getvalue()
    assert f"{len(lost_ids)} sealed row(s) missing" in out.getvalue()

    subjects, events = _snapshot(force_a)
    assert subjects == at_backup[0]
    # the backup's events, then the restore event appended to the force's log
    assert events[: len(at_backup[1])] == at_backup[1]
    with schema_context(force_a.schema_name):
        restore_events = list(AuditEvent.objects.filter(action=AuditAction.RESTORE))
    assert len(restore_events) == 1 and restore_events[0].id > max(lost_ids)
    with schema_context("public"):
        assert (
            AuditEvent.objects.filter(action=AuditAction.RESTORE, object_ids__contains=[force_a.uuid]).count()
            == 1
        )
    assert _snapshot(force_b) == other_before
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [f"{force_a.schema_name}%"])
        assert cur.fetchone()[0] == 1  # the damaged schema is gone
        # The planner has statistics for the restored tables at once (not when autovacuum gets there).
        cur.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = %s AND last_analyze IS NULL",
            [force_a.schema_name],
        )
        assert cur.fetchall() == []

    result = verify_schema(force_a.schema_name, read_chain_heads(head_file)[force_a.schema_name])
    assert result.ok, result.line()
    assert result.lost_rows == len(lost_ids)
    assert [missing for _, missing in result.restores] == [[[lost_ids[0], lost_ids[-1]]]]

    # Life goes on: new events get ids above every sealed one, are sealed and verify.
    _events(force_a, 3)
    report = seal_all(grace=NO_GRACE)
    assert not report.refused and report.sealed[force_a.schema_name] >= 3
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert f"NOTE: {force_a.schema_name}: restored from a backup of" in out.getvalue()
    assert (
        f"{len(lost_ids)} sealed row(s) made after it are missing: event ids {lost_ids[0]}-{lost_ids[-1]}"
        in (out.getvalue())
    )
    assert verify_schema(force_b.schema_name).ok


def test_restoring_twice_chains_restores(committed_forces, tmp_path, head_file):
    force_a, _ = committed_forces
    _events(force_a, 2)
    seal_all(grace=NO_GRACE)
    dump = tmp_path / "a.dump"
    call_command("backup_force", force_a.slug, str(dump), verbosity=0)
    for _ in range(2):
        _events(force_a, 2)
        seal_all(grace=NO_GRACE)
        call_command("restore_force", force_a.slug, str(dump), verbosity=0)
    seal_all(grace=NO_GRACE)
    result = verify_schema(force_a.schema_name, read_chain_heads(head_file)[force_a.schema_name])
    assert result.ok, result.line()
    assert len(result.restores) == 2


def _refused(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("restore_force", *args, verbosity=0)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_bad_input_is_one_line_and_changes_nothing(committed_forces, tmp_path):
    force_a, force_b = committed_forces
    make_subject(force_a)
    make_subject(force_b)
    _events(force_a, 2)
    dump_b = tmp_path / "b.dump"
    call_command("backup_force", force_b.slug, str(dump_b), verbosity=0)
    before = (_snapshot(force_a), _snapshot(force_b), _public_state())

    assert "no force with the slug 'nowhere'" in _refused("nowhere", str(dump_b))
    assert f"a backup of schema {force_b.schema_name}, not of {force_a.slug!r}" in _refused(
        force_a.slug, str(dump_b)
    )
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP" + b"\x00garbage" * 50)
    assert "is not a readable backup" in _refused(force_a.slug, str(junk))
    assert "no such file" in _refused(force_a.slug, str(tmp_path / "missing.dump"))
    with pytest.raises(CommandError, match="no force with the slug"):
        call_command("backup_force", "public", str(tmp_path / "p.dump"), verbosity=0)

    assert (_snapshot(force_a), _snapshot(force_b), _public_state()) == before


def test_a_restore_that_fails_half_way_puts_the_schema_back(committed_forces, tmp_path, monkeypatch):
    """The file checks out, but pg_restore fails part way through its data (here: it is handed a
    copy cut short): its transaction leaves nothing, and the renamed schema is renamed back."""
    import tenants.backup as backup

    force_a, _ = committed_forces
    for _ in range(50):
        make_subject(force_a)
    dump = tmp_path / "a.dump"
    call_command("backup_force", force_a.slug, str(dump), verbosity=0)
    cut = tmp_path / "cut.dump"
    cut.write_bytes(dump.read_bytes()[: int(dump.stat().st_size * 0.8)])
    real_run = backup._run

    def run(argv):  # type: ignore[no-untyped-def]
        if "--single-transaction" in argv:
            argv = [*argv[:-1], str(cut)]
        return real_run(argv)

    monkeypatch.setattr(backup, "_run", run)
    before = _snapshot(force_a), _public_state()
    assert "pg_restore failed, 'lincolnshire' left as it was" in _refused(force_a.slug, str(dump)).replace(
        force_a.slug, "lincolnshire"
    )
    assert (_snapshot(force_a), _public_state()) == before
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [f"{force_a.schema_name}%"])
        assert cur.fetchone()[0] == 1
