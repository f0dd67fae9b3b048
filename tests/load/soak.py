"""A soak of the web server: officers signing in and browsing a force host, with the database's
connections counted throughout. Used by tests/load/test_soak.py; `make bench` can reuse it.

    prepare_database(admin_url, "spmp_soak")       # a scratch database, migrated and seeded
    with serve_demo(url, port, data_dir):           # `manage.py run_demo`, as `make demo` serves
        result = run_soak(port=port, database_url=url, email=..., password=...)
    with serve_production(url, port, data_dir, proxies=1):  # gunicorn, DJANGO_ENV=production
        result = run_soak(..., behind_proxy=True)

Python cannot resolve *.localhost, so every request goes to 127.0.0.1 with a Host header, and the
cookies are kept by hand (one session cookie, scoped to the whole domain, covers every host).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "spmp.localhost"
FORCE = "lincolnshire"
OFFICER = f"officer@{FORCE}.example"  # a demo user (refused by a production server)

# What an officer does all day: the subject list, searches, the API's list and case files (each
# opened with a reason, so each writes its audit event), the token list, a stylesheet.
PAGES = (
    "/",
    "/subjects/",
    "/subjects/?q=a",
    "/api/v1/subjects/",
    "/api/v1/subjects/?search=e",
    "/api/v1/auth/tokens/",
    "/static/build/app.css",
    "CASE_FILE",
)


@dataclass
class SoakResult:
    requests: int
    seconds: float
    requests_per_second: float
    p95_ms: float
    peak_connections: int
    statuses: dict[int, int]  # 0 counts requests that got no HTTP answer at all
    failures: list[str] = field(default_factory=list)
    median_ms_by_request: dict[str, float] = field(default_factory=dict)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 or status == 0)

    def summary(self) -> str:
        return (
            f"{self.requests} requests in {self.seconds:.1f}s: {self.requests_per_second:.1f} req/s, "
            f"p95 {self.p95_ms:.0f} ms, peak {self.peak_connections} database connections, "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


class _ConnectionPeak:
    """Polls pg_stat_activity for the backends connected to one database; keeps the maximum seen in
    two polls running (20 ms apart).

    A thread whose connection reaches ``CONN_MAX_AGE`` (60 s, shorter than a soak) closes it and
    opens another on its next request; for the moment the old backend takes to exit, both are
    listed, and a single poll read WEB_WORKERS x WEB_THREADS + 1 (1 run of about 20). Connections
    held, which is what the bound is about, are in both polls.
    """

    def __init__(self, database_url: str, interval: float = 0.02) -> None:
        self.database_url = database_url
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        name = urlsplit(self.database_url).path.lstrip("/")
        previous = 0
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                ).fetchone()
                now = row[0] if row else 0
                self.peak = max(self.peak, min(previous, now))
                previous = now
                self._stop.wait(self.interval)

    def __enter__(self) -> _ConnectionPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _BudgetSpent(Exception):
    pass


class _Officer:
    """One browser: a keep-alive connection and a cookie jar; every answer goes to ``record``."""

    def __init__(
        self,
        port: int,
        *,
        behind_proxy: bool,
        client_address: str,
        take: Callable[[], bool],
        record: Callable[[int, float, str], None],
    ) -> None:
        self.port = port
        self.take = take
        self.record = record
        self.random = random.Random(client_address)
        self.behind_proxy = behind_proxy
        self.client_address = client_address
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.case_files: list[str] = []

    def origin(self, host: str) -> str:
        return f"{'https' if self.behind_proxy else 'http'}://{host}"

    def request(
        self, method: str, host: str, path: str, body: dict[str, str] | None = None, **headers: str
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        host = f"{host}:{self.port}"
        all_headers = {"Host": host, **headers}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.behind_proxy:  # what the ingress adds: the client's address and the scheme
            all_headers["X-Forwarded-For"] = self.client_address
            all_headers["X-Forwarded-Proto"] = "https"
        data = None
        if body is not None:
            data = urlencode(body).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Origin"] = self.origin(host)
            all_headers["Referer"] = self.origin(host) + path
        if not self.take():
            raise _BudgetSpent
        started = time.perf_counter()
        try:
            answer = self._send(method, path, data, all_headers)
        except OSError as exc:
            self.record(0, started, f"{method} {path}: {exc!r}")
            raise
        self.record(answer[0], started, f"{method} {path}")
        return answer

    def _send(
        self, method: str, path: str, data: bytes | None, all_headers: dict[str, str]
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=all_headers)
                response = self.conn.getresponse()
                content = response.read()
            except (http.client.HTTPException, OSError) as exc:
                # The server closed an idle keep-alive connection: one retry on a fresh one.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise OSError(str(exc)) from exc
                continue
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, content, response
        raise AssertionError("unreachable")

    def sign_in(self, email: str, password: str) -> bool:
        status, page, _ = self.request("GET", DOMAIN, "/sign-in/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or match is None:
            return False
        status, _, response = self.request(
            "POST",
            DOMAIN,
            "/sign-in/",
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": email, "password": password},
        )
        return status == 302 and FORCE in (response.getheader("Location") or "")

    def browse(self, page: str) -> None:
        force_host = f"{FORCE}.{DOMAIN}"
        if page == "CASE_FILE" and self.case_files:
            subject = self.random.choice(self.case_files)
            self.request(
                "GET", force_host, f"/api/v1/subjects/{subject}/", **{"X-Access-Reason": "Soak test"}
            )
            return
        if page == "CASE_FILE":
            page = "/api/v1/subjects/"
        status, content, _ = self.request("GET", force_host, page)
        if page == "/api/v1/subjects/" and status == 200 and not self.case_files:
            # The subjects' own UUIDs only: list rows also carry their orders' UUIDs (the caseload).
            self.case_files = [row["uuid"] for row in json.loads(content).get("results", [])]


def run_soak(
    *,
    port: int,
    database_url: str,
    email: str = OFFICER,
    password: str = "demo-only-password",
    requests: int = 3000,
    concurrency: int = 20,
    behind_proxy: bool = False,
) -> SoakResult:
    """``requests`` requests (sign-ins included) from ``concurrency`` officers at once.

    Each officer signs in on the regional host, then browses the force host until the total is
    reached. ``behind_proxy`` adds what the ingress adds (X-Forwarded-For with a distinct address per
    officer, X-Forwarded-Proto: https), for a server configured as production is.
    """
    lock = threading.Lock()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    by_request: dict[str, list[float]] = {}
    failures: list[str] = []
    issued = 0

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= requests:
                return False
            issued += 1
            return True

    def record(status: int, started: float, what: str) -> None:  # 0: no answer at all
        elapsed = time.perf_counter() - started
        with lock:
            statuses[status] += 1
            latencies.append(elapsed)
            key = re.sub(r"[0-9a-f-]{36}", "<uuid>", what.split(":")[0])
            by_request.setdefault(key, []).append(elapsed)
            if (status >= 500 or status == 0) and len(failures) < 20:
                failures.append(f"{status} {what}")

    def officer(index: int) -> None:
        client = _Officer(
            port,
            behind_proxy=behind_proxy,
            client_address=f"198.51.100.{index + 1}",
            take=take,
            record=record,
        )
        try:
            if not client.sign_in(email, password):
                with lock:
                    failures.append(f"officer {index} could not sign in")
                return
            turn = index
            while True:
                client.browse(PAGES[turn % len(PAGES)])
                turn += 1
        except (_BudgetSpent, OSError):
            return

    with _ConnectionPeak(database_url) as peak:
        began = time.perf_counter()
        threads = [threading.Thread(target=officer, args=(i,)) for i in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        time.sleep(0.1)  # one more sample after the last answer
    done = sum(statuses.values())
    return SoakResult(
        requests=done,
        seconds=seconds,
        requests_per_second=done / seconds if seconds else 0.0,
        p95_ms=statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) >= 2 else 0.0,
        peak_connections=peak.peak,
        statuses=dict(statuses),
        failures=failures,
        median_ms_by_request={k: statistics.median(v) * 1000 for k, v in sorted(by_request.items())},
    )


# --- Servers to soak ----------------------------------------------------------------------------


def _env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SPMP_TEST_DATABASE_NAME", "DJANGO_ENV"}}
    env.update(
        DATABASE_URL=database_url,
        SPMP_DATA_DIR=str(data_dir),
        SPMP_DOMAIN=DOMAIN,
        DJANGO_SETTINGS_MODULE="spmp_platform.settings",
        PYTHONDONTWRITEBYTECODE="1",
        # The soak's officers share a few accounts and one address, far above one person's rate:
        # the per-person limits (tested in tests/security/test_limits.py) would answer 429.
        API_THROTTLE_SUBJECT_SEARCH="off",
        API_THROTTLE_TOKEN_ISSUE="off",
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def prepare_database(admin_url: str, name: str, data_dir: Path) -> str:
    """A fresh database ``name`` on ``admin_url``'s server with the demo seeded; returns its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    env = _env(url, data_dir)
    _manage(env, "migrate_all", "--verbosity", "0")
    _manage(env, "seed_demo")
    return url


