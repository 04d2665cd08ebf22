"""gunicorn's access log never prints a password: a Basic header without a colon is decoded
by gunicorn's default format (%(u)s) as the user name (issue 11). Real gunicorn, real HTTP."""
from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import REPO

PASSWORD = "streng-geheimes-passwort-42"
CONF = REPO / "hub" / "gunicorn_conf.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_access_log_never_prints_a_basic_password(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "hub.sqlite"
    shutil.copy(sqlite_template, db)
    log = tmp_path / "access.log"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "HUB_INSTANCE_PATH": str(tmp_path),
           "SECRET_KEY": "test-secret", "ADMIN_TOKEN": "verwaltung-geheim-16",
           "GUNICORN_ACCESSLOG": str(log), "GUNICORN_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONF), "--bind",
                             f"127.0.0.1:{port}", "--workers", "1", "bildungsdaten.hub.wsgi:app"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while _get_or_none(base + "/healthz") is None:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        no_colon = base64.b64encode(PASSWORD.encode()).decode()
        with_colon = base64.b64encode(f"{PASSWORD}:x".encode()).decode()
        assert _get(base + "/survey/admin", {"Authorization": f"Basic {no_colon}"}) == 401
        assert _get(base + "/survey/admin", {"Authorization": f"Basic {with_colon}"}) == 401
    finally:
        proc.send_signal(signal.SIGINT)  # quick shutdown: nothing is in flight
        proc.wait(timeout=30)
    text = log.read_text()
    assert text.count("/survey/admin") == 2
    assert PASSWORD not in text


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url, {})
    except OSError:
        return None
