"""Quality overview bench (issue 18): the office's per-provider counts at 100,000 offers, the
set-based SQL of hub.offers.quality_queries next to the obvious baseline (every live offer
loaded as a record and judged in Python), in one run; both must give the same numbers. Then
the whole request GET /verwaltung/qualitaet and its CSV.

Run: .venv/bin/python -m bench.bench_quality [--offers 100000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from bench.bench_feeds import build_database, load_average, make_app
from bildungsdaten.hub.db import make_engine, make_sessionmaker
from bildungsdaten.hub.offers.filters import OfferFilters
from bildungsdaten.hub.offers.quality_queries import ACCESSIBILITY_KNOWN, provider_counts
from bildungsdaten.hub.offers.queries import iter_offer_batches
from bildungsdaten.vocab.records import PRICE_AMOUNT, PRICE_FREE, OfferRecord

TODAY = date(2026, 3, 2)
ADMIN = "bench-geheim-geheim-geheim"


def python_groups(record: OfferRecord) -> tuple[int, bool]:
    """Groups present and accessibility of one offer, judged in Python (the baseline)."""
    insts = record.instances
    accessible = all((i.venue is not None and i.venue.venue_accessible in ACCESSIBILITY_KNOWN)
                     or bool(i.accessibility_features) or bool(i.accessibility_note)
                     for i in insts)
    present = [accessible, bool(record.contact_email or record.contact_phone),
               all(i.price_kind in (PRICE_AMOUNT, PRICE_FREE) for i in insts),
               bool(record.funding),
               all(i.venue is None or (i.venue.lat is not None and i.venue.lon is not None)
                   for i in insts),
               bool(record.prerequisites)]
    return sum(present), accessible


def baseline(engine: Any) -> dict[str, tuple[int, int, int]]:
    """Per provider slug: (offers, groups present, accessible), one record at a time."""
    offers: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    accessible: Counter[str] = Counter()
    for batch in iter_offer_batches(engine, OfferFilters()):
        for record in batch:
            present, ok = python_groups(record)
            slug = record.provider.slug
            offers[slug] += 1
            groups[slug] += present
            accessible[slug] += ok
    return {s: (offers[s], groups[s], accessible[s]) for s in offers}


def ours(engine: Any) -> dict[str, tuple[int, int, int]]:
    with make_sessionmaker(engine)() as session:
        rows = provider_counts(session, TODAY)
    return {r.slug: (r.facts.offers, r.facts.groups_present, r.facts.accessible)
            for r in rows if r.facts.offers}


def timed(fn: Any, *args: Any, repeat: int = 3) -> tuple[Any, float]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        print(f"load average at the start: {load_average()} (2 cores; other work inflates "
              "the figures)")
        built = build_database(url, args.offers)
        engine = make_engine(url)
        print(f"database: {engine.dialect.name}, {args.offers} demo offers (built in "
              f"{built:.0f} s)")
        sql, sql_s = timed(ours, engine)
        slow, slow_s = timed(baseline, engine, repeat=1)
        assert sql == slow, "set-based SQL and the Python baseline disagree"
        app = make_app(url, Path(folder) / "instance")
        app.extensions["hub"].settings.admin_token = ADMIN
        client = app.test_client()
        headers = {"Authorization": f"Bearer {ADMIN}"}

        def get(path: str) -> int:
            resp = client.get(path, headers=headers)
            assert resp.status_code == 200, resp.status_code
            return len(resp.data)

        _size, page_s = timed(get, "/verwaltung/qualitaet")
        _size, csv_s = timed(get, "/verwaltung/qualitaet.csv")
        print(f"{'step':48} seconds")
        print(f"{'per-provider counts, set-based SQL (median of 3)':48} {sql_s:7.3f}")
        print(f"{'baseline: every offer loaded and judged in Python':48} {slow_s:7.3f}")
        print(f"{'GET /verwaltung/qualitaet (median of 3)':48} {page_s:7.3f}")
        print(f"{'GET /verwaltung/qualitaet.csv (median of 3)':48} {csv_s:7.3f}")
        print(f"providers: {len(sql)}, same numbers in both: yes; speed-up "
              f"{slow_s / sql_s:.0f}x")
        engine.dispose()


if __name__ == "__main__":
    main()
