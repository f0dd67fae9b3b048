"""The load test (issue 10): officers of several forces at once browsing their caseload.

Run headless by ``bench/load.py`` (``python -m bench --only load``) against gunicorn in the production
configuration; by hand, against a server whose forces each have the officer ``LOAD_EMAIL``::

    LOAD_FORCES=avon-and-somerset,bedfordshire LOAD_PASSWORD=... \\
        locust -f tests/load/locustfile.py --headless -u 20 -r 20 -t 30s --host http://127.0.0.1:8000

Not collected by pytest (its name is not ``test_*``, and tests/conftest.py ignores it; importing
locust monkey-patches the standard library with gevent).

Each simulated officer signs in once on the regional host (or adopts a session made beforehand),
then works on its force's host: pages of the subject list, name searches (the list's search form posts the
terms, kept in the session, then shows the results under an opaque key), the API's list and search, and case files opened with a reason, both through the API
(``X-Access-Reason``) and through the web reason form (asked once per session and case file, then
the page). Every answer is checked against the host's force: the load data's Niche references start
with the force's slug (``bench/data.py``), so a reference with another prefix is a response served
from another force's schema, reported as a failure whose message starts with ``wrong force:``. A
list page, API page or case file with no reference at all (the load data has thousands) is a
failure too.

Rate limits (README, "Security"): API subject searches are limited per person (120 a minute) and
token requests per address (this file asks for none); ``AXES_FAILURE_LIMIT`` counts failed
sign-ins. Every officer signs in once with the right password, then pauses 0.5 to 1.5 s between
actions (far quicker than anyone at a desk), so stays under every limit.

Environment: ``LOAD_FORCES`` (comma-separated slugs; simulated officers are spread over them in
turn), ``LOAD_PASSWORD``, ``LOAD_EMAIL`` (``{slug}`` is replaced; default
``load-officer@{slug}.bench``), ``LOAD_DOMAIN`` (default ``spmp.localhost``), ``LOAD_BEHIND_PROXY``
(``1``, the default: add the ingress's ``X-Forwarded-For`` / ``X-Forwarded-Proto: https``, as
production expects), ``LOAD_SESSIONS`` (optional: a JSON file of signed-in sessions by
``<slug>:<officer number>``, each ``{"address": ..., "cookies": {...}}``), ``LOAD_RESULTS``
(optional: where to write the run's answer times from the moment every officer is signed in, and
its failures, as JSON).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

DOMAIN = os.environ.get("LOAD_DOMAIN", "spmp.localhost")
FORCES = [s for s in os.environ.get("LOAD_FORCES", "").split(",") if s]
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
EMAIL = os.environ.get("LOAD_EMAIL", "load-officer@{slug}.bench")
BEHIND_PROXY = os.environ.get("LOAD_BEHIND_PROXY", "1") == "1"
WRONG_FORCE = "wrong force:"
# Sessions made beforehand, {"<slug>:<officer number>": {"address": ..., "cookies": {...}}}: a
# sign-in costs a password hash (hundreds of ms of CPU), and 20 at once would be most of a short run.
SESSIONS: dict[str, dict[str, Any]] = (
    json.loads(Path(os.environ["LOAD_SESSIONS"]).read_text()) if os.environ.get("LOAD_SESSIONS") else {}
)

# Names in the load data (bench/data.py's FAMILY), searched as an officer types them.
SEARCHES = ("Smith", "Jones", "Tayl", "Brown", "Wils", "Davies", "Wright", "Evans", "Walker", "Hughes")
REF = re.compile(r"(?<![a-z0-9-])([a-z0-9-]+)-NOM-\d{6}")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_FILE_LINK = re.compile(r'href="/subjects/([0-9a-f-]{36})/"')
PAGE_LINK = re.compile(r'aria-label="Page (\d+)"')
REASON_FORM = 'data-testid="reason-form"'

_numbers = itertools.count()


class _Record:
    """Every answer's time from the moment all officers are signed in (the steady state: the
    sign-in burst hashes 20 passwords at once), and every failure from the start; written as JSON
    to ``LOAD_RESULTS`` when the run stops, for bench/load.py to pool over rounds."""

    def __init__(self) -> None:
        self.signed_in = 0
        self.since: float | None = None
        self.latencies_ms: list[float] = []
        self.by_name: dict[str, list[float]] = {}
        self.requests = 0
        self.retries = 0
        self.failures: Counter[str] = Counter()

    def signed(self, users: int) -> None:
        self.signed_in += 1
        if self.signed_in >= users and self.since is None:
            self.since = time.monotonic()

    def answer(self, name: str, response_time: float, exception: Exception | None) -> None:
        self.requests += 1
        if exception is not None:
            self.failures[f"{name}: {exception}"] += 1
        if self.since is not None:
            self.latencies_ms.append(response_time)
            self.by_name.setdefault(name, []).append(response_time)

    def write(self, path: str) -> None:
        seconds = time.monotonic() - self.since if self.since is not None else 0.0
        payload = {
            "seconds": seconds,
            "latencies_ms": self.latencies_ms,
            "median_ms_by_name": {k: sorted(v)[len(v) // 2] for k, v in sorted(self.by_name.items())},
            "requests": self.requests,
            "failures": dict(self.failures),
            "signed_in": self.signed_in,
            "retries": self.retries,
        }
        Path(path).write_text(json.dumps(payload))


RECORD = _Record()


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Exception | None = None, **_: Any) -> None:
    RECORD.answer(name, response_time, exception)


@events.test_stop.add_listener
def _on_stop(environment: Environment, **_: Any) -> None:
    if os.environ.get("LOAD_RESULTS"):
        RECORD.write(os.environ["LOAD_RESULTS"])


def officer_address(number: int) -> str:
    """The client address officer ``number`` sends (X-Forwarded-For), as the ingress would."""
    return f"198.51.{100 + number // 250}.{number % 250 + 1}"


def wrong_refs(text: str, slug: str) -> tuple[int, list[str]]:
    """(how many Niche references ``text`` holds, those not of force ``slug``)."""
    found = [m.group(0) for m in REF.finditer(text)]
    return len(found), [ref for ref in found if not ref.startswith(f"{slug}-NOM-")]


class Officer(HttpUser):
    """One officer of one force (assigned in turn), signed in with a session cookie."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        if not FORCES or not PASSWORD:
            raise StopUser("LOAD_FORCES and LOAD_PASSWORD are required")
        number = next(_numbers)
        self.slug = FORCES[number % len(FORCES)]
        self.force_host = f"{self.slug}.{DOMAIN}"
        self.client_address = officer_address(number)
        self.port = urlsplit(self.host or "").port or 80
        self.cookies: dict[str, str] = {}
        self.case_files: list[str] = []
        self.pages = 1
        self.api_pages = 1  # learnt from the API's count, as the list page's links teach ``pages``
        self.csrf: str | None = None  # the list page's search form token
        self.rng = random.Random(number)
        session = SESSIONS.get(f"{self.slug}:{number}")
        if session is not None:  # signed in beforehand by bench/load.py, from that address
            self.client_address = session["address"]
            self.cookies.update(session["cookies"])
        else:
            self.sign_in()
        options = self.environment.parsed_options
        RECORD.signed(int(options.num_users) if options is not None else 1)

    # -- HTTP: requests go to 127.0.0.1 with a Host header; cookies are kept by hand ------------
    def send(
        self,
        method: str,
        host: str,
        path: str,
        *,
        name: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        origin = f"{'https' if BEHIND_PROXY else 'http'}://{host}:{self.port}"
        all_headers = {"Host": f"{host}:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if BEHIND_PROXY:
            all_headers["X-Forwarded-For"] = self.client_address
            all_headers["X-Forwarded-Proto"] = "https"
        if data is not None:
            all_headers["Origin"] = origin
            all_headers["Referer"] = origin + path
        for attempt in (1, 2):
            response = self.client.request(
                method,
                path,
                name=name,
                data=data,
                headers=all_headers,
                allow_redirects=False,
                catch_response=True,
            )
            # A keep-alive connection the server closed while idle: a GET is retried once on a
            # fresh one, as browsers do (the first attempt is not reported); anything else counts.
            stale = response.status_code == 0 and isinstance(response.error, requests.ConnectionError)
            if not (stale and method == "GET" and attempt == 1):
                break
            RECORD.retries += 1
        raw = getattr(response, "raw", None)
        for value in raw.headers.getlist("Set-Cookie") if raw is not None else []:
            key, _, rest = value.partition("=")
            self.cookies[key.strip()] = rest.split(";", 1)[0]
        self.client.cookies.clear()  # only the Cookie header above is ever sent
        return response

    def sign_in(self) -> None:
        with self.send("GET", DOMAIN, "/sign-in/", name="sign-in form") as page:
            match = CSRF.search(page.text or "")
            if page.status_code != 200 or match is None:
                page.failure(f"sign-in form: {page.status_code}")
                raise StopUser()
        form = {
            "csrfmiddlewaretoken": match.group(1),
            "username": EMAIL.format(slug=self.slug),
            "password": PASSWORD,
        }
        with self.send("POST", DOMAIN, "/sign-in/", name="sign-in", data=form) as answer:
            if answer.status_code != 302 or self.force_host not in answer.headers.get("Location", ""):
                answer.failure(f"sign-in: {answer.status_code} to {answer.headers.get('Location')!r}")
                raise StopUser()

    # -- the check every answer gets ---------------------------------------------------------------
    def check(self, response: Any, *, expect: int = 200, min_refs: int = 0) -> str:
        """Status, then the force of every Niche reference in the body; returns the body."""
        text = response.text or ""
        if response.status_code != expect:
            why = f": {response.error!r}" if response.status_code == 0 else ""
            response.failure(f"status {response.status_code} (expected {expect}){why}")
            return ""
        count, wrong = wrong_refs(text, self.slug)
        if wrong:
            response.failure(
                f"{WRONG_FORCE} {len(wrong)} references of other forces on {self.slug}: {wrong[:3]}"
            )
        elif count < min_refs:
            response.failure(f"{count} Niche references, expected at least {min_refs}")
        else:
            response.success()
        return text

    def remember(self, uuids: list[str]) -> None:
        self.case_files = (uuids + self.case_files)[:100]

    # -- what an officer does ------------------------------------------------------------------
    @task(4)
    def subject_list_page(self) -> None:
        page = self.rng.randint(1, self.pages)
        with self.send("GET", self.force_host, f"/subjects/?page={page}", name="/subjects/?page=N") as r:
            text = self.check(r, min_refs=1)
        if text:
            self.remember(CASE_FILE_LINK.findall(text))
            token = CSRF.search(text)
            self.csrf = token.group(1) if token else self.csrf
            numbers = [int(n) for n in PAGE_LINK.findall(text)]
            self.pages = max([self.pages, *numbers])

    @task(2)
    def search_page(self) -> None:
        """The list's search form: the terms are posted (kept in the session, never in a URL),
        then the results are shown under an opaque key (``/subjects/?search=<key>``)."""
        if self.csrf is None:
            return self.subject_list_page()
        form = {"csrfmiddlewaretoken": self.csrf, "q": self.rng.choice(SEARCHES)}
        with self.send("POST", self.force_host, "/subjects/", name="/subjects/ search", data=form) as r:
            self.check(r, expect=302)
            where = urlsplit(r.headers.get("Location", ""))
            if r.status_code == 302 and not where.query.startswith("search="):
                r.failure(f"search: redirected to {r.headers.get('Location')!r}")
                return
        if r.status_code != 302:
            return
        results = f"{where.path}?{where.query}"
        with self.send("GET", self.force_host, results, name="/subjects/?search=KEY") as r:
            text = self.check(r, min_refs=1)
        if text:
            self.remember(CASE_FILE_LINK.findall(text))

    @task(2)
    def api_list(self) -> None:
        if self.rng.random() < 0.5:
            path, name = (
                f"/api/v1/subjects/?search={self.rng.choice(SEARCHES)}",
                "/api/v1/subjects/?search=NAME",
            )
        else:
            path, name = (
                f"/api/v1/subjects/?page={self.rng.randint(1, self.api_pages)}",
                "/api/v1/subjects/?page=N",
            )
        with self.send("GET", self.force_host, path, name=name) as r:
            text = self.check(r, min_refs=1)
        if text:
            data = json.loads(text)
            rows = data.get("results", [])
            self.remember([row["uuid"] for row in rows])
            if name.endswith("page=N") and data.get("next") and rows:  # a full page: count / its size
                self.api_pages = max(self.api_pages, -(-int(data["count"]) // len(rows)))

    @task(3)
    def api_case_file(self) -> None:
        if not self.case_files:
            return self.api_list()
        uuid = self.rng.choice(self.case_files)
        headers = {"X-Access-Reason": "Load test: preparing a home visit"}
        path = f"/api/v1/subjects/{uuid}/"
        with self.send("GET", self.force_host, path, name="/api/v1/subjects/<uuid>/", headers=headers) as r:
            self.check(r, min_refs=1)

    @task(1)
    def web_case_file(self) -> None:
        """The case file page: the reason form the first time in the session, then the page."""
        if not self.case_files:
            return self.subject_list_page()
        uuid = self.rng.choice(self.case_files)
        path = f"/subjects/{uuid}/"
        with self.send("GET", self.force_host, path, name="/subjects/<uuid>/") as r:
            asked = REASON_FORM in (r.text or "")
            text = self.check(r, min_refs=0 if asked else 1)
        match = CSRF.search(text)
        if not asked or match is None:
            return  # the reason was given earlier in this session: that was the case file itself
        form = {"csrfmiddlewaretoken": match.group(1), "then": "", "reason": "Load test: reviewing the case"}
        with self.send("POST", self.force_host, path, name="/subjects/<uuid>/ reason", data=form) as r:
            self.check(r, expect=302)
        with self.send("GET", self.force_host, path, name="/subjects/<uuid>/") as r:
            self.check(r, min_refs=1)
