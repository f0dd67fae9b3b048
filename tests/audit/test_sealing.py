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
from audit.sealing import ChainHeadFileError, Problem, read_chain_heads, seal_all, verify_schema
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


def _without_seal_trigger(sql: str, params: list | None = None) -> None:
    """The same for the seal table in public (a superuser, or whoever owns it)."""
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE public.audit_auditseal DISABLE TRIGGER audit_seal_append_only")
        cur.execute(sql, params or [])
        cur.execute("ALTER TABLE public.audit_auditseal ENABLE TRIGGER audit_seal_append_only")


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


def test_sealer_waits_for_a_request_that_took_a_lower_id_and_commits_late(committed_forces):
    """A row whose transaction commits after a higher id is visible must not end up "inserted".

    The late row is committed by another connection, outside the test's transaction, so it would
    outlive the test in a shared force schema (audit rows cannot be deleted) and show up in later
    tests' logs: this test gets forces of its own, dropped afterwards (committed_forces).
    """
    force_a, _ = committed_forces
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
        assert "still open" in report.deferred[force_a.schema_name]
        assert force_a.schema_name not in report.sealed
        assert "deferred " + force_a.schema_name in report.summary()
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


def test_an_open_write_in_one_force_does_not_hold_up_the_others(force_a, force_b):
    """Issue 8, item 10: the horizon is per schema. A request in force B still in its transaction
    (an audit row written, not committed) defers force B only; force A and the platform are sealed."""
    a_events = _events(force_a, 2)
    with psycopg.connect(_dsn()) as open_b:
        open_b.execute(
            f"INSERT INTO {_table(force_b)} (uuid, occurred_at, actor_name, actor_force, action, "
            "object_type, object_ids, justification, recipient, changed_fields, changes) VALUES "
            "(%s, now(), '', '', 'consult', 'subject', '{}', 'open in B', '', '{}', '{}')",
            [uuid.uuid4()],
        )
        report = seal_all(grace=NO_GRACE, horizon_wait=0.5)
        assert set(report.deferred) == {force_b.schema_name}, report.summary()
        assert report.sealed[force_a.schema_name] >= len(a_events)
        assert "public" in report.sealed
        open_b.rollback()
    result = verify_schema(force_a.schema_name)
    assert result.ok and result.unsealed_rows == 0, result.line()
    assert not seal_all(grace=NO_GRACE, horizon_wait=0.5).deferred


def test_a_long_write_elsewhere_does_not_hold_sealing_up(force_a, force_b):
    """A transaction writing other tables (here force B's heartbeat table, then idling) cannot
    commit an audit row with an old id, so no schema waits for it."""
    _events(force_a, 1)
    with psycopg.connect(_dsn()) as writer:
        writer.execute(
            f'INSERT INTO "{force_b.schema_name}".jobs_heartbeat (day, schema_name, recorded_at) '
            "VALUES ('2001-01-01', 'x', now())"
        )
        report = seal_all(grace=NO_GRACE, horizon_wait=0.5)
        assert not report.deferred, report.summary()
        writer.rollback()
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
        first = AuditSeal.objects.filter(schema_name=force_a.schema_name).order_by("last_event_id").first()
    _without_seal_trigger(
        "UPDATE public.audit_auditseal SET chain_mac = %s WHERE id = %s", ["0" * 64, first.pk]
    )
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


# --- the seals cannot be removed (issue 8, item 3) ---------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE public.audit_auditseal SET chain_mac = repeat('0', 64) WHERE schema_name = %s",
        "DELETE FROM public.audit_auditseal WHERE schema_name = %s",
    ],
)
def test_seal_update_and_delete_fail_at_the_database(force_a, statement):
    _events(force_a, 1)
    seal_all(grace=NO_GRACE)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, [force_a.schema_name])
    with schema_context("public"), pytest.raises(DatabaseError), transaction.atomic():
        AuditSeal.objects.filter(schema_name=force_a.schema_name).delete()
    assert verify_schema(force_a.schema_name).ok


def _alter_then_remove_seals_from_it(force, event) -> str:  # type: ignore[no-untyped-def]
    """The tester's attack: alter a sealed row, then delete the seals from that row onward.
    Returns how the deletion went: "refused" by the database, or "deleted"."""
    _without_trigger(
        force, f"UPDATE {_table(force)} SET justification = 'nothing to see' WHERE id = %s", [event.pk]
    )
    delete = "DELETE FROM public.audit_auditseal WHERE schema_name = %s AND last_event_id >= %s"
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(delete, [force.schema_name, event.pk])
        return "deleted"
    except DatabaseError:
        return "refused"


def test_the_testers_attack_now_reports_the_changed_row(force_a, force_b):
    """Alter a sealed row, delete the seals from it onward, let the sealer run: verify_audit said OK
    and the altered row stood. Now the deletion is refused and the changed row is named."""
    events = _events(force_a, 4)
    _events(force_b, 1)
    seal_all(grace=NO_GRACE)
    _events(force_a, 1)
    seal_all(grace=NO_GRACE)
    assert _alter_then_remove_seals_from_it(force_a, events[2]) == "refused"
    seal_all(grace=NO_GRACE)
    result = verify_schema(force_a.schema_name)
    assert result.problem == Problem.CHANGED and result.event_id == events[2].pk
    line = _verify_fails(force_a)
    assert "changed" in line and str(events[2].uuid) in line
    assert verify_schema(force_b.schema_name).ok