def add_officer(database_url: str, data_dir: Path, email: str, password: str) -> None:
    """An officer of the soaked force who is not a demo user (production refuses demo users)."""
    code = (
        "from tenants.models import Force, Membership, User\n"
        f"u = User.objects.create_user({email!r}, {password!r}, full_name='Soak Officer')\n"
        f"Membership.objects.create(user=u, force=Force.objects.get(slug={FORCE!r}), roles=['officer'],"
        " status=Membership.Status.ACTIVE)\n"
    )
    _manage(_env(database_url, data_dir), "shell", "--command", code)


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_serving(process: subprocess.Popen[Any], port: int, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request(
                "GET", "/sign-in/", headers={"Host": f"{DOMAIN}:{port}", "X-Forwarded-Proto": "https"}
            )
            if conn.getresponse().status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def _serving(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[subprocess.Popen[Any]]:
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(process, port, log)
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # what Ctrl-C sends
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.contextmanager
def serve_demo(database_url: str, port: int, data_dir: Path, **env: str) -> Iterator[subprocess.Popen[Any]]:
    """`manage.py run_demo` (without its Celery worker), exactly as `make demo` serves pages."""
    with _serving(
        [sys.executable, "manage.py", "run_demo", "--no-worker", "--port", str(port)],
        _env(database_url, data_dir, **env),
        port,
        data_dir / "demo.log",
    ) as process:
        yield process


def production_env(proxies: int = 1, **extra: str) -> dict[str, str]:
    """The settings the Helm chart gives the web pods (secrets made up for the run)."""
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": f"soak-{uuid.uuid4()}",
        "AUDIT_SEAL_KEY": f"soak-{uuid.uuid4()}",
        "REGISTRY_MATCH_KEY": f"soak-{uuid.uuid4()}",
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "TRUSTED_PROXY_COUNT": str(proxies),
        # Production requires a shared cache (several workers and pods); the machine's Redis.
        "CACHE_URL": os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/14"),
        **extra,
    }


@contextlib.contextmanager
def serve_production(
    database_url: str, port: int, data_dir: Path, **env: str
) -> Iterator[subprocess.Popen[Any]]:
    """gunicorn with the chart's command line and DJANGO_ENV=production (static files collected,
    as the image will have them)."""
    full_env = _env(database_url, data_dir, **production_env(**env))
    _manage(full_env, "collectstatic", "--noinput", "--verbosity", "0")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:spmp_platform.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "spmp_platform.wsgi:application",
    ]
    with _serving(command, full_env, port, data_dir / "production.log") as process:
        yield process
