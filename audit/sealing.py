"""Sealing the audit log: a keyed HMAC chain over every schema's events, kept in the public schema.

Why: the database refuses UPDATE and DELETE on the log, but whoever owns the tables (or a superuser)
can disable the trigger, edit a row and re-enable it. The seals make that detectable: each row gets
an HMAC-SHA256 over a canonical serialisation of every column, keyed with ``AUDIT_SEAL_KEY`` (which
lives in the environment, never in the database, so a database writer cannot re-seal), and the
row MACs of each batch are chained to the previous batch's MAC. ``verify`` recomputes everything
and names the first changed, removed or inserted row.

Ordering: inserts take no lock and play no game with the sequence, so requests never wait for each
other. The sealer alone decides the order (event id order) and seals contiguous id ranges. The
catch is that ids are handed out when a row is inserted, not when its transaction commits: a
request may take id 100, stay open for a while, and commit after id 101 is already visible. If the
sealer sealed 101 before 100 became visible, 100 would later look like a row *inserted* into a
sealed range. Two defences, see ``_wait_for_older_transactions`` and ``_sealable_prefix``:

1. The horizon (precise): the sealer reads the highest visible id M of each schema, then notes the
   database clock t0 and waits until every writing transaction that began before t0 has ended. Any
   row with an id below M got its id before M did, so its transaction began before t0; once those
   have all ended, every row up to M is either committed (visible) or rolled back (gone for good).
   If one is still open after ``HORIZON_WAIT_SECONDS`` the run seals nothing and says so; the next
   minute's run tries again (set ``idle_in_transaction_session_timeout`` in production).
2. The grace period (belt and braces): only rows at least ``AUDIT_SEAL_GRACE_SECONDS`` old are
   sealed, as a contiguous prefix in id order. It covers clock skew between application servers
   and a role that cannot see other sessions' ``xact_start`` in ``pg_stat_activity``.

Rows after the last seal are reported by ``verify`` as "not yet sealed", never as tampering.

Known limits (stated, not hidden): deleting the newest seals together with the rows they covered
is detectable only by comparing with an earlier verification report; a row written after the last
seal can be changed before it is sealed. The sealing job runs every minute to keep that window short.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from .models import AuditEvent, AuditSeal

# An arbitrary constant naming "the audit sealer" among PostgreSQL advisory locks.
SEALER_LOCK_KEY = 0x5E41_A0D1
# At most this many rows per seal row, so one seal's JSON stays small after a bulk import.
MAX_ROWS_PER_SEAL = 5000
# How long one run waits for transactions older than its horizon before giving up till next minute.
HORIZON_WAIT_SECONDS = 20.0

_FIELDS = [f for f in AuditEvent._meta.concrete_fields]
_COLUMNS = [f.attname for f in _FIELDS]


# --- MACs -------------------------------------------------------------------------------------
def _key() -> bytes:
    return str(settings.AUDIT_SEAL_KEY).encode("utf-8")


def _canonical_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        # UTC, microseconds always written: the same instant always serialises the same way.
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_canonical_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    return str(value)


def canonical_row(schema_name: str, row: dict[str, Any]) -> bytes:
    """Every column of one event (plus its schema, so a row cannot be moved to another force)."""
    payload = {"schema": schema_name, **{col: _canonical_value(row[col]) for col in _COLUMNS}}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def row_mac(schema_name: str, row: dict[str, Any]) -> str:
    return hmac.new(_key(), canonical_row(schema_name, row), hashlib.sha256).hexdigest()


def chain_mac(schema_name: str, previous: str, row_macs: list[list[Any]]) -> str:
    """HMAC(previous chain MAC + the batch's row MACs), ids included so a reordering shows."""
    h = hmac.new(_key(), digestmod=hashlib.sha256)
    h.update(f"{schema_name}\n{previous}\n".encode())
    for event_id, mac in row_macs:
        h.update(f"{int(event_id)}:{mac}\n".encode())
    return h.hexdigest()


# --- reading rows -----------------------------------------------------------------------------
# Both readers fetch in id-ordered chunks, each chunk inside its own short schema_context, and hold
# no schema switch across a ``yield``: verifying interleaves a force's rows with the public seals,
# and a generator suspended inside schema_context would restore the wrong schema when closed.
ROW_CHUNK = 2000
SEAL_CHUNK = 20


def _rows(schema_name: str, *, after_id: int, up_to_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Rows of ``schema_name``'s log with ``after_id < id <= up_to_id``, in id order."""
    while True:
        with schema_context(schema_name):
            qs = AuditEvent.objects.filter(id__gt=after_id).order_by("id")
            if up_to_id is not None:
                qs = qs.filter(id__lte=up_to_id)
            chunk = list(qs.values(*_COLUMNS)[:ROW_CHUNK])
        yield from chunk
        if len(chunk) < ROW_CHUNK:
            return
        after_id = chunk[-1]["id"]


def _public_seals(schema_name: str) -> Iterator[AuditSeal]:
    """The schema's seals in chain order, read from the public schema (where seals live)."""
    after = -1
    while True:
        with schema_context(get_public_schema_name()):
            chunk = list(
                AuditSeal.objects.filter(schema_name=schema_name, last_event_id__gt=after).order_by(
                    "last_event_id"
                )[:SEAL_CHUNK]
            )
        yield from chunk
        if len(chunk) < SEAL_CHUNK:
            return
        after = chunk[-1].last_event_id


def _last_seal(schema_name: str) -> AuditSeal | None:
    with schema_context(get_public_schema_name()):
        return (
            AuditSeal.objects.filter(schema_name=schema_name)
            .only("last_event_id", "chain_mac")
            .order_by("-last_event_id")
            .first()
        )


def audit_schemas() -> list[str]:
    """The public schema and every force's schema (each has its own log)."""
    from jobs.registry import forces_for_jobs

    return [get_public_schema_name(), *(f.schema_name for f in forces_for_jobs())]


# --- sealing ----------------------------------------------------------------------------------
@dataclass
class SealReport:
    sealed: dict[str, int] = field(default_factory=dict)
    deferred: str = ""
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return "another sealer is running; nothing done"
        total = sum(self.sealed.values())
        text = f"sealed {total} row(s) in {sum(1 for n in self.sealed.values() if n)} schema(s)"
        return f"{text}; {self.deferred}" if self.deferred else text


def _db_now() -> datetime:
    with connection.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


# Sessions that may still hold an audit row with an id below the horizon: client sessions whose
# transaction began before it and that have written something (an INSERT assigns a transaction id,
# backend_xid) or are in the middle of a statement begun before it (the moment between taking the
# id from the sequence and writing the row, inside record_event's single INSERT). Read-only
# transactions (a backup, a long report) and autovacuum do not hold sealing up.
_OPEN_WRITERS_SQL = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
  AND xact_start < %(horizon)s
  AND (backend_xid IS NOT NULL OR (state = 'active' AND query_start < %(horizon)s))
"""


def _wait_for_older_transactions(horizon: datetime, timeout: float) -> int:
    """Wait until no other session may still commit an audit row taken before ``horizon``.

    Returns how many such transactions are still open when ``timeout`` runs out (0: all ended).
    ``pg_stat_clear_snapshot()`` because PostgreSQL otherwise answers from a per-transaction cache.
    The application's role sees ``xact_start`` of its own sessions, which is all that write the log.
    """
    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_stat_clear_snapshot()")
            cur.execute(_OPEN_WRITERS_SQL, {"horizon": horizon})
            open_count = int(cur.fetchone()[0])
        if open_count == 0 or time.monotonic() >= deadline:
            return open_count
        time.sleep(0.2)


def _sealable_prefix(
    schema_name: str, *, after_id: int, up_to_id: int, cutoff: datetime
) -> Iterator[dict[str, Any]]:
    """Rows to seal: the contiguous run, in id order, of rows older than ``cutoff``.

    Contiguous, because a seal covers an id range: a young row with a low id stops the run, or it
    would appear later as a row inserted into a sealed range.
    """
    for row in _rows(schema_name, after_id=after_id, up_to_id=up_to_id):
        if row["occurred_at"] >= cutoff:
            return
        yield row


def _seal_schema(schema_name: str, *, up_to_id: int, cutoff: datetime) -> int:
    last = _last_seal(schema_name)
    after_id = last.last_event_id if last else 0
    previous = last.chain_mac if last else ""
    sealed = 0
    batch: list[list[Any]] = []

    def flush() -> None:
        nonlocal previous, batch
        if not batch:
            return
        mac = chain_mac(schema_name, previous, batch)
        with schema_context(get_public_schema_name()), transaction.atomic():
            AuditSeal.objects.create(
                schema_name=schema_name,
                first_event_id=batch[0][0],
                last_event_id=batch[-1][0],
                row_macs=batch,
                previous_chain_mac=previous,
                chain_mac=mac,
            )
        previous, batch = mac, []

    for row in _sealable_prefix(schema_name, after_id=after_id, up_to_id=up_to_id, cutoff=cutoff):
        batch.append([row["id"], row_mac(schema_name, row)])
        sealed += 1
        if len(batch) >= MAX_ROWS_PER_SEAL:
            flush()
    flush()
    return sealed


def seal_all(
    *,
    schemas: list[str] | None = None,
    grace: timedelta | None = None,
    horizon_wait: float = HORIZON_WAIT_SECONDS,
) -> SealReport:
    """Seal every schema's new audit rows (see the module docstring for which rows and why).

    Runs under a PostgreSQL advisory lock: a second sealer started meanwhile does nothing.
    """
    if grace is None:
        grace = timedelta(seconds=float(settings.AUDIT_SEAL_GRACE_SECONDS))
    report = SealReport()
    with schema_context(get_public_schema_name()):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [SEALER_LOCK_KEY])
            if not cur.fetchone()[0]:
                report.skipped = True
                return report
        try:
            names = schemas if schemas is not None else audit_schemas()
            # 1. the highest visible id of each schema, *before* the horizon is taken
            highest: dict[str, int] = {}
            for name in names:
                with schema_context(name):
                    top = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
                highest[name] = top or 0
            # 2. the horizon, then wait for every transaction older than it
            horizon = _db_now()
            still_open = _wait_for_older_transactions(horizon, horizon_wait)
            if still_open:
                report.deferred = (
                    f"deferred: {still_open} database transaction(s) older than {horizon:%H:%M:%S} "
                    "still open, so rows with lower ids may yet appear"
                )
                return report
            cutoff = horizon - grace
            for name in names:
                report.sealed[name] = _seal_schema(name, up_to_id=highest[name], cutoff=cutoff)
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])
    return report


# --- verifying --------------------------------------------------------------------------------
class Problem:
    CHANGED = "changed"
    REMOVED = "removed"
    INSERTED = "inserted"
    SEAL_BROKEN = "seal chain broken"


@dataclass
class VerifyResult:
    schema_name: str
    sealed_rows: int = 0
    unsealed_rows: int = 0
    problem: str = ""
    event_id: int | None = None
    event_uuid: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def line(self) -> str:
        if self.ok:
            return (
                f"OK: {self.schema_name}: {self.sealed_rows} rows sealed, {self.unsealed_rows} not yet sealed"
            )
        who = f"event id {self.event_id}" if self.event_id is not None else "seal"
        if self.event_uuid:
            who += f" (uuid {self.event_uuid})"
        return f"PROBLEM: {self.schema_name}: {who} {self.problem}: {self.detail}"


class _SealBroken(Exception):
    pass


def _sealed_macs(schema_name: str) -> Iterator[tuple[int, str]]:
    """Every sealed (event id, row MAC), in id order, after checking each seal's link and MAC.

    Streamed seal by seal, so verifying a large log holds one seal's MACs in memory, not all.
    """
    previous = ""
    for seal in _public_seals(schema_name):
        if seal.previous_chain_mac != previous:
            raise _SealBroken(
                f"the seal ending at event id {seal.last_event_id} does not follow the seal before it "
                "(a seal was removed or replaced)"
            )
        if not hmac.compare_digest(chain_mac(schema_name, previous, seal.row_macs), seal.chain_mac):
            raise _SealBroken(f"the seal ending at event id {seal.last_event_id} was altered")
        for event_id, mac in seal.row_macs:
            yield int(event_id), str(mac)
        previous = seal.chain_mac


def verify_schema(schema_name: str) -> VerifyResult:
    """Recompute the chain and every sealed row's MAC; report the first problem in id order."""
    result = VerifyResult(schema_name=schema_name)
    with schema_context(get_public_schema_name()):
        last_sealed_id = (
            AuditSeal.objects.filter(schema_name=schema_name).aggregate(m=models.Max("last_event_id"))["m"]
            or 0
        )
    try:
        _merge(schema_name, last_sealed_id, result)
    except _SealBroken as exc:
        result.problem, result.detail = Problem.SEAL_BROKEN, str(exc)
        result.event_id, result.event_uuid = None, ""
    if result.ok:
        with schema_context(schema_name):
            result.unsealed_rows = AuditEvent.objects.filter(id__gt=last_sealed_id).count()
    return result


def _merge(schema_name: str, last_sealed_id: int, result: VerifyResult) -> None:
    """Walk the sealed (id, MAC) list and the table's rows up to the last sealed id together."""
    sealed = _sealed_macs(schema_name)
    expected = next(sealed, None)
    for row in _rows(schema_name, after_id=0, up_to_id=last_sealed_id):
        if expected is not None and expected[0] < row["id"]:
            result.problem, result.event_id = Problem.REMOVED, expected[0]
            result.detail = "a sealed row is missing from the log"
            return
        if expected is not None and expected[0] == row["id"]:
            if not hmac.compare_digest(row_mac(schema_name, row), expected[1]):
                result.problem, result.event_id = Problem.CHANGED, row["id"]
                result.event_uuid = str(row["uuid"])
                result.detail = "the row differs from what was sealed"
                return
            result.sealed_rows += 1
            expected = next(sealed, None)
            continue
        result.problem, result.event_id, result.event_uuid = Problem.INSERTED, row["id"], str(row["uuid"])
        result.detail = "a row inside a sealed range was never sealed"
        return
    if expected is not None:
        result.problem, result.event_id = Problem.REMOVED, expected[0]
        result.detail = "a sealed row is missing from the log"
