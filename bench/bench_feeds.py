"""Feeds bench: JSON-LD snapshot vs an rdflib Graph, snapshot memory, RPDE page latency inside
the app, and RPDE pages served by gunicorn (2 workers) under load from a second process.

Targets (issue 4): snapshot of 100,000 offers >= 50x the per-offer rate of rdflib (Graph built
and serialised as JSON-LD; measured on a 2,000-offer subset, compared per offer); peak memory
at 100,000 offers <= 1.5x that at 10,000; an RPDE page of 500 items median <= 20 ms at any
position; gunicorn -w 2 >= 500 RPDE pages/s on 127.0.0.1 with no errors.

Every feed figure is given twice: "kalt" with no stored JSON-LD documents (each offer rendered
from its rows and the documents stored as a side effect, as right after an import) and "warm"
with the documents stored (after `bildungsdaten feeds render` or the render job). RPDE pages are
timed with the per-process page cache switched off (app.config["RPDE_PAGE_CACHE"] = False), so
every request builds its page.
Run: .venv/bin/python -m bench.bench_feeds [--offers 100000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from bildungsdaten.feeds.jsonld import offer_to_jsonld
from bildungsdaten.hub.db import begin_write, make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.migrate import upgrade
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.store import ensure_provider, load_offer_records, write_offers
from bildungsdaten.vocab.jsonld import context_document

BASE = "http://hub.bench"
RDFLIB_SUBSET = 2_000


def build_database(url: str, offers: int) -> float:
    """Fill a fresh database with the demo district's offers; returns seconds."""
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    start = time.perf_counter()
    for provider, records in demo_records(offers, seed=4):
        for at in range(0, len(records), 2000):
            with transaction(factory) as session:
                begin_write(session)
                pid = ensure_provider(session, provider)
                write_offers(session, pid, records[at:at + 2000])
    engine.dispose()
    return time.perf_counter() - start


def make_app(url: str, instance: Path) -> Any:
    from bildungsdaten.hub.app import create_app

    return create_app({"database_url": url, "instance_path": instance, "hub_base_uri": BASE,
                       "secret_key": "bench"})


def clear_documents(url: str, offer_ids: list[int] | None = None) -> None:
    """Delete the stored JSON-LD documents (all, or those of `offer_ids`): the cold state."""
    from bildungsdaten.hub.offers.documents import documents_t

    engine = make_engine(url)
    with engine.begin() as conn:
        query = documents_t.delete()
        if offer_ids is not None:
            query = query.where(documents_t.c.offer_id.in_(offer_ids))
        conn.execute(query)
    engine.dispose()


def count_documents(url: str) -> int:
    from bildungsdaten.hub.offers.documents import documents_t

    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(documents_t)).scalar_one()
    engine.dispose()
    return int(count)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stream_snapshot(app: Any) -> tuple[int, float]:
    """Bytes and seconds for the streamed JSON-LD snapshot, consumed chunk by chunk. The
    unfiltered /feeds/offers.jsonld is a stored file since issue 11 (bench_exports measures
    that); `modified_since=0` keeps every offer and takes the streamed path."""
    client = app.test_client()
    start = time.perf_counter()
    resp = client.get("/feeds/offers.jsonld?modified_since=0", buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    resp.close()
    return size, time.perf_counter() - start


# --- the rdflib baseline: the same offers as an rdflib Graph, serialised as JSON-LD ----------

CTX = context_document()["@context"]
PREFIXES = {"schema": "https://schema.org/", "bd": "https://w3id.org/bildungsdaten/vocab/",
            "xsd": str(XSD)}


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else curie


def _add(graph: Graph, node: dict[str, Any]) -> URIRef | BNode:
    subject: URIRef | BNode = URIRef(node["@id"]) if "@id" in node else BNode()
    for key, value in node.items():
        if key in ("@context", "@id"):
            continue
        if key == "@type":
            for t in value if isinstance(value, list) else [value]:
                graph.add((subject, RDF.type, URIRef(PREFIXES["schema"] + t)))
            continue
        term = CTX.get(key)
        definition = term if isinstance(term, dict) else {}
        predicate = URIRef(_expand(definition.get("@id", "schema:" + key)))
        kind = definition.get("@type")
        lang = definition.get("@language", "de")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@type" not in item and "@id" not in item:
                for tag, text in item.items():  # a language map
                    graph.add((subject, predicate, Literal(text, lang=tag)))
            elif isinstance(item, dict):
                graph.add((subject, predicate, _add(graph, item)))
            elif kind == "@id":
                graph.add((subject, predicate, URIRef(item)))
            elif kind == "@vocab":
                graph.add((subject, predicate, URIRef(PREFIXES["schema"] + item)))
            elif kind:
                graph.add((subject, predicate, Literal(item, datatype=URIRef(_expand(kind)))))
            elif isinstance(item, (bool, int)):
                graph.add((subject, predicate, Literal(item)))
            else:
                graph.add((subject, predicate, Literal(item, lang=lang)))
    return subject


def rdflib_snapshot(url: str, count: int) -> tuple[int, float, int]:
    """Load `count` offers, build one rdflib Graph, serialise it as JSON-LD: (bytes, s, triples)."""
    engine = make_engine(url)
    start = time.perf_counter()
    graph = Graph()
    with make_sessionmaker(engine)() as session:
        ids = list(session.execute(sa.select(Offer.id).where(Offer.deleted.is_(False))
                                   .order_by(Offer.id).limit(count)).scalars())
        for at in range(0, len(ids), 500):
            for record in load_offer_records(session, ids[at:at + 500]):
                _add(graph, offer_to_jsonld(record, BASE, None))
    body = graph.serialize(format="json-ld", context=CTX).encode()
    seconds = time.perf_counter() - start
    engine.dispose()
    return len(body), seconds, len(graph)


# --- memory: one child process per size ----------------------------------------------------

def memory_child(url: str, cold: bool) -> None:
    """(child) Stream the snapshot once (cold: without stored documents, so every offer is
    rendered and stored); print peak traced allocations and peak RSS."""
    if cold:
        clear_documents(url)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, Path(tmp))
        app.test_client().get("/feeds/offers/rpde?afterTimestamp=0&afterId=0")  # imports warm
        if cold:
            clear_documents(url)
        tracemalloc.start()
        size, seconds = stream_snapshot(app)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"bytes": size, "traced_peak": peak, "maxrss": rss_kib * 1024,
                          "seconds": seconds}))


