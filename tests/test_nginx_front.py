"""Betrieb hinter nginx: the shipped configuration (deploy/nginx) in front of gunicorn keeps
normal requests answering while 50 clients send their headers byte by byte, answers
oversized bodies itself in German, ignores a client-sent X-Forwarded-For, and the shipped
site file is valid for nginx."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from bildungsdaten.hub.models import AuthFailure
from tests.nginx_support import (
    SITE,
    SNIPPET,
    free_port,
    hub_command,
    main_context,
    nginx_binary,
    proxy_config,
    running,
)
from tests.support import unavailable

pytestmark = [pytest.mark.slow, pytest.mark.nginx]

SLOW_CLIENTS = 50
# A header that never ends within the test: one byte per client every 0.2 s.
SLOW_HEADER = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Langsam: " + b"a" * 400


@dataclass(frozen=True)
class Front:
    port: int  # nginx's
    database_url: str


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    """gunicorn (`bildungsdaten serve`, 2 workers) behind nginx on loopback ports."""
    nginx = nginx_binary()
    tmp_path = tmp_path_factory.mktemp("front")
    shutil.copy(sqlite_template, tmp_path / "hub.sqlite")
    hub_port, nginx_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite'}",
           "HUB_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test",
           "PROXY_HOPS": "1", "HUB_BASE_URI": f"http://localhost:{nginx_port}",
           "GUNICORN_ACCESSLOG": os.devnull,
           # gunicorn ≥ 25 puts a control socket there (else ~/.gunicorn, shared by all tests)
           "XDG_RUNTIME_DIR": str(tmp_path)}
    conf = tmp_path / "nginx.conf"
    conf.write_text(proxy_config(tmp_path, nginx_port, hub_port))
    with running([hub_command(), "serve", "--host", "127.0.0.1", "--port", str(hub_port),
                  "--workers", "2"], env, tmp_path / "gunicorn.log",
                 f"http://127.0.0.1:{hub_port}/healthz"), \
         running([nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                 env, tmp_path / "nginx.log", f"http://127.0.0.1:{nginx_port}/healthz"):
        yield Front(nginx_port, env["DATABASE_URL"])


def timed_get(port: int, path: str) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - started
    finally:
        conn.close()


def test_fifty_slow_clients_leave_normal_requests_answering(front: Front):
    clients = [socket.create_connection(("127.0.0.1", front.port), timeout=5)
               for _ in range(SLOW_CLIENTS)]
    stop = threading.Event()

    def drip() -> None:
        for byte in SLOW_HEADER:
            for client in clients:
                try:
                    client.send(bytes([byte]))
                except OSError:
                    pass
            if stop.wait(0.2):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        time.sleep(1.0)  # every slow client has begun its header
        answers = [timed_get(front.port, "/healthz") for _ in range(10)]
        answers += [timed_get(front.port, "/feeds") for _ in range(3)]
        assert all(status == 200 for status, _ in answers), answers
        assert max(seconds for _, seconds in answers) < 1.0, answers
        # ... and the slow clients were still hanging meanwhile, not yet answered or closed.
        for client in clients:
            client.setblocking(False)
            with pytest.raises(BlockingIOError):
                client.recv(1)
    finally:
        stop.set()
        dripper.join(timeout=5)
        for client in clients:
            client.close()


def test_a_forwarded_for_sent_by_the_client_does_not_count(front: Front):
    """PROXY_HOPS=1 and nginx's X-Forwarded-For: the hub sees the client's real address, so
    a made-up header neither escapes the limit on failed tokens nor lands in the table."""
    statuses = []
    for n in range(12):
        conn = http.client.HTTPConnection("127.0.0.1", front.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/uploads", headers={
                "Authorization": f"Bearer bdh_falsch{n}", "X-Forwarded-For": f"198.51.100.{n}"})
            statuses.append(conn.getresponse().status)
        finally:
            conn.close()
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    engine = sa.create_engine(front.database_url)
    try:
        with engine.connect() as conn:
            assert set(conn.execute(sa.select(AuthFailure.client)).scalars()) == {"127.0.0.1"}
    finally:
        engine.dispose()


def test_an_oversized_body_is_refused_by_nginx_in_german(front: Front):
    conn = http.client.HTTPConnection("127.0.0.1", front.port, timeout=5)
    try:
        conn.putrequest("POST", "/api/v1/uploads")
        conn.putheader("Content-Type", "text/csv")
        conn.putheader("Content-Length", str(22 * 1024 * 1024))
        conn.endheaders()
        resp = conn.getresponse()
        problem = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 413
    assert resp.getheader("Content-Type") == "application/problem+json"
    assert (problem["code"], problem["title"]) == ("file-too-large", "Datei zu groß")


def test_the_shipped_site_file_is_valid_nginx_configuration(tmp_path: Path):
    nginx = nginx_binary()
    if shutil.which("openssl") is None:
        unavailable("openssl fehlt: für die Prüfung der TLS-Konfiguration wird ein "
                    "Testzertifikat erzeugt")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=bildung.example.de", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    site = (SITE.read_text()
            .replace("/etc/letsencrypt/live/bildung.example.de/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/bildung.example.de/privkey.pem", str(key))
            .replace("snippets/bildungsdaten-proxy.conf", str(SNIPPET))
            .replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
            .replace("listen 443 ssl", f"listen 127.0.0.1:{free_port()} ssl")
            .replace("listen [::]:80;", "").replace("listen [::]:443 ssl http2;", ""))
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_context(tmp_path, site))
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf),
                              "-e", str(tmp_path / "error.log")], check=False, capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr
