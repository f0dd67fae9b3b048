"""Sealing the audit log: a keyed HMAC chain over every schema's events, kept in the public schema.

Why: the database refuses UPDATE and DELETE on the log, but whoever owns the tables (or a superuser)
can disable the trigger, edit a row and re-enable it. The seals make that detectable: each row gets
an HMAC-SHA256 over a canonical serialisation of every column, keyed with ``AUDIT_SEAL_KEY`` (which
lives in the environment, never in the database, so a database writer cannot re-seal), and the
row MACs of each batch are chained to the previous batch's MAC. ``verify`` recomputes everything
and names the first changed, removed or inserted row.

Ordering: inserts take no lock beyond the table lock every INSERT takes, and play no game with the
sequence, so requests never wait for each other. The sealer alone decides the order (event id
order) and seals contiguous id ranges. The catch is that ids are handed out when a row is inserted,
not when its transaction commits: a request may take id 100, stay open for a while, and commit after
id 101 is already visible. If the sealer sealed 101 before 100 became visible, 100 would later look
like a row *inserted* into a sealed range. Two defences, see ``_open_writers`` and
``_sealable_prefix``:

1. The horizon (precise, per schema): the sealer reads the highest visible id M of each schema,
   then notes which transactions hold a ``RowExclusiveLock`` on that schema's event table (an
   INSERT takes it before it draws an id from the sequence and keeps it until its transaction
   ends). A row with an id below M that is not visible yet belongs to one of those transactions;
   a transaction that takes the lock later draws an id above M. Once every noted transaction has
   ended, every row up to M is either committed (visible) or rolled back (gone for good), and the
   schema is sealed. Only transactions that wrote to *that schema's* log hold it up: a long
   transaction in one force (or anywhere else in the database) does not stop sealing for the
   others. If one is still open after ``HORIZON_WAIT_SECONDS`` that schema is left for the next
   minute's run and the report says so; what bounds the delay is the database's
   ``idle_in_transaction_session_timeout`` and ``statement_timeout`` (set them in production).
   ``pg_locks`` is visible to every role, unlike other sessions' ``xact_start``.
2. The grace period (belt and braces): only rows at least ``AUDIT_SEAL_GRACE_SECONDS`` old are
   sealed, as a contiguous prefix in id order. It covers clock skew between application servers.

Rows after the last seal are reported by ``verify`` as "not yet sealed", never as tampering.

Removing seals: the seal table refuses UPDATE and DELETE like the event table (migration 0004), but
a superuser can disable both triggers, alter a sealed row, delete the seals from it onward and let
the sealer seal the altered row afresh. The answer is a copy of each schema's chain head (the last
seal's end and chain MAC) kept outside the database, in the file named by
``AUDIT_CHAIN_HEAD_PATH``: the sealer rewrites it after each run and never seals a schema whose
seals in the database no longer reach the head on file (it would seal below the highest id ever
sealed), and ``verify_audit`` checks that the head on file is a seal of the database's chain. The
file protects only if a copy of it lives where a database administrator cannot write (see the
command's help). Without it, removing the newest seals together with their rows (or re-sealing
after removing seals) is detectable only by comparing with an earlier verification report.

Known limits (stated, not hidden): a row written after the last seal can be changed before it is
sealed. The sealing job runs every minute to keep that window short.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from .models import AuditEvent, AuditSeal

logger = logging.getLogger(__name__)

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


def restore_chain_mac(
    schema_name: str,
    previous: str,
    restored_from: datetime,
    missing: list[list[int]],
    row_macs: list[list[Any]],
) -> str:
    """The chain MAC of a restore's seal: the ordinary one, with the backup's time and the lost
    sealed ids bound into the link, so neither can be edited without the key."""
    when = _canonical_value(restored_from)
    link = f"{previous}\nrestored from {when}; missing {json.dumps(missing, separators=(',', ':'))}"
    return chain_mac(schema_name, link, row_macs)


def seal_mac(schema_name: str, seal: AuditSeal) -> str:
    """What ``seal.chain_mac`` must be, for an ordinary seal or a restore's."""
    if seal.restored_from is not None:
        return restore_chain_mac(
            schema_name, seal.previous_chain_mac, seal.restored_from, seal.missing_event_ids, seal.row_macs
        )
    return chain_mac(schema_name, seal.previous_chain_mac, seal.row_macs)


