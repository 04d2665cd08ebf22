"""Exports bench (issue 11): eight concurrent downloads of /feeds/offers.csv and
/feeds/offers.jsonld from gunicorn (2 workers × 4 threads, the production setup), before
(rendered per request, as every snapshot was) and after (rendered once per feed version into
a stored file), in one run; meanwhile an offer page is requested once a second, to show
whether the downloads starve the other pages.

"Before" is the same URL with `?modified_since=0`: a filtered snapshot, still streamed and
rendered per request by the same code, and (every offer having a stamp >= 0) byte for byte
the full snapshot; the bench checks that. "After, cold" includes the one rendering after a
change; "after, warm" finds the file ready (as after the render-exports job).

The finding: 61,000 demo offers, CSV 50 MB, 83 s per download with eight at once.
Run: .venv/bin/python -m bench.bench_exports [--offers 61000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.bench_feeds import BASE, _free_port, build_database, load_average
from bildungsdaten.hub.db import make_engine
from bildungsdaten.hub.models import Offer

DOWNLOADS = 8
PATHS = ("/feeds/offers.csv", "/feeds/offers.jsonld")


def download(port: int, path: str, gzip: bool) -> tuple[int, float, str]:
    """(bytes on the wire, seconds, sha256 of the body) of one GET, read in 64 kB chunks."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip" if gzip else "identity"})
    resp = conn.getresponse()
    assert resp.status == 200, (path, resp.status)
    digest, size = hashlib.sha256(), 0
    while chunk := resp.read(65536):
        digest.update(chunk)
        size += len(chunk)
    conn.close()
    return size, time.perf_counter() - start, digest.hexdigest()


def offer_page_latencies(port: int, path: str, stop: threading.Event) -> list[float]:
    """Seconds of one offer page request per second until `stop` (what a citizen waits)."""
    times: list[float] = []
    while not stop.is_set():
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()
        times.append(time.perf_counter() - start)
        stop.wait(max(0.0, 1.0 - times[-1]))
    return times


def round_of(port: int, path: str, offer_path: str, gzip: bool) -> dict[str, Any]:
    """DOWNLOADS downloads of `path` started at once, with the offer page probed meanwhile."""
    results: list[Any] = [None] * DOWNLOADS
    barrier = threading.Barrier(DOWNLOADS + 1)

    def one(i: int) -> None:
        barrier.wait()
        results[i] = download(port, path, gzip)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(DOWNLOADS)]
    for thread in threads:
        thread.start()
    stop = threading.Event()
    probe: list[list[float]] = []
    prober = threading.Thread(target=lambda: probe.append(
        offer_page_latencies(port, offer_path, stop)))
    start = time.perf_counter()
    barrier.wait()
    prober.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    stop.set()
    prober.join()
    seconds = [r[1] for r in results]
    return {"wall": wall, "median": statistics.median(seconds), "max": max(seconds),
            "bytes": results[0][0], "digests": {r[2] for r in results},
            "page_max": max(probe[0]) if probe[0] else float("nan")}


def start_gunicorn(url: str, instance: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "HUB_BASE_URI": BASE, "SECRET_KEY": "bench",
           "INSTANCE_PATH": str(instance), "GUNICORN_ACCESSLOG": "/dev/null"}
    conf = Path(__file__).resolve().parent.parent / "hub" / "gunicorn_conf.py"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--timeout", "600",
                               "bildungsdaten.hub.wsgi:app"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not come up")


def touch_one_offer(url: str) -> None:
    """A change (one offer's stamp moves via a new clock value): the stored files are stale."""
    from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
    from bildungsdaten.hub.offers.changelog import reserve_stamps

    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        first = session.execute(sa.select(sa.func.min(Offer.id))).scalar_one()
        session.execute(sa.update(Offer).where(Offer.id == first).values(
            modified=reserve_stamps(session)))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=61_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (empty = SQLite)")
    parser.add_argument("--gzip", action="store_true", help="downloads ask for gzip")
    args = parser.parse_args()
    print(f"Last vorher (loadavg 1/5/15 min): {load_average()}, {os.cpu_count()} Kerne")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'hub.sqlite'}"
        print(f"Demo-Daten: {args.offers} Angebote schreiben …", flush=True)
        print(f"  {build_database(url, args.offers):.1f} s", flush=True)
        engine = make_engine(url)
        with engine.connect() as conn:
            feed_id = conn.execute(sa.select(Offer.feed_id).limit(1)).scalar_one()
        engine.dispose()
        server, port = start_gunicorn(url, tmp / "instance")
        try:
            offer_path = "/offers/" + feed_id
            download(port, offer_path, False)  # both workers import their pages once
            print(f"\ngunicorn -w 2 (gthread x 4), {DOWNLOADS} gleichzeitige Downloads "
                  f"({'gzip' if args.gzip else 'unkomprimiert'}); Angebotsseite jede Sekunde:")
            print(f"  {'Abzug':<22} {'Fall':<28} {'MB':>6} {'Median s':>9} {'Max s':>7} "
                  f"{'alle s':>7} {'Seite max s':>11}")
            for path in PATHS:
                touch_one_offer(url)  # cold: the stored file of the last round is stale
                rounds = [("vorher: je Anfrage", round_of(
                              port, path + "?modified_since=0", offer_path, args.gzip)),
                          ("nachher: kalt (1x rendern)",
                           round_of(port, path, offer_path, args.gzip)),
                          ("nachher: warm (Datei da)",
                           round_of(port, path, offer_path, args.gzip))]
                for label, r in rounds:
                    print(f"  {path:<22} {label:<28} {r['bytes'] / 1e6:6.1f} "
                          f"{r['median']:9.2f} {r['max']:7.2f} {r['wall']:7.2f} "
                          f"{r['page_max']:11.2f}", flush=True)
                digests = set().union(*(r["digests"] for _label, r in rounds))
                same = len(digests) == 1 or args.gzip  # gzip streams differ in framing only
                print(f"  gleiche Bytes vorher/nachher: {'ja' if same else 'NEIN'}")
                before, warm = rounds[0][1]["wall"], rounds[2][1]["wall"]
                print(f"  Beschleunigung warm gegen vorher: {before / warm:.0f}x")
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"Last nachher: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
