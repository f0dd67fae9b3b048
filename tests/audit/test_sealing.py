"""The audit log is append-only at the database, and the seals catch what a table owner could do."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEvent, AuditSeal
from audit.sealing import Problem, seal_all, verify_schema
from audit.services import AuditAction, record_event
from jobs.registry import get_job

NO_GRACE = dt.timedelta(0)


def _events(force, n: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        return [
            record_event(
                action=AuditAction.CONSULT,
                object_type="subject",
                object_ids=[uuid.uuid4()],
                justification=f"test event {i}",
            )
            for i in range(n)
        ]


def _table(force) -> str:  # type: ignore[no-untyped-def]
    return f'"{force.schema_name}".audit_auditevent'


def _without_trigger(force, sql: str, params: list | None = None) -> None:  # type: ignore[no-untyped-def]
    """What a table owner could do: switch the append-only trigger off, change, switch it on."""
    with connection.cursor() as cur:
        cur.execute(f"ALTER TABLE {_table(force)} DISABLE TRIGGER audit_event_append_only")
        cur.execute(sql, params or [])
        cur.execute(f"ALTER TABLE {_table(force)} ENABLE TRIGGER audit_event_append_only")


# --- the database refuses changes -------------------------------------------------------------
@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET justification = 'edited' WHERE id = %s", "DELETE FROM {t} WHERE id = %s"]
)
def test_update_and_delete_fail_at_the_database(force_a, statement):
    event = _events(force_a, 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement.format(t=_table(force_a)), [event.pk])
    with schema_context(force_a.schema_name):
        assert AuditEvent.objects.get(pk=event.pk).justification == "test event 0"


def test_orm_update_and_delete_also_fail(force_a):
    event = _events(force_a, 1)[0]
    with schema_context(force_a.schema_name):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(justification="edited")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()


# --- sealing ----------------------------------------------------------------------------------
def test_seal_then_verify_is_ok_and_seals_live_in_public(force_a, force_b):
    _events(force_a, 3)
    _events(force_b, 2)
    report = seal_all(grace=NO_GRACE)
    assert not report.skipped and not report.deferred
    assert report.sealed[force_a.schema_name] >= 3
    with schema_context("public"):
        assert AuditSeal.objects.filter(schema_name=force_a.schema_name).exists()
    with schema_context(force_a.schema_name):
        # the force schema has the (unused) seal table too; seals are never written there
        assert not AuditSeal.objects.exists()
    for force in (force_a, force_b):
        result = verify_schema(force.schema_name)
        assert result.ok, result.line()
        assert result.unsealed_rows == 0
    # A second run seals nothing new and chains onto the first.
    again = seal_all(grace=NO_GRACE)
    assert again.sealed[force_a.schema_name] == 0


def test_rows_after_the_last_seal_are_not_yet_sealed_not_tampering(force_a):
    _events(force_a, 2)
    seal_all(grace=NO_GRACE)
    _events(force_a, 3)
    result = verify_schema(force_a.schema_name)
    assert result.ok and result.unsealed_rows == 3
    seal_all(grace=NO_GRACE)
    result = verify_schema(force_a.schema_name)
    assert result.ok and result.unsealed_rows == 0
    with schema_context("public"):
        seals = list(AuditSeal.objects.filter(schema_name=force_a.schema_name).order_by("last_event_id"))
    assert seals[-1].previous_chain_mac == seals[-2].chain_mac


def test_young_rows_wait_for_the_grace_period(force_a):
    _events(force_a, 2)
    seal_all(grace=NO_GRACE)
    _events(force_a, 2)
    report = seal_all(grace=dt.timedelta(minutes=5))
    assert report.sealed[force_a.schema_name] == 0
    assert verify_schema(force_a.schema_name).unsealed_rows == 2


def test_a_second_sealer_does_nothing_while_one_runs(force_a):
    from audit.sealing import SEALER_LOCK_KEY

    with psycopg.connect(_dsn(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [SEALER_LOCK_KEY])
        report = seal_all(grace=NO_GRACE)
        other.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])
    assert report.skipped
    assert "another sealer" in report.summary()


def test_sealer_waits_for_a_request_that_took_a_lower_id_and_commits_late(force_a):
    """A row whose transaction commits after a higher id is visible must not end up "inserted"."""
    with psycopg.connect(_dsn()) as late:  # a request still in its transaction
        late_id = late.execute(
            f"INSERT INTO {_table(force_a)} (uuid, occurred_at, actor_name, actor_force, action, "
            "object_type, object_ids, justification, recipient, changed_fields, changes) VALUES "
            "(%s, now(), '', '', 'consult', 'subject', '{}', 'late commit', '', '{}', '{}') RETURNING id",
            [uuid.uuid4()],
        ).fetchone()[0]
        later = _events(force_a, 1)[0]
        assert later.pk > late_id
        report = seal_all(grace=NO_GRACE, horizon_wait=0.5)
        assert report.deferred and "still open" in report.deferred
        assert not any(report.sealed.values())
        late.commit()
    seal_all(grace=NO_GRACE)
    result = verify_schema(force_a.schema_name)
    assert result.ok, result.line()


def test_a_long_read_only_transaction_does_not_hold_sealing_up(force_a):
    """A backup or a long report reads for minutes; it cannot commit an audit row, so no waiting."""
    _events(force_a, 1)
    with psycopg.connect(_dsn()) as reader:
        reader.execute(f"SELECT count(*) FROM {_table(force_a)}").fetchone()  # idle in transaction now
        report = seal_all(grace=NO_GRACE, horizon_wait=0.5)
        assert not report.deferred, report.summary()
        reader.rollback()
    assert verify_schema(force_a.schema_name).unsealed_rows == 0


# --- verify_audit finds tampering -------------------------------------------------------------
def test_changed_row_is_reported(force_a):
    events = _events(force_a, 3)
    seal_all(grace=NO_GRACE)
    _without_trigger(
        force_a,
        f"UPDATE {_table(force_a)} SET justification = 'nothing to see' WHERE id = %s",
        [events[1].pk],
    )
    result = verify_schema(force_a.schema_name)
    assert result.problem == Problem.CHANGED
    assert result.event_id == events[1].pk and result.event_uuid == str(events[1].uuid)
    line = _verify_fails(force_a)
    assert force_a.schema_name in line and str(events[1].uuid) in line and "changed" in line


def test_removed_row_is_reported(force_a):
    events = _events(force_a, 3)
    seal_all(grace=NO_GRACE)
    _without_trigger(force_a, f"DELETE FROM {_table(force_a)} WHERE id = %s", [events[1].pk])
    result = verify_schema(force_a.schema_name)
    assert result.problem == Problem.REMOVED and result.event_id == events[1].pk
    assert "removed" in _verify_fails(force_a)


def test_removed_last_sealed_row_is_reported(force_a):
    events = _events(force_a, 2)
    seal_all(grace=NO_GRACE)
    _without_trigger(force_a, f"DELETE FROM {_table(force_a)} WHERE id = %s", [events[-1].pk])
    result = verify_schema(force_a.schema_name)
    assert result.problem == Problem.REMOVED and result.event_id == events[-1].pk


def test_row_inserted_into_a_sealed_range_is_reported(force_a):
    first = _events(force_a, 1)[0]
    with connection.cursor() as cur:  # leave a gap in the ids
        cur.execute(f"SELECT nextval(pg_get_serial_sequence('{_table(force_a)}', 'id'))")
        gap = cur.fetchone()[0]
    last = _events(force_a, 1)[0]
    assert first.pk < gap < last.pk
    seal_all(grace=NO_GRACE)
    forged_uuid = uuid.uuid4()
    with schema_context(force_a.schema_name):
        AuditEvent.objects.create(
            id=gap,
            uuid=forged_uuid,
            action=AuditAction.CONSULT,
            occurred_at=timezone.now(),
            justification="backdated",
        )
    result = verify_schema(force_a.schema_name)
    assert result.problem == Problem.INSERTED and result.event_id == gap
    line = _verify_fails(force_a)
    assert "inserted" in line and str(forged_uuid) in line


def test_tampered_or_removed_seal_is_reported(force_a):
    _events(force_a, 1)
    seal_all(grace=NO_GRACE)
    _events(force_a, 1)
    seal_all(grace=NO_GRACE)
    with schema_context("public"):
        seals = AuditSeal.objects.filter(schema_name=force_a.schema_name).order_by("last_event_id")
        first = seals.first()
        AuditSeal.objects.filter(pk=first.pk).update(chain_mac="0" * 64)
    assert verify_schema(force_a.schema_name).problem == Problem.SEAL_BROKEN


def test_problems_in_one_force_do_not_touch_the_other(force_a, force_b):
    events = _events(force_a, 2)
    _events(force_b, 2)
    seal_all(grace=NO_GRACE)
    _without_trigger(force_a, f"UPDATE {_table(force_a)} SET action = 'erase' WHERE id = %s", [events[0].pk])
    assert not verify_schema(force_a.schema_name).ok
    assert verify_schema(force_b.schema_name).ok
    out = io.StringIO()
    call_command("verify_audit", "--force", force_b.slug, stdout=out)
    assert out.getvalue().startswith("OK: ") and "not yet sealed" in out.getvalue()


def test_verify_audit_command_ok_and_unknown_force(force_a):
    _events(force_a, 1)
    call_command("run_job", "seal_audit", stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "OK:" in out.getvalue()
    with pytest.raises(CommandError, match="No onboarded force"):
        call_command("verify_audit", "--force", "atlantis")
    out = io.StringIO()
    call_command("verify_audit", "--force", "platform", stdout=out)  # the public schema's own log
    assert "OK:" in out.getvalue() and "(the platform)" in out.getvalue()


def test_seal_audit_is_a_platform_wide_job_every_minute():
    job = get_job("seal_audit")
    assert job.per_force is False
    assert job.schedule.minute == set(range(60))


# --- helpers ----------------------------------------------------------------------------------
def _dsn() -> str:
    params = connection.get_connection_params()
    keep = {k: v for k, v in params.items() if k in {"host", "port", "user", "password", "dbname"}}
    return psycopg.conninfo.make_conninfo(**keep)


def _verify_fails(force) -> str:  # type: ignore[no-untyped-def]
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("verify_audit", "--force", force.slug, stderr=err)
    assert info.value.returncode != 0
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_many_seals_and_chunks_still_find_the_one_changed_row(force_a, monkeypatch):
    import audit.sealing as sealing

    monkeypatch.setattr(sealing, "ROW_CHUNK", 3)
    monkeypatch.setattr(sealing, "SEAL_CHUNK", 2)
    monkeypatch.setattr(sealing, "MAX_ROWS_PER_SEAL", 4)
    events = _events(force_a, 17)
    seal_all(grace=NO_GRACE)
    with schema_context("public"):
        assert AuditSeal.objects.filter(schema_name=force_a.schema_name).count() >= 5
    result = verify_schema(force_a.schema_name)
    assert result.ok and result.sealed_rows >= 17, result.line()
    _without_trigger(
        force_a, f"UPDATE {_table(force_a)} SET object_type = 'x' WHERE id = %s", [events[13].pk]
    )
    result = verify_schema(force_a.schema_name)
    assert result.problem == Problem.CHANGED and result.event_id == events[13].pk


def test_the_beat_entry_seals_through_celery(force_a, settings):
    from jobs.tasks import fan_out_job
    from spmp_platform.celery import app

    app.finalize()
    assert app.conf.beat_schedule["job:seal_audit"]["args"] == ("seal_audit",)
    settings.AUDIT_SEAL_GRACE_SECONDS = 0
    _events(force_a, 2)
    assert verify_schema(force_a.schema_name).unsealed_rows >= 2
    fan_out_job.apply(args=("seal_audit",)).get()
    result = verify_schema(force_a.schema_name)
    assert result.ok and result.unsealed_rows == 0, result.line()
