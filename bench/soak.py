"""soak.demo and soak.gunicorn: issue 8's soak (3,000 requests, 20 concurrent) as bench figures.

Reuses ``tests/load/soak.py``: a scratch database ``<scratch name>_soak`` seeded with the demo, then
the demo's own server (``run_demo``) and the production configuration (gunicorn with
``DJANGO_ENV=production``, behind-the-ingress headers) each take the same soak, one after the
other in this run. Figures: requests per second (the demo's is the baseline of gunicorn's ratio),
p95, peak database connections (target: at most workers x threads) and 5xx (target: none).
"""

from __future__ import annotations

import socket
import sys
import tempfile
from pathlib import Path

from bench.metrics import Context, Metric
from bench.scratch import ROOT

WORKERS, THREADS = "2", "4"
OFFICER = "soak-officer@lincolnshire.example"  # not a demo user: production refuses those
PASSWORD = "soak-officer-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _figures(label: str, result, baseline_rps: float | None = None) -> list[Metric]:  # type: ignore[no-untyped-def]
    bound = int(WORKERS) * int(THREADS)
    note = result.summary()
    return [
        Metric(f"soak.{label}.rps", result.requests_per_second, "req/s", baseline=baseline_rps, note=note),
        Metric(f"soak.{label}.p95", result.p95_ms, "ms"),
        Metric(
            f"soak.{label}.peak_connections",
            result.peak_connections,
            "conns",
            target=f"<= {bound}",
            target_on="value",
        ),
        Metric(f"soak.{label}.server_errors", result.server_errors, "5xx", target="== 0", target_on="value"),
    ]


def run(ctx: Context) -> list[Metric]:
    sys.path.insert(0, str(ROOT))
    from bench.scratch import server_urls
    from tests.load import soak

    admin = server_urls()[1]  # the maintenance database of the scratch database's server
    name = f"{ctx.database}_soak"
    requests = 600 if ctx.quick else 3000
    with tempfile.TemporaryDirectory(prefix="spmp-soak-") as tmp:
        data_dir = Path(tmp)
        url = soak.prepare_database(admin, name, data_dir)
        try:
            soak.add_officer(url, data_dir, OFFICER, PASSWORD)
            with soak.serve_demo(
                url, (port := _free_port()), data_dir, WEB_WORKERS=WORKERS, WEB_THREADS=THREADS
            ):
                demo = soak.run_soak(port=port, database_url=url, email=soak.OFFICER, requests=requests)
            with soak.serve_production(
                url, (port := _free_port()), data_dir, WEB_WORKERS=WORKERS, WEB_THREADS=THREADS
            ):
                prod = soak.run_soak(
                    port=port,
                    database_url=url,
                    email=OFFICER,
                    password=PASSWORD,
                    requests=requests,
                    behind_proxy=True,
                )
        finally:
            soak.drop_database(admin, name)
    return _figures("demo", demo) + _figures("gunicorn", prod, baseline_rps=demo.requests_per_second)