def measure_memory(url: str, cold: bool) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_feeds", "--memory-child", url,
                          "--cold" if cold else "--warm"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- RPDE page latency inside the app --------------------------------------------------------

def rpde_positions(url: str, total: int) -> list[tuple[str, str]]:
    """(label, path) for pages at several positions, found with OFFSET (bench only)."""
    engine = make_engine(url)
    positions = [("Anfang", "/feeds/offers/rpde")]
    with engine.connect() as conn:
        for share in (0.1, 0.25, 0.5, 0.75, 0.9, 0.995):
            row = conn.execute(sa.select(Offer.modified, Offer.feed_id)
                               .order_by(Offer.modified, Offer.feed_id)
                               .offset(int(total * share)).limit(1)).one()
            path = f"/feeds/offers/rpde?afterTimestamp={row.modified}&afterId={row.feed_id}"
            positions.append((f"{share:.1%}", path))
        last = conn.execute(sa.select(Offer.modified, Offer.feed_id)
                            .order_by(Offer.modified.desc(), Offer.feed_id.desc()).limit(1)).one()
    end = f"/feeds/offers/rpde?afterTimestamp={last.modified}&afterId={last.feed_id}"
    positions.append(("Ende (leer)", end))
    engine.dispose()
    return positions


def _page_offer_ids(app: Any, path: str) -> list[int]:
    """The offer ids of the items on the page at `path` (to make exactly that page cold)."""
    feed_ids = [i["id"] for i in app.test_client().get(path).get_json()["items"]]
    with app.extensions["hub"].engine.connect() as conn:
        return list(conn.execute(sa.select(Offer.id).where(Offer.feed_id.in_(feed_ids)))
                    .scalars()) if feed_ids else []


def time_pages(app: Any, url: str, positions: list[tuple[str, str]], repeat: int = 9
               ) -> list[tuple[str, int, float, float, float]]:
    """Per position: items, median ms warm (documents stored) and cold (the page's documents
    deleted before each request), both without the page cache; and with the page cache."""
    client = app.test_client()
    results = []
    for label, path in positions:
        app.config["RPDE_PAGE_CACHE"] = False
        items = len(client.get(path).get_json()["items"])  # stores what is missing: warm
        ids = _page_offer_ids(app, path)
        warm, cold, cached = [], [], []
        for _ in range(repeat):
            start = time.perf_counter()
            assert client.get(path).status_code == 200
            warm.append((time.perf_counter() - start) * 1000)
        for _ in range(repeat):
            clear_documents(url, ids)
            start = time.perf_counter()
            assert client.get(path).status_code == 200  # renders, stores the 500 documents
            cold.append((time.perf_counter() - start) * 1000)
        app.config["RPDE_PAGE_CACHE"] = True
        client.get(path)
        for _ in range(repeat):
            start = time.perf_counter()
            assert client.get(path).status_code == 200
            cached.append((time.perf_counter() - start) * 1000)
        results.append((label, items, statistics.median(warm), statistics.median(cold),
                        statistics.median(cached)))
    app.config["RPDE_PAGE_CACHE"] = True
    return results


