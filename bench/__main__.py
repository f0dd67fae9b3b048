"""`make bench`: run every benchmark in a scratch database and print ratios to same-run baselines.

Timings live here, never in pass/fail tests. Results are also written to bench/results/*.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "spmp_bench"


def _scratch_url() -> tuple[str, str]:
    """(admin URL, scratch URL) on the configured server or the embedded one."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        from spmp_platform.embedded import start_embedded_server

        url = start_embedded_server(Path(os.environ.get("SPMP_DATA_DIR", ROOT / ".data")) / "pg")
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path=f"/{SCRATCH_DB}"))


def _recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')


def main() -> int:
    sys.path.insert(0, str(ROOT))
    admin_url, scratch_url = _scratch_url()
    _recreate_database(admin_url)
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from spmp_platform.embedded import ensure_local_services

    ensure_local_services()  # the local broker's folders (the database is the scratch one above)

    call_command("migrate_all", verbosity=0)
    from bench import onboarding

    results = {"onboarding": onboarding.run()}
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (out_dir / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2))
    print(f"\nResults written to bench/results/bench-{stamp}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
