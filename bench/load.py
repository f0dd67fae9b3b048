"""load: the locust load test (``tests/load/locustfile.py``) over 10 forces at once, and over 1.

In a full run the scratch database already holds the load data of the first 10 reference forces
(the ``data`` topic), and the test runs there; run without it (``--only load``, ``--quick``'s 5
forces), a scratch database ``<scratch name>_load`` (made and marked as the bench's own) gets that
load data first (``manage.py generate_load_data``). Either way each force gets one officer. gunicorn
serves it in the production configuration (``tests/load/soak.py``'s ``serve_production``:
``DJANGO_ENV=production``, behind-the-ingress headers, persistent connections with ``CONN_MAX_AGE``,
no pooler). locust runs headless as a subprocess, with the same officers-per-run and the same pace,
once with every officer in one force and once spread over 10 forces, in interleaved rounds after a
warm-up, so that the ratio of the two p95s is the cost of serving many forces at once, not of
more load. Figures (the 10-force runs; medians over rounds): requests per second (the 1-force runs'
as baseline), p50 / p95 / p99, error rate and wrong-force responses over every measured run
(targets: none), and p95 with 10 forces / with 1 (target <= 2).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.metrics import Context, Metric
from bench.scratch import ROOT
from bench.soak import _free_port

FORCES = 10
USERS = 20  # simulated officers in every run, whatever the number of forces
PACE = "0.5-1.5"  # the locustfile's wait_time
WORKERS, THREADS = "2", "4"
PASSWORD = "load-officer-password-1"
EMAIL = "load-officer@{slug}.bench"
LOCUSTFILE = ROOT / "tests" / "load" / "locustfile.py"
WRONG_FORCE = "wrong force:"  # the locustfile's failure prefix


@dataclass
class LocustRun:
    """One headless locust run, as the locustfile records it (``LOAD_RESULTS``)."""

    forces: int
    seconds: float  # from the moment every officer was signed in to the end
    latencies_ms: list[float]  # answers in that steady state
    requests: int  # every request of the run
    failures: dict[str, int] = field(default_factory=dict)
    median_ms_by_name: dict[str, float] = field(default_factory=dict)
    retries: int = 0  # GETs retried once after the server closed an idle keep-alive connection

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def wrong_force(self) -> int:
        return sum(n for error, n in self.failures.items() if WRONG_FORCE in error)


def _add_officers(env: dict[str, str], slugs: list[str]) -> None:
    from tests.load import soak

    code = (
        "from core.roles import ForceRole\n"
        "from tenants.models import Force, Membership, User\n"
        f"for slug in {slugs!r}:\n"
        f"    u = User.objects.filter(email={EMAIL!r}.format(slug=slug)).first()\n"
        f"    u = u or User.objects.create_user({EMAIL!r}.format(slug=slug), {PASSWORD!r}, full_name='Load Officer')\n"
        "    Membership.objects.update_or_create(user=u, force=Force.objects.get(slug=slug),"
        " defaults={'roles': [ForceRole.OFFICER], 'status': Membership.Status.ACTIVE})\n"
    )
    soak._manage(env, "shell", "--command", code)


def sign_in_officers(port: int, slugs: list[str], path: Path) -> None:
    """Sign in, once for the whole run, every officer the runs will simulate: officer n of a run
    over k forces is of force n mod k, so officer n of the first force and officers n < k of the
    others. Writes the sessions the locustfile adopts (``LOAD_SESSIONS``)."""
    import re

    from tests.load import soak

    wanted = {(slugs[0], n) for n in range(USERS)} | {(slugs[n % len(slugs)], n) for n in range(USERS)}
    sessions: dict[str, dict[str, object]] = {}
    for slug, n in sorted(wanted):
        address = f"198.51.100.{n + 1}"
        officer = soak._Officer(
            port, behind_proxy=True, client_address=address, take=lambda: True, record=lambda *_: None
        )
        status, page, _ = officer.request("GET", soak.DOMAIN, "/sign-in/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token is not None, f"sign-in form: {status}"
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": EMAIL.format(slug=slug)}
        status, _, answer = officer.request("POST", soak.DOMAIN, "/sign-in/", {**form, "password": PASSWORD})
        where = answer.getheader("Location") or ""
        if status != 302 or f"{slug}.{soak.DOMAIN}" not in where:
            raise RuntimeError(f"{EMAIL.format(slug=slug)} could not sign in: {status} to {where!r}")
        sessions[f"{slug}:{n}"] = {"address": address, "cookies": officer.cookies}
    path.write_text(json.dumps(sessions))


def _locust(port: int, slugs: list[str], seconds: int, out: Path) -> LocustRun:
    env = {
        **os.environ,
        "LOAD_FORCES": ",".join(slugs),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_EMAIL": EMAIL,
        "LOAD_BEHIND_PROXY": "1",
        "LOAD_SESSIONS": str(out.parent / "sessions.json"),
        "LOAD_RESULTS": str(results := out.with_suffix(".json")),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(USERS),
        "-r",
        str(USERS),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode:
        raise RuntimeError(
            f"locust failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    data = json.loads(results.read_text())
    return LocustRun(
        forces=len(slugs),
        seconds=data["seconds"],
        latencies_ms=data["latencies_ms"],
        requests=data["requests"],
        failures=data["failures"],
        median_ms_by_name=data["median_ms_by_name"],
        retries=data["retries"],
    )


def percentile(latencies: list[float], q: int) -> float:
    """The q-th percentile (1-99) of the pooled answers' times."""
    if len(latencies) < 2:
        return latencies[0] if latencies else 0.0
    return statistics.quantiles(latencies, n=100, method="inclusive")[q - 1]


