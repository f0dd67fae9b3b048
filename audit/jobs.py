"""The audit log's periodic job: seal new rows every minute (see audit.sealing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab

from jobs.registry import periodic_job

from .sealing import seal_all


@periodic_job("seal_audit", schedule=crontab(), per_force=False)
def seal_audit(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every minute: chain every schema's new audit rows with a keyed HMAC, seals kept in public."""
    return seal_all().summary()