def id_ranges(ids: list[int]) -> list[list[int]]:
    """Sorted ids as [first, last] runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for i in ids:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges


def _in_ranges(event_id: int, ranges: list[list[int]]) -> bool:
    return any(first <= event_id <= last for first, last in ranges)


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


# --- the chain head kept outside the database ----------------------------------------------------
@dataclass(frozen=True)
class ChainHead:
    """Where a schema's seal chain ended: the last seal's last event id and its chain MAC."""

    last_event_id: int
    chain_mac: str


class ChainHeadFileError(Exception):
    """The chain head file named in settings cannot be read: sealing and verifying stop."""


CHAIN_HEAD_FORMAT = 1


def chain_head_path() -> Path | None:
    """``AUDIT_CHAIN_HEAD_PATH`` as a path, or None when it is not set."""
    value = str(getattr(settings, "AUDIT_CHAIN_HEAD_PATH", "") or "").strip()
    return Path(value) if value else None


def read_chain_heads(path: Path) -> dict[str, ChainHead]:
    """The heads in ``path``; an empty dict when the file does not exist yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ChainHeadFileError(f"cannot read the audit chain head file {path}: {exc}") from exc
    try:
        if data.get("format") != CHAIN_HEAD_FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        return {
            str(name): ChainHead(int(head["last_event_id"]), str(head["chain_mac"]))
            for name, head in data["heads"].items()
        }
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ChainHeadFileError(f"the audit chain head file {path} is not valid: {exc!r}") from exc


