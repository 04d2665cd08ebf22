"""API bench: /api/v1/offers keyset paging against the OFFSET paging baseline, page latency at
several positions, a full walk through every page, and each filter on the demo district.

Baseline: the same id selection with LIMIT/OFFSET (what a naive ?page=N does), whose cost grows
with the position; the keyset cursor (`id > last`) stays flat.
Run: .venv/bin/python -m bench.bench_api [--offers 50000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bildungsdaten.hub.db import begin_write, make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.migrate import upgrade
from bildungsdaten.hub.offers.store import ensure_provider, write_offers

BASE = "http://hub.bench"


def build(url: str, offers: int) -> float:
    engine = make_engine(url)
    upgrade(engine, "heads")
    factory = make_sessionmaker(engine)
    start = time.perf_counter()
    for provider, records in demo_records(offers, seed=7):
        for at in range(0, len(records), 2000):
            with transaction(factory) as session:
                begin_write(session)
                write_offers(session, ensure_provider(session, provider), records[at:at + 2000])
    engine.dispose()
    return time.perf_counter() - start


def median_ms(fn: Callable[[], Any], runs: int = 7) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=50_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (empty = SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'api.sqlite'}"
        print(f"Demo-Daten: {args.offers} Angebote schreiben … {build(url, args.offers):.1f} s")
        from bildungsdaten.hub.app import create_app

        app = create_app({"database_url": url, "instance_path": tmp / "instance",
                          "hub_base_uri": BASE, "secret_key": "bench"})
        client = app.test_client()
        engine = app.extensions["hub"].engine
        with engine.connect() as conn:
            ids = [r[0] for r in conn.execute(sa.text(
                "SELECT id FROM offers WHERE deleted = :f ORDER BY id"), {"f": False})]
        live = len(ids)

        print("\nId-Auswahl einer Seite (500) mit der Abfrage der API, Median von 7, "
              "keyset vs. OFFSET (Baseline):")
        from bildungsdaten.hub.offers.filters import OfferFilters

        with make_sessionmaker(engine)() as session:
            for share in (0.0, 0.5, 0.99):
                pos = int(live * share)
                keyset = OfferFilters().select_ids(session, ids[pos - 1] if pos else 0)
                offset = OfferFilters().select_ids(session).offset(pos)
                k = median_ms(lambda q=keyset: session.execute(q.limit(501)).all())  # type: ignore[misc]
                o = median_ms(lambda q=offset: session.execute(q.limit(501)).all())  # type: ignore[misc]
                print(f"  Position {pos:>7}: keyset {k:6.2f} ms   OFFSET {o:6.2f} ms   "
                      f"({o / k:4.1f}x)")

        print("\nGanze Antwort GET /api/v1/offers?limit=500 (JSON, Median von 7, "
              "ohne Suchtext nach Beginn sortiert):")
        from bildungsdaten.hub.search.order import encode_cursor, ordered_ids

        with make_sessionmaker(engine)() as session:
            dated = ordered_ids(OfferFilters(), session, None, live)
        for share in (0.0, 0.5, 0.99):
            pos = int(live * share)
            after = (f"&after={encode_cursor('date', *dated[pos - 1])}" if pos else "")
            ms = median_ms(lambda a=after: client.get(f"/api/v1/offers?limit=500{a}"))  # type: ignore[misc]
            print(f"  Position {pos:>7}: {ms:6.1f} ms")

        start = time.perf_counter()
        seen, page, url_path = 0, 0, "/api/v1/offers?limit=500"
        while url_path:
            body = client.get(url_path).get_json()
            seen += len(body["items"])
            page += 1
            url_path = body["next"][len(BASE):] if body["next"] else ""
        took = time.perf_counter() - start
        print(f"\nAlle Seiten: {seen} Angebote in {page} Seiten, {took:.1f} s = "
              f"{seen / took:,.0f} Angebote/s (vollständig: {'ja' if seen == live else 'NEIN'})")

        with engine.connect() as conn:
            biggest = conn.execute(sa.text(
                "SELECT p.slug FROM providers p JOIN offers o ON o.provider_id = p.id "
                "GROUP BY p.slug ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        print("\nFilter (limit=50, Median von 7):")
        for query in (f"provider={biggest}", "life_phase=studium", "q=zzzz", "municipality=06431011",
                      "life_phase=senioren", "mode=online_live", "from=2026-01-01&to=2026-01-31",
                      "q=englisch", "q=übung&municipality=06431002&mode=praesenz"):
            ms = median_ms(lambda q=query: client.get(f"/api/v1/offers?limit=50&{q}"))  # type: ignore[misc]
            n = len(client.get(f"/api/v1/offers?limit=50&{query}").get_json()["items"])
            print(f"  {query:<48} {ms:7.1f} ms  ({n} Treffer auf Seite 1)")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