# --- gunicorn under load from a second process -----------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_child(port: int, paths_file: str, seconds: float, max_requests: int,
               threads: int) -> None:
    """(child) Request the given pages round-robin over keep-alive connections; print counts."""
    paths = Path(paths_file).read_text().split()
    lock = threading.Lock()
    counts = {"ok": 0, "errors": 0, "bytes": 0}
    deadline = time.monotonic() + seconds
    budget = iter(range(max_requests))

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = offset
        while time.monotonic() < deadline:
            with lock:
                if next(budget, None) is None:
                    break
            try:
                conn.request("GET", paths[n % len(paths)], headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok, body = False, b""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                counts["ok" if ok else "errors"] += 1
                counts["bytes"] += len(body)
            n += 7
        conn.close()

    start = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    counts["seconds"] = time.perf_counter() - start  # type: ignore[assignment]
    print(json.dumps(counts))


def gunicorn_load(url: str, tmp: Path, paths: list[str], seconds: float = 20,
                  max_requests: int = 20_000, loaders: int = 2, threads: int = 4
                  ) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "HUB_BASE_URI": BASE, "SECRET_KEY": "bench",
           "INSTANCE_PATH": str(tmp / "gunicorn"), "GUNICORN_ACCESSLOG": "/dev/null"}
    conf = Path(__file__).resolve().parent.parent / "hub" / "gunicorn_conf.py"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind",
                               f"127.0.0.1:{port}", "--workers", "2",
                               "bildungsdaten.hub.wsgi:app"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        paths_file = tmp / "paths.txt"
        paths_file.write_text("\n".join(paths))
        # Warm each worker's page cache once (as the first harvesters of the day would).
        warm = subprocess.run([sys.executable, "-m", "bench.bench_feeds", "--load-child",
                               str(port), str(paths_file), "60", str(len(paths) * 4), "4"],
                              check=True, capture_output=True, text=True)
        assert json.loads(warm.stdout)["errors"] == 0
        procs = [subprocess.Popen([sys.executable, "-m", "bench.bench_feeds", "--load-child",
                                   str(port), str(paths_file), str(seconds),
                                   str(max_requests // loaders), str(threads)],
                                  stdout=subprocess.PIPE, text=True) for _ in range(loaders)]
        outs = [json.loads(p.communicate()[0]) for p in procs]
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(o["ok"] for o in outs)
    return {"ok": total, "errors": sum(o["errors"] for o in outs),
            "seconds": max(o["seconds"] for o in outs),
            "rate": total / max(o["seconds"] for o in outs),
            "mb": sum(o["bytes"] for o in outs) / 1e6}


def walk_paths(app: Any) -> list[str]:
    """Every page of the feed from the start, by following `next` (the harvester's path)."""
    client = app.test_client()
    paths, path = [], "/feeds/offers/rpde"
    while True:
        paths.append(path)
        page = client.get(path).get_json()
        if not page["items"]:
            return paths
        parts = urlsplit(page["next"])
        path = f"{parts.path}?{parts.query}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (empty = SQLite)")
    parser.add_argument("--memory-child")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--load-child", nargs=5)
    parser.add_argument("--skip-load", action="store_true", help="without the gunicorn run")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.cold)
        return 0
    if args.load_child:
        port, paths_file, seconds, max_requests, threads = args.load_child
        load_child(int(port), paths_file, float(seconds), int(max_requests), int(threads))
        return 0

    print(f"Last vorher (loadavg 1/5/15 min): {load_average()}, {os.cpu_count()} Kerne")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.database_url:
            big_url, small_url = args.database_url, ""
            print("PostgreSQL: the database must be empty and is filled with demo offers.")
        else:
            big_url = f"sqlite:///{tmp / 'big.sqlite'}"
            small_url = f"sqlite:///{tmp / 'small.sqlite'}"
        print(f"Demo-Daten: {args.offers} Angebote schreiben …", flush=True)
        print(f"  {build_database(big_url, args.offers):.1f} s", flush=True)
        app = make_app(big_url, tmp / "instance")
        app.config["RPDE_PAGE_CACHE"] = False
        n = args.offers

        rdf_bytes, rdf_s, triples = rdflib_snapshot(big_url, RDFLIB_SUBSET)
        rdf_rate = RDFLIB_SUBSET / rdf_s
        print(f"\nrdflib Graph + serialize(json-ld): {RDFLIB_SUBSET} Angebote ({triples} Tripel, "
              f"{rdf_bytes / 1e6:.1f} MB) in {rdf_s:.2f} s = {rdf_rate:,.0f} Angebote/s")
        print("JSON-LD-Abzug (gestreamt, /feeds/offers.jsonld), je Angebot gegen rdflib "
              "(Ziel >= 50x):")
        stream_snapshot(app)  # warm-up (imports, caches, OS page cache); stores the documents
        colds = []
        for _ in range(2):
            clear_documents(big_url)
            size, seconds = stream_snapshot(app)
            colds.append(seconds)
        assert count_documents(big_url) == n  # the cold stream stored every document
        cold = statistics.median(colds)
        warms = [stream_snapshot(app)[1] for _ in range(3)]
        warm = statistics.median(warms)
        for label, seconds in (("kalt (rendern + speichern)", cold),
                               ("warm (gespeicherte Dokumente)", warm)):
            factor = (n / seconds) / rdf_rate
            print(f"  {label:>30}: {n} Angebote, {size / 1e6:.0f} MB in {seconds:6.2f} s = "
                  f"{n / seconds:7,.0f} Angebote/s = {factor:4.0f}x -> "
                  f"{'OK' if factor >= 50 else 'VERFEHLT'}")

        if small_url:
            build_database(small_url, args.small)
            print("Speicher (je Größe ein frischer Prozess, Abzug einmal gestreamt):")
            for mode in ("kalt", "warm"):
                small = measure_memory(small_url, mode == "kalt")
                big = measure_memory(big_url, mode == "kalt")
                for label, m, count in (("klein", small, args.small), ("groß", big, n)):
                    print(f"  {mode} {label} ({count} Angebote, {m['bytes'] / 1e6:.0f} MB): "
                          f"Spitze Python-Allokationen {m['traced_peak'] / 1e6:.1f} MB, "
                          f"Spitze RSS {m['maxrss'] / 1e6:.0f} MB")
                rss_ratio = big["maxrss"] / small["maxrss"]
                traced_ratio = big["traced_peak"] / small["traced_peak"]
                print(f"  {mode}: Verhältnis groß/klein RSS {rss_ratio:.2f}, Allokationen "
                      f"{traced_ratio:.2f} (Ziel <= 1.5) -> "
                      f"{'OK' if max(rss_ratio, traced_ratio) <= 1.5 else 'VERFEHLT'}")

        print("\nRPDE-Seite (500 Einträge) in der App, Median von 9 Abrufen; warm und kalt "
              "ohne Seiten-Cache:")
        results = time_pages(app, big_url, rpde_positions(big_url, n))
        for label, items, warm_ms, cold_ms, cached_ms in results:
            print(f"  {label:>12}: {items:3d} Einträge  warm {warm_ms:6.1f} ms   kalt "
                  f"{cold_ms:6.1f} ms   mit Seiten-Cache {cached_ms:5.1f} ms")
        worst_warm = max(r[2] for r in results)
        worst_cold = max(r[3] for r in results)
        print(f"  schlechteste Position warm: {worst_warm:.1f} ms (Ziel <= 20 ms) -> "
              f"{'OK' if worst_warm <= 20 else 'VERFEHLT'}; kalt: {worst_cold:.1f} ms -> "
              f"{'OK' if worst_cold <= 20 else 'VERFEHLT'}")
        print(f"Last nach den Messungen in der App: {load_average()}")

        if not args.skip_load:
            paths = walk_paths(app)
            app.extensions["hub"].engine.dispose()
            load = gunicorn_load(big_url, tmp, paths)
            print(f"\ngunicorn -w 2 (gthread), Last aus 2 Prozessen x 4 Verbindungen, "
                  f"{len(paths)} verschiedene RPDE-Seiten (gzip): {load['ok']} Antworten in "
                  f"{load['seconds']:.1f} s = {load['rate']:.0f}/s, Fehler {load['errors']}, "
                  f"{load['mb']:.0f} MB (Ziel >= 500/s ohne Fehler) -> "
                  f"{'OK' if load['rate'] >= 500 and not load['errors'] else 'VERFEHLT'}")
        app.extensions["hub"].engine.dispose()
    print(f"Last nachher: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