def write_chain_heads(path: Path, heads: dict[str, ChainHead]) -> None:
    """Replace ``path`` atomically (write a temporary file beside it, fsync, rename)."""
    payload = {
        "format": CHAIN_HEAD_FORMAT,
        "written_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "heads": {
            name: {"last_event_id": head.last_event_id, "chain_mac": head.chain_mac}
            for name, head in sorted(heads.items())
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def database_head(schema_name: str) -> ChainHead | None:
    """The schema's chain head as the database has it (its last seal), or None before any seal."""
    last = _last_seal(schema_name)
    return ChainHead(last.last_event_id, last.chain_mac) if last else None


def head_problem(schema_name: str, head: ChainHead) -> str:
    """Why the database's seals do not contain ``head`` ("" when they do).

    The seal ending at the head's event id must exist with the same chain MAC; since every chain
    MAC covers all the seals before it, that vouches for the whole chain up to the head (``verify``
    checks the links). Seals after the head are fine: the copy may be older than the last run.
    """
    with schema_context(get_public_schema_name()):
        seal = (
            AuditSeal.objects.filter(schema_name=schema_name, last_event_id=head.last_event_id)
            .only("chain_mac")
            .first()
        )
    if seal is not None and hmac.compare_digest(seal.chain_mac, head.chain_mac):
        return ""
    db_head = database_head(schema_name)
    ends = f"event id {db_head.last_event_id}" if db_head else "no seal at all"
    if seal is None:
        return (
            f"the chain head kept outside the database ends at event id {head.last_event_id}, but no "
            f"seal in the database ends there (the database's seals reach {ends}): seals were removed, "
            f"and the rows after them up to event id {head.last_event_id} are no longer covered"
        )
    return (
        f"the seal ending at event id {head.last_event_id} differs from the chain head kept outside "
        "the database: seals were removed and made again, so a row they cover may have been changed"
    )


# --- sealing ----------------------------------------------------------------------------------
@dataclass
class SealReport:
    sealed: dict[str, int] = field(default_factory=dict)
    # schema -> why it was left for the next run (a transaction that wrote to its log is open)
    deferred: dict[str, str] = field(default_factory=dict)
    # schema -> why it is not sealed at all (its seals no longer reach the chain head on file)
    refused: dict[str, str] = field(default_factory=dict)
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return "another sealer is running; nothing done"
        total = sum(self.sealed.values())
        text = f"sealed {total} row(s) in {sum(1 for n in self.sealed.values() if n)} schema(s)"
        for name, why in sorted(self.deferred.items()):
            text += f"; deferred {name}: {why}"
        for name, why in sorted(self.refused.items()):
            text += f"; REFUSED {name}: {why}"
        return text


def _db_now() -> datetime:
    with connection.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


# Transactions that may still commit a row of a schema's log with an id below the highest visible
# one: those holding the RowExclusiveLock an INSERT takes on that schema's event table (before it
# draws the id, until the transaction ends). Readers (a backup, a long report) take only
# AccessShareLock and hold nothing up; nor do writers of other tables or other schemas.
# ``virtualtransaction`` names one transaction of one session, so a session that commits and begins
# another is not waited for again; prepared (two-phase) transactions have no pid and are included.
_OPEN_WRITERS_SQL = """
SELECT n.nspname, l.virtualtransaction
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.pid IS DISTINCT FROM pg_backend_pid()
  AND c.relname = %(table)s AND n.nspname = ANY(%(schemas)s)
"""


def _open_writers(schemas: list[str]) -> dict[str, set[str]]:
    """For each schema, the transactions now holding a write lock on its event table."""
    found: dict[str, set[str]] = {name: set() for name in schemas}
    if not schemas:
        return found
    with connection.cursor() as cur:
        cur.execute(_OPEN_WRITERS_SQL, {"table": AuditEvent._meta.db_table, "schemas": list(schemas)})
        for schema_name, vxid in cur.fetchall():
            found[schema_name].add(str(vxid))
    return found


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


def _seal_schema(schema_name: str, *, up_to_id: int, cutoff: datetime, floor: int = 0) -> int:
    """Seal the schema's sealable rows after its last seal; never at or below ``floor``.

    ``floor`` is the highest event id ever sealed as known outside the database (the chain head
    file); ``seal_all`` refuses a schema whose seals end below it, this is the last guard.
    """
    last = _last_seal(schema_name)
    after_id = last.last_event_id if last else 0
    if after_id < floor:
        raise RuntimeError(
            f"refusing to seal {schema_name} from event id {after_id + 1}: event ids up to {floor} "
            "were sealed before"
        )
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

    Runs under a PostgreSQL advisory lock: a second sealer started meanwhile does nothing. A schema
    is sealed as soon as the transactions that wrote to its log before the horizon have ended; one
    still open after ``horizon_wait`` seconds defers that schema only. With
    ``AUDIT_CHAIN_HEAD_PATH`` set, a schema whose seals no longer reach the head on file is refused,
    and the file is rewritten with the new heads at the end.
    """
    if grace is None:
        grace = timedelta(seconds=float(settings.AUDIT_SEAL_GRACE_SECONDS))
    report = SealReport()
    head_path = chain_head_path()
    with schema_context(get_public_schema_name()):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [SEALER_LOCK_KEY])
            if not cur.fetchone()[0]:
                report.skipped = True
                return report
        try:
            names = schemas if schemas is not None else audit_schemas()
            heads_on_file = read_chain_heads(head_path) if head_path else {}
            if head_path and not head_path.exists():
                logger.warning("audit chain head file %s does not exist yet; this run starts it", head_path)
            # 0. a schema whose seals no longer reach the head kept outside is not sealed again
            for name in names:
                if name in heads_on_file:
                    problem = head_problem(name, heads_on_file[name])
                    if problem:
                        report.refused[name] = problem
                        logger.error("audit sealing refused for %s: %s", name, problem)
            names = [name for name in names if name not in report.refused]
            # 1. the highest visible id of each schema, *before* the writers are noted
            highest: dict[str, int] = {}
            for name in names:
                with schema_context(name):
                    top = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
                highest[name] = top or 0
            # 2. the horizon: the transactions now writing to each schema's log
            horizon = _db_now()
            cutoff = horizon - grace
            waiting = _open_writers(names)
            deadline = time.monotonic() + horizon_wait
            while True:
                still = _open_writers([n for n in names if waiting[n]])
                for name in names:
                    if name in report.sealed or name not in waiting:
                        continue
                    waiting[name] &= still.get(name, set())
                    if not waiting[name]:
                        floor = heads_on_file[name].last_event_id if name in heads_on_file else 0
                        report.sealed[name] = _seal_schema(
                            name, up_to_id=highest[name], cutoff=cutoff, floor=floor
                        )
                if all(name in report.sealed for name in names) or time.monotonic() >= deadline:
                    break
                time.sleep(0.2)
            for name in names:
                if name not in report.sealed:
                    report.deferred[name] = (
                        f"{len(waiting[name])} transaction(s) that wrote to its log before "
                        f"{horizon:%H:%M:%S} still open, so rows with lower ids may yet appear"
                    )
            # 3. the new heads, kept outside the database
            if head_path:
                heads = dict(heads_on_file)
                for name in names:
                    head = database_head(name)
                    if head is not None:
                        heads[name] = head
                if heads != heads_on_file or not head_path.exists():
                    write_chain_heads(head_path, heads)
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
    HEAD_MISSING = "chain head not found"


@dataclass
class VerifyResult:
    schema_name: str
    sealed_rows: int = 0
    unsealed_rows: int = 0
    problem: str = ""
    event_id: int | None = None
    event_uuid: str = ""
    detail: str = ""
    # (when the backup was taken, sealed event ids it lacked as ranges) for each restore, oldest first
    restores: list[tuple[datetime, list[list[int]]]] = field(default_factory=list)
    # sealed rows missing because a restore said so (not a problem)
    lost_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem

    def restore_lines(self) -> list[str]:
        lines = []
        for when, missing in self.restores:
            lost = sum(last - first + 1 for first, last in missing)
            named = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in missing[:20])
            more = ", ..." if len(missing) > 20 else ""
            lines.append(
                f"NOTE: {self.schema_name}: restored from a backup of {when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC; "
                + (
                    f"{lost} sealed row(s) made after it are missing: event ids {named}{more}"
                    if lost
                    else "no sealed row missing"
                )
            )
        return lines

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
        if not hmac.compare_digest(seal_mac(schema_name, seal), seal.chain_mac):
            raise _SealBroken(f"the seal ending at event id {seal.last_event_id} was altered")
        for event_id, mac in seal.row_macs:
            yield int(event_id), str(mac)
        previous = seal.chain_mac


def verify_schema(schema_name: str, head: ChainHead | None = None) -> VerifyResult:
    """Recompute the chain and every sealed row's MAC; report the first problem in id order.

    ``head``: the schema's chain head as kept outside the database; once the chain holds together,
    it must be one of its seals (otherwise seals were removed, or removed and made again).
    """
    result = VerifyResult(schema_name=schema_name)
    with schema_context(get_public_schema_name()):
        last_sealed_id = (
            AuditSeal.objects.filter(schema_name=schema_name).aggregate(m=models.Max("last_event_id"))["m"]
            or 0
        )
    with schema_context(get_public_schema_name()):
        for seal in AuditSeal.objects.filter(schema_name=schema_name, restored_from__isnull=False).order_by(
            "last_event_id"
        ):
            if seal.restored_from is not None:
                result.restores.append((seal.restored_from, list(seal.missing_event_ids)))
    try:
        _merge(schema_name, last_sealed_id, result)
    except _SealBroken as exc:
        result.problem, result.detail = Problem.SEAL_BROKEN, str(exc)
        result.event_id, result.event_uuid = None, ""
    if result.ok and head is not None:
        problem = head_problem(schema_name, head)
        if problem:
            result.problem, result.detail = Problem.HEAD_MISSING, problem
    if result.ok:
        with schema_context(schema_name):
            result.unsealed_rows = AuditEvent.objects.filter(id__gt=last_sealed_id).count()
    return result


def _merge(schema_name: str, last_sealed_id: int, result: VerifyResult) -> None:
    """Walk the sealed (id, MAC) list and the table's rows up to the last sealed id together.

    A sealed row a restore declared lost (its seal names it, under the key) is counted, not a problem.
    """
    lost = [r for _, missing in result.restores for r in missing]
    sealed = _sealed_macs(schema_name)
    expected = next(sealed, None)
    for row in _rows(schema_name, after_id=0, up_to_id=last_sealed_id):
        while expected is not None and expected[0] < row["id"] and _in_ranges(expected[0], lost):
            result.lost_rows += 1
            expected = next(sealed, None)
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
    while expected is not None and _in_ranges(expected[0], lost):
        result.lost_rows += 1
        expected = next(sealed, None)
    if expected is not None:
        result.problem, result.event_id = Problem.REMOVED, expected[0]
        result.detail = "a sealed row is missing from the log"


# --- after a restore ------------------------------------------------------------------------------
@dataclass
class RestoreSeal:
    """What ``restart_after_restore`` did to one schema's chain."""

    schema_name: str
    restored_from: datetime
    marker_id: int
    missing: list[list[int]]
    resealed_rows: int

    @property
    def missing_count(self) -> int:
        return sum(last - first + 1 for first, last in self.missing)


def restart_after_restore(schema_name: str, restored_from: datetime) -> RestoreSeal:
    """Start a new link of ``schema_name``'s seal chain for its just-restored log.

    The restored table no longer matches the seals in public: sealed rows written after the backup
    are gone, and the id sequence went back with it. Seals are never changed (append-only), so this
    appends one restore seal, ending at a marker id above every id ever sealed or restored, which

    - names the sealed event ids the restored log lacks (``missing_event_ids``, as ranges) and when
      the backup was taken (``restored_from``), both under the chain MAC;
    - seals the restored rows that were not sealed yet (made between the last seal and the backup);
    - leaves the id sequence above the marker, so no new event reuses an id ever sealed;

    then rewrites the chain head kept outside the database. ``verify`` reports the restore and the
    lost rows instead of a removal. The caller holds the sealer's advisory lock (restore_force does)
    so no sealing run interleaves; it is taken here too (the lock is re-entrant per session).
    """
    with schema_context(get_public_schema_name()):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [SEALER_LOCK_KEY])
        try:
            return _restart(schema_name, restored_from)
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])


