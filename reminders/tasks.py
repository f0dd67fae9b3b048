"""Delivering reminders on a worker: one task per reminder, safe to run twice (the reliability
tests SIGKILL a worker in the middle of a batch of these)."""

from __future__ import annotations

import os
import time

from celery import shared_task

from .services import deliver_pending


@shared_task(name="reminders.tasks.deliver_reminder")
def deliver_reminder(reminder_id: int) -> int:
    """Deliver one reminder in the schema tenant-schemas-celery switched to; 0 if already done."""
    pause = float(os.environ.get("SPMP_TEST_TASK_PAUSE", "0") or 0)  # tests: widen the kill window
    if pause:
        time.sleep(pause)
    return deliver_pending(ids=[reminder_id]).delivered
