"""Periodic jobs: fan-out to every force, in that force's schema, once per day; by hand and on a worker."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from jobs.models import Heartbeat, JobRun
from jobs.registry import beat_schedule, run_for_force
from tests.helpers import child_env

DAY = dt.date(2026, 1, 15)


def test_run_for_force_records_the_schema_and_is_idempotent(force_a, force_b):
    assert run_for_force("heartbeat", force_a, DAY) == "ran"
    assert run_for_force("heartbeat", force_a, DAY) == "skipped"
    run = JobRun.objects.get(job="heartbeat", force=force_a, day=DAY)
    assert run.outcome == JobRun.Outcome.SUCCEEDED
    assert run.schema_seen == force_a.schema_name
    assert run.idempotency_key == f"heartbeat:lincolnshire:{DAY.isoformat()}"
    with schema_context(force_a.schema_name):
        assert Heartbeat.objects.get(day=DAY).schema_name == force_a.schema_name
    with schema_context(force_b.schema_name):
        assert not Heartbeat.objects.filter(day=DAY).exists()


def test_a_failed_run_is_recorded_and_may_be_retried(force_a, monkeypatch):
    from jobs import registry

    job = registry.get_job("heartbeat")

    def boom(**kwargs):
        raise RuntimeError("broken")

    monkeypatch.setitem(
        registry._JOBS, "heartbeat", registry.PeriodicJob(name="heartbeat", func=boom, schedule=job.schedule)
    )
    with pytest.raises(RuntimeError):
        run_for_force("heartbeat", force_a, DAY)
    assert JobRun.objects.get(job="heartbeat", force=force_a, day=DAY).outcome == JobRun.Outcome.FAILED
    monkeypatch.setitem(registry._JOBS, "heartbeat", job)
    assert run_for_force("heartbeat", force_a, DAY) == "ran"


def test_run_job_command_covers_every_force_then_skips(forces, capsys):
    call_command("run_job", "heartbeat", "--date", DAY.isoformat(), "--no-progress")
    assert "ran in 2 force(s)" in capsys.readouterr().out
    call_command("run_job", "heartbeat", "--date", DAY.isoformat(), "--no-progress")
    assert "skipped 2 already done" in capsys.readouterr().out


def test_run_job_command_for_one_force(forces, force_b, capsys):
    call_command(
        "run_job", "heartbeat", "--force", "nottinghamshire", "--date", DAY.isoformat(), "--no-progress"
    )
    assert list(JobRun.objects.filter(day=DAY).values_list("force__slug", flat=True)) == ["nottinghamshire"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope"], "Unknown job 'nope'"),
        (["heartbeat", "--date", "15/01/2026"], "--date must be YYYY-MM-DD"),
        (["heartbeat", "--force", "atlantis"], "No onboarded force with the slug 'atlantis'"),
    ],
)
def test_run_job_command_bad_input(forces, argv, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_job", *argv, "--no-progress")


def test_beat_has_one_entry_per_job():
    schedule = beat_schedule()
    assert schedule["job:heartbeat"]["task"] == "jobs.tasks.fan_out_job"
    assert schedule["job:heartbeat"]["args"] == ("heartbeat",)


@pytest.mark.slow
def test_a_real_worker_runs_the_job_in_each_force_schema_once_per_day(committed_forces, tmp_path):
    """A real Celery worker on kombu's filesystem broker (no server): fan-out, right schema, once."""
    force_a, force_b = committed_forces
    env = child_env(SPMP_DATA_DIR=str(tmp_path), CELERY_BROKER_URL="")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "spmp_platform",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        send = (
            "from jobs.tasks import fan_out_job; "
            f"fan_out_job.delay('heartbeat', '{DAY.isoformat()}'); "
            f"fan_out_job.delay('heartbeat', '{DAY.isoformat()}')"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", send],
            env=env,
            cwd=settings.BASE_DIR,
            check=True,
            timeout=120,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            done = JobRun.objects.filter(day=DAY, outcome=JobRun.Outcome.SUCCEEDED).count()
            if done >= 2:
                break
            time.sleep(0.5)
        time.sleep(3)  # let the duplicate fan-out's tasks arrive and be skipped
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    runs = {r.force.slug: r for r in JobRun.objects.filter(day=DAY).select_related("force")}
    assert set(runs) == {"lincolnshire", "nottinghamshire"}, output
    for force in (force_a, force_b):
        assert runs[force.slug].schema_seen == force.schema_name
        with schema_context(force.schema_name):
            assert list(Heartbeat.objects.values_list("schema_name", flat=True)) == [force.schema_name]
    assert JobRun.objects.filter(day=DAY).count() == 2


# --- a run left running by a killed worker (issue 8, item 10) ------------------------------------
def _left_running(force, age: dt.timedelta) -> JobRun:  # type: ignore[no-untyped-def]
    return JobRun.objects.create(job="heartbeat", force=force, day=DAY, started_at=timezone.now() - age)


def test_a_run_left_running_past_the_timeout_is_taken_over_and_logged(force_a, force_b, settings, caplog):
    settings.JOB_RUN_TIMEOUT_SECONDS = 600
    dead = _left_running(force_a, dt.timedelta(seconds=601))
    with caplog.at_level(logging.WARNING, logger="jobs.registry"):
        assert run_for_force("heartbeat", force_a, DAY) == "ran"
    run = JobRun.objects.get(pk=dead.pk)
    assert run.outcome == JobRun.Outcome.SUCCEEDED and run.schema_seen == force_a.schema_name
    assert run.started_at > dead.started_at
    assert "took over a run started at" in run.detail
    assert any("took over" in r.getMessage() and force_a.slug in r.getMessage() for r in caplog.records)
    with schema_context(force_a.schema_name):
        assert Heartbeat.objects.filter(day=DAY).exists()
    with schema_context(force_b.schema_name):  # the other force's day is its own
        assert not Heartbeat.objects.filter(day=DAY).exists()
    assert run_for_force("heartbeat", force_a, DAY) == "skipped"


def test_a_run_still_within_the_timeout_is_left_alone(force_a, settings):
    settings.JOB_RUN_TIMEOUT_SECONDS = 600
    running = _left_running(force_a, dt.timedelta(seconds=60))
    assert run_for_force("heartbeat", force_a, DAY) == "skipped"
    assert JobRun.objects.get(pk=running.pk).outcome == JobRun.Outcome.RUNNING


def test_two_workers_taking_over_the_same_dead_run_run_it_once(committed_forces, settings, monkeypatch):
    """Real concurrency: two threads, each with its own database connection, find the same stale
    run; the conditional takeover lets exactly one of them run the job."""
    from django.db import connection

    from jobs import registry

    force_a, _ = committed_forces
    settings.JOB_RUN_TIMEOUT_SECONDS = 1
    _left_running(force_a, dt.timedelta(minutes=5))
    calls: list[str] = []
    gate = threading.Barrier(2)

    def slow(*, force, day):  # type: ignore[no-untyped-def]
        calls.append(force.slug)
        time.sleep(0.5)
        return "slow"

    monkeypatch.setitem(
        registry._JOBS, "heartbeat", registry.PeriodicJob(name="heartbeat", func=slow, schedule=None)
    )
    results: list[str] = []

    def worker() -> None:
        try:
            gate.wait(timeout=10)
            results.append(run_for_force("heartbeat", force_a, DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["ran", "skipped"]
    assert calls == [force_a.slug]
    assert JobRun.objects.get(job="heartbeat", force=force_a, day=DAY).outcome == JobRun.Outcome.SUCCEEDED


def test_run_job_takes_the_day_from_timezone_localdate_as_the_fan_out_does(forces, monkeypatch, capsys):
    """``date.today()`` follows the process clock; the beat fan-out uses TIME_ZONE's date."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: DAY)
    call_command("run_job", "heartbeat", "--no-progress")
    assert f"heartbeat for {DAY}" in capsys.readouterr().out
    assert set(JobRun.objects.values_list("day", flat=True)) == {DAY}