@dataclass
class Pooled:
    """The rounds of one configuration together: times pooled, requests per second as a median."""

    runs: list[LocustRun]

    @property
    def latencies(self) -> list[float]:
        return [t for run in self.runs for t in run.latencies_ms]

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    def p(self, q: int) -> float:
        return percentile(self.latencies, q)

    def summary(self) -> str:
        return (
            f"{len(self.runs)} run(s), {len(self.latencies)} answers in the steady state, {self.rps:.1f} req/s, "
            f"p50/p95/p99 {self.p(50):.0f}/{self.p(95):.0f}/{self.p(99):.0f} ms"
        )


def figures(one: list[LocustRun], many: list[LocustRun]) -> list[Metric]:
    single, spread = Pooled(one), Pooled(many)
    measured = one + many
    requests = sum(r.requests for r in measured)
    failed = sum(r.failed for r in measured)
    errors: dict[str, int] = {}
    for run in measured:
        for error, n in run.failures.items():
            errors[error] = errors.get(error, 0) + n
    listed = "; ".join(f"{n} x {error}" for error, n in sorted(errors.items(), key=lambda e: -e[1])[:5])
    slowest = max(many[-1].median_ms_by_name.items(), key=lambda kv: kv[1], default=("-", 0.0))
    pace = f"{USERS} officers, {PACE} s between actions, gunicorn {WORKERS}x{THREADS}"
    return [
        Metric(
            "load.rps",
            spread.rps,
            "req/s",
            baseline=single.rps,
            note=f"{FORCES} forces: {spread.summary()}; baseline 1 force: {single.summary()}; {pace}",
        ),
        Metric("load.p50", spread.p(50), "ms", note=f"{FORCES} forces; 1 force: {single.p(50):.0f} ms"),
        Metric(
            "load.p95",
            spread.p(95),
            "ms",
            note=f"{FORCES} forces; 1 force: {single.p(95):.0f} ms; slowest median: {slowest[0]} {slowest[1]:.0f} ms",
        ),
        Metric("load.p99", spread.p(99), "ms", note=f"{FORCES} forces; 1 force: {single.p(99):.0f} ms"),
        Metric(
            "load.error_rate",
            100.0 * failed / requests if requests else 100.0,
            "%",
            target="== 0",
            target_on="value",
            note=f"{failed} of {requests} requests failed"
            + (f": {listed}" if listed else "")
            + f"; {sum(r.retries for r in measured)} GETs retried once on a closed keep-alive connection",
        ),
        Metric(
            "load.wrong_force",
            sum(r.wrong_force for r in measured),
            "responses",
            target="== 0",
            target_on="value",
            note="answers holding a Niche reference not prefixed with the host's force slug",
        ),
        Metric(
            "load.p95_10_over_1",
            spread.p(95),
            "ms",
            baseline=single.p(95),
            target="<= 2",
            note=f"p95 with the same officers spread over {FORCES} forces / all in one force",
        ),
    ]


def _reusable(slugs: list[str]) -> bool:
    """Whether this run's scratch database already holds load data for all ``slugs`` (a full run's
    ``data`` topic made it): the test then runs there instead of generating the same forces again."""
    from bench.api import bench_force
    from tenants.models import Force

    return bench_force() is not None and Force.objects.filter(slug__in=slugs).count() == len(slugs)


def run(ctx: Context) -> list[Metric]:
    sys.path.insert(0, str(ROOT))
    from bench import scratch
    from tenants.services import reference_forces
    from tests.load import soak

    maintenance = scratch.server_urls()[1]
    slugs = [ref.slug for ref in reference_forces()[:FORCES]]
    reuse = _reusable(slugs)
    name = ctx.database if reuse else f"{ctx.database}_load"
    if not reuse:
        scratch.recreate(maintenance, name)
    url = urlunsplit(urlsplit(maintenance)._replace(path=f"/{name}"))
    subjects = min(ctx.subjects_per_force, 1000) if ctx.quick else ctx.subjects_per_force
    seconds, rounds, warmup = (15, 1, 5) if ctx.quick else (30, 2, 10)
    one: list[LocustRun] = []
    many: list[LocustRun] = []
    with tempfile.TemporaryDirectory(prefix="spmp-load-") as tmp:
        data_dir = Path(tmp)
        env = soak._env(url, data_dir, BENCH_DATABASE_NAME=name)
        try:
            if not reuse:
                soak._manage(env, "migrate_all", "--verbosity", "0")
                soak._manage(
                    env,
                    "generate_load_data",
                    "--forces",
                    str(FORCES),
                    "--subjects-per-force",
                    str(subjects),
                    "--verbosity",
                    "0",
                )
            _add_officers(env, slugs)
            port = _free_port()
            with soak.serve_production(
                url, port, data_dir, WEB_WORKERS=WORKERS, WEB_THREADS=THREADS, CONN_MAX_AGE="60"
            ):
                sign_in_officers(port, slugs, data_dir / "sessions.json")
                _locust(port, slugs, warmup, data_dir / "warmup")  # fills caches and connections
                for n in range(rounds):  # alternating which goes first, so that drift hits both
                    for forces in (slugs[:1], slugs) if n % 2 == 0 else (slugs, slugs[:1]):
                        result = _locust(port, forces, seconds, data_dir / f"run-{n}-{len(forces)}")
                        (one if len(forces) == 1 else many).append(result)
        finally:
            if not reuse:
                soak.drop_database(maintenance, name)
    return figures(one, many)
