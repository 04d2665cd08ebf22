"""RPDE client bench (issue 15): pages and items per second the client walks of this hub's own
feed, served from a local server, against the floor of a bare reader (http.client + orjson,
no guard, no checks) on the same pages in the same run.

The whole harvest must reach >= 5,000 items/s (fetch, check and write), so the client alone
should manage many times that. The pages are rendered once by the app and then served as
stored bytes by a small threaded server, so the figures are the client's, not the app's; the
last line walks the app itself (werkzeug, in this process) for context.
Run: .venv/bin/python -m bench.bench_rpde_client [--offers 20000] [--page-size 500]
"""
from __future__ import annotations

import argparse
import http.client
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from bench.bench_feeds import build_database
from bildungsdaten.hub.federation.items import HarvestLimits
from bildungsdaten.hub.federation.rpde_client import walk

FEED_PATH = "/feeds/offers/rpde"
LIMITS = HarvestLimits(max_seconds=3600.0)


def static_server(pages: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    """A loopback server answering each stored path+query with its page (keep-alive off, as
    the guard opens one connection per page)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "public, max-age=3600")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def capture_pages(app: Any) -> dict[str, bytes]:
    """Every page of the app's feed by path+query, following `next` to the last page."""
    client = app.test_client()
    pages: dict[str, bytes] = {}
    path = FEED_PATH
    while path not in pages:
        body = client.get(path).get_data()
        pages[path] = body
        parts = urlsplit(orjson.loads(body)["next"])
        path = parts.path + ("?" + parts.query if parts.query else "")
    return pages


def client_walk(start: str) -> tuple[int, int]:
    pages = items = 0
    for page in walk(start, limits=LIMITS, allow_hosts=["127.0.0.1"]):
        pages += 1
        items += len(page.items) + len(page.skipped)
    return pages, items


def bare_walk(start: str) -> tuple[int, int]:
    """The floor: one GET per page, orjson.loads, follow `next`; nothing checked."""
    pages = items = 0
    url, seen = start, set()
    while url not in seen:
        seen.add(url)
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port)
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        document = orjson.loads(conn.getresponse().read())
        conn.close()
        pages += 1
        items += len(document["items"])
        url = document["next"]
    return pages, items


def timed(label: str, run: Callable[[], tuple[int, int]], repeat: int) -> tuple[float, float]:
    best_wall, cpu, counts = float("inf"), 0.0, (0, 0)
    for _ in range(repeat):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        counts = run()
        wall, used = time.perf_counter() - wall0, time.process_time() - cpu0
        if wall < best_wall:
            best_wall, cpu = wall, used
    pages, items = counts
    print(f"{label:<44} {pages:>6} {items:>8} {best_wall:>8.2f} {pages / best_wall:>9,.0f} "
          f"{items / best_wall:>10,.0f} {items / cpu:>12,.0f}")
    return items / best_wall, items / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    from bildungsdaten.hub.app import create_app

    print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        build_database(url, args.offers)
        pages: dict[str, bytes] = {}
        server, base = static_server(pages)
        app = create_app({"database_url": url, "instance_path": Path(tmp) / "instance",
                          "hub_base_uri": base, "secret_key": "bench"})
        app.extensions["hub"].settings.rpde_page_size = args.page_size
        pages.update(capture_pages(app))
        size = sum(len(b) for b in pages.values()) / 1e6
        print(f"feed: {args.offers} offers, {len(pages)} pages of {args.page_size}, {size:.1f} MB"
              f" (best of {args.repeat})")
        print(f"{'reader':<44} {'pages':>6} {'items':>8} {'wall s':>8} {'pages/s':>9} "
              f"{'items/s':>10} {'items/CPU-s':>12}")
        floor = timed("bare: http.client + orjson, no checks", lambda: bare_walk(base + FEED_PATH),
                      args.repeat)
        ours = timed("rpde_client.walk (guard + checks)", lambda: client_walk(base + FEED_PATH),
                     args.repeat)
        server.shutdown()
        live = make_server("127.0.0.1", 0, app, threaded=True)
        live_base = f"http://127.0.0.1:{live.server_port}"
        app.extensions["hub"].settings.hub_base_uri = live_base
        app.extensions.pop("rpde_page_cache", None)  # its pages point at the static server
        threading.Thread(target=live.serve_forever, daemon=True).start()
        timed("rpde_client.walk of the app (same process)", lambda: client_walk(
            live_base + FEED_PATH), 1)
        live.shutdown()
        app.extensions["hub"].engine.dispose()
    # The machine is shared: wall time swings with the load, CPU time much less.
    print(f"client: {ours[0]:,.0f} items/s wall, {ours[1]:,.0f} items/CPU-s "
          f"(bare reader: {floor[0]:,.0f} and {floor[1]:,.0f}); wanted >= 3x the harvest's 5,000 "
          f"items/s, leaving two thirds for the ingest -> "
          f"{'OK' if ours[1] >= 15_000 else 'MISSED'} by CPU time")


if __name__ == "__main__":
    main()
