"""Starts (or reuses) the embedded PostgreSQL server used when no DATABASE_URL is configured."""

from __future__ import annotations

import os
from pathlib import Path


def embedded_database_url(data_dir: Path) -> str:
    """Start pgserver under ``data_dir`` if it is not already running and return its URL.

    The server keeps running after this process exits (``cleanup_mode=None``), so the demo, the
    Celery worker and management commands all share one server and its data survives restarts.
    """
    import pgserver  # imported lazily: production never needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver insists on owning its folder; the platformdirs warning it triggers is noise here.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent))
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    return server.get_uri()


def stop_embedded_database(data_dir: Path) -> None:
    """Stop the embedded server whose data lives in ``data_dir`` (its data stays)."""
    # pgserver runs its binaries as the "pgserver" user under root; pg_ctl is made at import.
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

    user = "pgserver" if os.geteuid() == 0 else None
    if (data_dir / "postmaster.pid").exists():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
