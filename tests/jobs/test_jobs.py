"""Periodic jobs: fan-out to every force, in that force's schema, once per day; by hand and on a worker."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
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