@pytest.fixture
def chain_head_file(settings, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "off-box" / "audit-chain-head.json"
    settings.AUDIT_CHAIN_HEAD_PATH = str(path)
    return path


def test_a_superuser_who_removes_seals_is_caught_by_the_chain_head(force_a, force_b, chain_head_file):
    """The same attack by a superuser who also switches the seal table's trigger off: the sealer
    will not seal below the highest id ever sealed (the head on file) and verify_audit reports it."""
    events = _events(force_a, 4)
    b_events = _events(force_b, 1)
    seal_all(grace=NO_GRACE)
    heads = read_chain_heads(chain_head_file)
    assert heads[force_a.schema_name].last_event_id == events[-1].pk
    assert heads[force_b.schema_name].last_event_id == b_events[-1].pk
    _without_trigger(
        force_a, f"UPDATE {_table(force_a)} SET justification = 'edited' WHERE id = %s", [events[2].pk]
    )
    _without_seal_trigger(
        "DELETE FROM public.audit_auditseal WHERE schema_name = %s AND last_event_id >= %s",
        [force_a.schema_name, events[2].pk],
    )
    with schema_context("public"):
        seals_left = AuditSeal.objects.filter(schema_name=force_a.schema_name).count()
    _events(force_b, 1)
    report = seal_all(grace=NO_GRACE)
    assert force_a.schema_name in report.refused and "REFUSED " + force_a.schema_name in report.summary()
    assert report.sealed[force_b.schema_name] == 1  # the other force goes on being sealed
    with schema_context("public"):  # nothing sealed again below the highest id ever sealed
        assert AuditSeal.objects.filter(schema_name=force_a.schema_name).count() == seals_left
    assert read_chain_heads(chain_head_file)[force_a.schema_name] == heads[force_a.schema_name]
    result = verify_schema(force_a.schema_name, read_chain_heads(chain_head_file)[force_a.schema_name])
    assert result.problem == Problem.HEAD_MISSING
    assert f"up to event id {events[-1].pk}" in result.detail
    line = _verify_fails(force_a)  # by default, since AUDIT_CHAIN_HEAD_PATH is set
    assert "chain head not found" in line and "seals were removed" in line
    out = io.StringIO()
    call_command("verify_audit", "--force", force_b.slug, stdout=out)
    assert "chain heads checked" in out.getvalue()


def test_seals_made_again_after_removal_do_not_match_the_head(force_a, chain_head_file):
    """Had an old sealer (or anyone with the key) sealed the altered rows again, the new chain
    does not end in the head kept outside."""
    from audit.sealing import _seal_schema

    events = _events(force_a, 3)
    seal_all(grace=NO_GRACE)
    _without_trigger(force_a, f"UPDATE {_table(force_a)} SET action = 'erase' WHERE id = %s", [events[0].pk])
    _without_seal_trigger("DELETE FROM public.audit_auditseal WHERE schema_name = %s", [force_a.schema_name])
    with pytest.raises(RuntimeError, match="were sealed before"):
        _seal_schema(force_a.schema_name, up_to_id=events[-1].pk, cutoff=timezone.now(), floor=events[-1].pk)
    _seal_schema(force_a.schema_name, up_to_id=events[-1].pk, cutoff=timezone.now())  # the old sealer
    assert verify_schema(force_a.schema_name).ok  # the database alone cannot tell
    line = _verify_fails(force_a)
    assert "chain head not found" in line and "made again" in line


def test_init_chain_head_and_checking_an_older_copy(force_a, chain_head_file, tmp_path):
    _events(force_a, 2)
    seal_all(grace=NO_GRACE)
    chain_head_file.unlink()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("verify_audit", stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_audit", "--init-chain-head", stdout=out)
    assert "Wrote the chain heads" in out.getvalue()
    older = tmp_path / "older-copy.json"
    older.write_bytes(chain_head_file.read_bytes())
    _events(force_a, 2)
    seal_all(grace=NO_GRACE)
    assert read_chain_heads(chain_head_file) != read_chain_heads(older)
    out = io.StringIO()
    call_command("verify_audit", "--chain-head", str(older), stdout=out)  # an older copy still checks
    assert out.getvalue().startswith("OK: ") and str(older) in out.getvalue()
    # A file that disagrees with the database is not overwritten by --init-chain-head.
    _without_seal_trigger("DELETE FROM public.audit_auditseal WHERE schema_name = %s", [force_a.schema_name])
    before = chain_head_file.read_bytes()
    with pytest.raises(CommandError, match="move it aside"):
        call_command("verify_audit", "--init-chain-head", stdout=io.StringIO(), stderr=io.StringIO())
    assert chain_head_file.read_bytes() == before


def test_a_bad_chain_head_file_stops_sealing_loudly(force_a, chain_head_file):
    chain_head_file.parent.mkdir(parents=True)
    chain_head_file.write_text("{not json")
    _events(force_a, 1)
    with pytest.raises(ChainHeadFileError):
        seal_all(grace=NO_GRACE)
    with pytest.raises(CommandError, match="cannot read"):
        call_command("verify_audit", stdout=io.StringIO())
