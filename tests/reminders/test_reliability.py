"""Reminders survive a worker killed mid-task and a broker restart (issue 16 item 5): a real
redis-server of our own (Debian's, on a free port, append-only on) and real Celery workers.

The mechanism is the production one (acks late, reject on worker lost, prefetch 1); only the
visibility timeout and the time limits are shortened so a lost task comes back within seconds."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from core.roles import ForceRole
from jobs.models import JobRun
from reminders.models import InboxItem, Reminder
from reminders.services import Due, write_reminders
from tests.factories import make_user
from tests.helpers import child_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server"),
]

BATCH = 50
VISIBILITY = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _env(server: RedisServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    return child_env(
        SPMP_DATA_DIR=str(tmp_path),
        CELERY_BROKER_URL=server.url,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        CELERY_TASK_TIME_LIMIT=str(VISIBILITY - 1),
        CELERY_TASK_SOFT_TIME_LIMIT=str(VISIBILITY - 2),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        **extra,
    )


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "spmp_platform",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _send(env: dict[str, str], code: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        timeout=120,
    )


def _wait(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def _outbox(force: Any, user: Any) -> list[int]:
    dues = [
        Due(
            kind="review-due",
            object_uuid=uuid.uuid4(),
            due_on=dt.date(2026, 6, 1),
            title=f"Reminder {n}",
            also=frozenset({user.pk}),
        )
        for n in range(BATCH)
    ]
    with schema_context(force.schema_name):
        assert write_reminders(dues, force=force) == BATCH
        return list(Reminder.objects.order_by("id").values_list("id", flat=True))


def _delivered(force: Any) -> int:
    with schema_context(force.schema_name):
        return InboxItem.objects.count()


def _message_ids(*logs: Path) -> list[str]:
    return [
        line.split(":", 1)[1].strip()
        for log in logs
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith("Message-ID:") and ".reminder@" in line
    ]


def _received(log: Path) -> int:
    """Deliver tasks a worker received (its INFO log names each one)."""
    return sum(
        1
        for line in log.read_text(errors="replace").splitlines()
        if "Task reminders.tasks.deliver_reminder[" in line and "received" in line
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    committed_forces, redis_server, tmp_path
):
    force, other = committed_forces
    user = make_user(force=force, roles=[ForceRole.COORDINATOR])
    ids = _outbox(force, user)
    env = _env(redis_server, tmp_path, SPMP_TEST_TASK_PAUSE="0.3")
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    first = _worker(env, first_log)
    second = None
    try:
        _send(
            env,
            "from reminders.tasks import deliver_reminder\n"
            f"for i in {ids!r}:\n"
            f"    deliver_reminder.apply_async(args=(i,), headers={{'_schema_name': '{force.schema_name}'}})",
        )
        assert _wait(lambda: _delivered(force) >= 10, 90), first_log.read_text()
        first.send_signal(signal.SIGKILL)  # in the middle of a task (each pauses 0.3 s first)
        first.wait(timeout=20)
        killed_at = _delivered(force)
        second = _worker(env, second_log)
        assert _wait(lambda: _delivered(force) == BATCH, 120), second_log.read_text()
        time.sleep(VISIBILITY + 2)  # anything else redelivered would land now
    finally:
        for w in (first, second):
            if w is not None and w.poll() is None:
                w.terminate()
                w.wait(timeout=30)
    with schema_context(force.schema_name):
        assert InboxItem.objects.count() == BATCH
        assert InboxItem.objects.values("reminder_id").distinct().count() == BATCH
        assert not Reminder.objects.filter(delivered_at__isnull=True).exists()
    with schema_context(other.schema_name):
        assert not InboxItem.objects.exists()
    received = _received(first_log) + _received(second_log)
    sent = _message_ids(first_log, second_log)
    report = (
        f"worker killed after {killed_at} of {BATCH} delivered; tasks received {received} "
        f"(redelivered {received - BATCH}); inbox items {BATCH}, each once; emails {len(sent)} "
        f"({len(sent) - len(set(sent))} duplicate Message-IDs)"
    )
    print(report)
    assert len(set(sent)) == BATCH  # every reminder emailed at least once
    assert received >= BATCH


def test_the_same_daily_job_twice_and_a_broker_restart(committed_forces, redis_server, tmp_path):
    force, other = committed_forces
    day = dt.date.today()
    env = _env(redis_server, tmp_path)
    log = tmp_path / "worker.log"
    worker = _worker(env, log)
    try:
        send = (
            "from jobs.tasks import fan_out_job\n"
            f"fan_out_job.delay('review_reminders', '{day.isoformat()}')\n"
            f"fan_out_job.delay('review_reminders', '{day.isoformat()}')\n"
        )
        _send(env, send)
        assert _wait(
            lambda: JobRun.objects.filter(job="review_reminders", day=day, outcome="succeeded").count() == 2,
            90,
        ), log.read_text()
        # The broker restarts (append-only file kept); a job sent after it still completes.
        redis_server.stop()
        redis_server.start()
        _send(
            env, f"from jobs.tasks import fan_out_job\nfan_out_job.delay('heartbeat', '{day.isoformat()}')\n"
        )
        assert _wait(
            lambda: JobRun.objects.filter(job="heartbeat", day=day, outcome="succeeded").count() == 2, 120
        ), log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    runs = JobRun.objects.filter(day=day)
    assert runs.filter(job="review_reminders").count() == 2
    assert {r.schema_seen for r in runs.filter(job="review_reminders")} == {
        force.schema_name,
        other.schema_name,
    }


def test_ten_forces_interleaved_each_task_in_its_own_schema(committed_forces, redis_server, tmp_path):
    """Two workers take the fan-out of 10 forces in whatever order: each run in its own schema."""
    from django.db import connection

    from jobs.models import Heartbeat
    from tenants.models import Force
    from tenants.services import onboard_force

    force_a, _b = committed_forces
    region = force_a.region.slug if force_a.region else "east-midlands"
    extra = [
        onboard_force(
            region_slug=region, slug=f"rel-{n}", name=f"Reliability force {n}", admin_email=f"a@rel{n}.test"
        ).force
        for n in range(8)
    ]
    connection.set_schema_to_public()
    day = dt.date(2026, 3, 1)
    env = _env(redis_server, tmp_path)
    workers = [_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        _send(
            env, f"from jobs.tasks import fan_out_job\nfan_out_job.delay('heartbeat', '{day.isoformat()}')\n"
        )
        assert _wait(
            lambda: JobRun.objects.filter(job="heartbeat", day=day, outcome="succeeded").count() == 10, 120
        ), (tmp_path / "w0.log").read_text()
        forces = list(Force.objects.exclude(schema_name="public"))
        assert len(forces) == 10
        for force in forces:
            run = JobRun.objects.get(job="heartbeat", day=day, force=force)
            assert run.schema_seen == force.schema_name
            with schema_context(force.schema_name):
                assert list(Heartbeat.objects.values_list("schema_name", flat=True)) == [force.schema_name]
    finally:
        for w in workers:
            w.terminate()
            w.wait(timeout=30)
        connection.set_schema_to_public()
        for force in extra:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{force.schema_name}" CASCADE')
            Force.objects.filter(pk=force.pk).delete()
