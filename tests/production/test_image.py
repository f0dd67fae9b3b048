"""The image (issue 18, item 2). No Docker engine runs where these tests run, so the Dockerfile is
checked as text for what the issue asks of it, and the image's command (gunicorn, production
settings, the collected static build) is run here and must answer /healthz and /readyz for a Host
that is no force's, as a kubelet's probe sends it."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.load import soak

ROOT = Path(settings.BASE_DIR)
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]


def test_multi_stage_node_20_ui_and_python_311_slim():
    stages = _stages()
    assert len(stages) == 4
    ui, deps, collect, final = stages
    assert re.search(r"ARG NODE_IMAGE=node:20-", DOCKERFILE) and ui.startswith("${NODE_IMAGE} AS ui")
    assert "npm ci" in ui and "build:css" in ui
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE)
    assert deps.startswith("${PYTHON_IMAGE} AS deps") and "pip install /src" in deps
    assert "collectstatic" in collect
    assert final.startswith("${PYTHON_IMAGE}\n")


def test_the_final_stage_is_non_root_without_compilers_or_node():
    final = _stages()[-1]
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE)
    for tool in ("build-essential", "gcc", "g++", "make ", "nodejs", "npm "):
        assert tool not in final, tool
    assert "COPY --from=ui" not in final  # node_modules never reach the image
    assert "postgresql-client-${PG_MAJOR}" in final  # backup_force's client
    assert "manage.py check --deploy" in final
    assert "STATIC_ROOT=/app/staticfiles" in final and "SPMP_DATA_DIR=/var/lib/spmp" in final


def test_dockerignore_keeps_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".data", "node_modules", "static/build"} <= ignored


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, host: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
@pytest.mark.django_db
def test_the_images_command_answers_the_probes_on_an_unknown_host(tmp_path):
    """gunicorn with the chart's command line and DJANGO_ENV=production: the probes are answered
    for the pod's address, and any other path on it is refused. (collectstatic, which the image
    runs at build, is left out: it takes minutes here and the probes serve no static file.)"""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = url.replace("@", f":{db['PASSWORD']}@", 1)
    port = _free_port()
    env = soak._env(url, tmp_path, **soak.production_env(), STATIC_ROOT=str(tmp_path / "static"))
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
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                try:
                    if _get(port, "/healthz", "10.42.0.7:8000")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.3)
            assert _get(port, "/healthz", "10.42.0.7:8000") == (200, b'{"status": "ok"}')
            status, body = _get(port, "/readyz", "10.42.0.7:8000")
            assert status == 200, body
            assert set(json.loads(body)["checks"]) == {"database", "broker", "cache"}
            assert _get(port, "/sign-in/", "10.42.0.7:8000")[0] in {400, 404}  # routing refuses the rest
        finally:
            process.terminate()
            process.wait(timeout=30)
    # JSON log lines (the production default), each naming its request.
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    assert all("request_id" in json.loads(line) for line in lines)
