"""nginx and gunicorn as real processes on loopback ports, configured from deploy/."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import REPO, unavailable

DEPLOY = REPO / "deploy" / "nginx"
SITE = DEPLOY / "bildungsdaten.conf"
SNIPPET = DEPLOY / "bildungsdaten-proxy.conf"


def nginx_binary() -> str:
    """The nginx executable; skips (fails under CI=true) when the Debian package is missing."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if found is None:
        unavailable("nginx fehlt (Debian-Paket „nginx“, z. B. apt-get install nginx); "
                    "der Test des Betriebs hinter nginx braucht es")
    return str(found)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main_context(prefix: Path, body: str) -> str:
    """A complete nginx.conf around `body` (http-level text), all state under `prefix`."""
    temp = "\n".join(f"    {kind}_temp_path {prefix}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # Started as root, nginx would switch its workers to "nobody", who cannot read tmp_path.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 512; }}\n"
            f"http {{\n    access_log off;\n{temp}\n    default_type application/octet-stream;\n"
            f"{body}\n}}\n")


def proxy_config(prefix: Path, listen_port: int, upstream_port: int) -> str:
    """The shipped upstream block and proxy snippet, listening on a loopback port."""
    upstream = re.search(r"upstream bildungsdaten_hub \{.*?\n\}", SITE.read_text(), re.S)
    assert upstream is not None, "deploy/nginx/bildungsdaten.conf: upstream-Block fehlt"
    block = upstream.group(0).replace("127.0.0.1:8000", f"127.0.0.1:{upstream_port}")
    server = (f"server {{\n    listen 127.0.0.1:{listen_port};\n    server_name localhost;\n"
              f"    include {SNIPPET};\n}}")
    return main_context(prefix, block + "\n" + server)


def wait_until_up(url: str, seconds: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"Prozess beendet ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} antwortet nicht nach {seconds} s: {log.read_text()[-2000:]}")


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path, health: str,
            stop: signal.Signals = signal.SIGTERM) -> Iterator[subprocess.Popen[bytes]]:
    """Start `args` in its own process group, wait for `health`, stop the group afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_until_up(health, 30, proc, log)
        yield proc
    finally:
        _stop(proc, stop)


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)  # the group we started: gunicorn's or nginx's workers too
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def hub_command() -> str:
    return str(Path(sys.executable).parent / "bildungsdaten")