def _restart(schema_name: str, restored_from: datetime) -> RestoreSeal:
    last = _last_seal(schema_name)
    sealed_up_to = last.last_event_id if last else 0
    previous = last.chain_mac if last else ""
    table = f"{connection.ops.quote_name(schema_name)}.{connection.ops.quote_name(AuditEvent._meta.db_table)}"
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 (a force's schema name)
        restored_up_to = int(cur.fetchone()[0])
    marker = max(sealed_up_to, restored_up_to) + 1
    # Sealed ids the restored log lacks: walk the seals' ids against the table's, both in id order.
    missing: list[int] = []
    present = (row["id"] for row in _rows(schema_name, after_id=0, up_to_id=sealed_up_to))
    current = next(present, None)
    for seal in _public_seals(schema_name):
        for event_id, _mac in seal.row_macs:
            event_id = int(event_id)
            while current is not None and current < event_id:
                current = next(present, None)
            if current != event_id:
                missing.append(event_id)
    # Restored rows after the last seal: the backup's own, sealed now under the restore seal.
    row_macs = [
        [row["id"], row_mac(schema_name, row)]
        for row in _rows(schema_name, after_id=sealed_up_to, up_to_id=restored_up_to)
    ]
    ranges = id_ranges(missing)
    mac = restore_chain_mac(schema_name, previous, restored_from, ranges, row_macs)
    with schema_context(get_public_schema_name()), transaction.atomic():
        AuditSeal.objects.create(
            schema_name=schema_name,
            first_event_id=row_macs[0][0] if row_macs else marker,
            last_event_id=marker,
            row_macs=row_macs,
            previous_chain_mac=previous,
            chain_mac=mac,
            restored_from=restored_from,
            missing_event_ids=ranges,
        )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f"{schema_name}.{AuditEvent._meta.db_table}"])
        sequence = cur.fetchone()[0]
        cur.execute("SELECT setval(%s, %s, true)", [sequence, marker])  # the next id is marker + 1
    head_path = chain_head_path()
    if head_path:
        heads = read_chain_heads(head_path)
        heads[schema_name] = ChainHead(marker, mac)
        write_chain_heads(head_path, heads)
    return RestoreSeal(schema_name, restored_from, marker, ranges, len(row_macs))
