"""The local services a development process needs, started on request and never by importing settings.

Settings only compute URLs and paths. The entry points that need a database or the local broker call
``ensure_local_services()`` once: ``manage.py`` (for commands that touch the database), the WSGI and
ASGI modules, the Celery app, the test session (``tests/conftest.py``) and ``bench/``. With
``DATABASE_URL`` set and ``CELERY_BROKER_URL`` naming a server (production) it does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# manage.py commands that never open a database connection: they must work without starting one.
COMMANDS_WITHOUT_DATABASE = frozenset(
    {
        "help",
        "--help",
        "-h",
        "version",
        "--version",
        "check",
        "collectstatic",
        "findstatic",
        "diffsettings",
        "startapp",
        "startproject",
        "compilemessages",
        "makemessages",
    }
)


def start_embedded_server(pg_dir: Path) -> str:
    """Start pgserver under ``pg_dir`` if it is not already running and return its URL.

    The server keeps running after this process exits (``cleanup_mode=None``), so the demo, the
    Celery worker and management commands all share one server and its data survives restarts.
    """
    import pgserver  # imported lazily: production never needs it

    pg_dir.mkdir(parents=True, exist_ok=True)
    # pgserver insists on owning its folder; the platformdirs warning it triggers is noise here.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pg_dir.parent))
    server = pgserver.get_server(str(pg_dir), cleanup_mode=None)
    return str(server.get_uri())


def stop_embedded_database(pg_dir: Path) -> None:
    """Stop the embedded server whose data lives in ``pg_dir`` (its data stays)."""
    # pgserver runs its binaries as the "pgserver" user under root; pg_ctl is made at import.
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

    user = "pgserver" if os.geteuid() == 0 else None
    if (pg_dir / "postmaster.pid").exists():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pg_dir, user=user)


def ensure_embedded_database() -> None:
    """When ``DATABASE_URL`` is unset: start the embedded server and point the default database at it.

    Settings guess the server's socket folder (``SPMP_DATA_DIR/pg``); pgserver may choose another one
    when that path is too long for a socket, so the connection fields are replaced, in place, with
    the running server's. In place, because Django's connection handler holds the same dictionary.
    """
    from django.conf import settings

    if not settings.EMBEDDED_DATABASE:
        return
    url = urlsplit(start_embedded_server(Path(settings.EMBEDDED_DATABASE_DIR)))
    query = parse_qs(url.query)
    db = settings.DATABASES["default"]
    db["HOST"] = query["host"][0] if "host" in query else (url.hostname or "")
    db["PORT"] = str(url.port or "")
    db["USER"] = unquote(url.username or "postgres")
    db["PASSWORD"] = unquote(url.password or "")
    db["NAME"] = url.path.lstrip("/") or "postgres"


def ensure_local_folders() -> None:
    """Make the data folders a local process writes to: the filesystem broker's and static files'."""
    from django.conf import settings

    if settings.FILESYSTEM_BROKER_DIR:
        for sub in ("in", "processed", "control"):
            (Path(settings.FILESYSTEM_BROKER_DIR) / sub).mkdir(parents=True, exist_ok=True)
    if not settings.PRODUCTION:
        # WhiteNoise warns about a missing STATIC_ROOT; production fills it with collectstatic.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


def ensure_local_services() -> None:
    """Everything a process needs before it touches the database or the broker (idempotent)."""
    ensure_local_folders()
    ensure_embedded_database()


def command_needs_database(argv: list[str]) -> bool:
    """Whether ``manage.py <argv>`` may open a database connection (unknown commands: yes)."""
    return len(argv) > 1 and argv[1] not in COMMANDS_WITHOUT_DATABASE
