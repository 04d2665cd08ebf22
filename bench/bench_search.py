"""Search bench: GET /api/v1/offers with text, two filters and facets on the demo district,
median and p95 in the app (Flask test client, no network), against a naive LIKE scan of the
same data in the same run; then the same searches as the HTML search page /angebote (time and
gzip size: target 40 KB). CPU time per request beside the wall time (a shared machine).

The naive baseline is what the API did before the search index: every word as
lower(title|description) LIKE '%word%' (no stemming, so it also finds less), with the same two
filters, for one page of ids plus the total a facet answer needs. Also: the SQL statements per
request (constant, whatever the number of matches) and the size of a page of 20.
Run: .venv/bin/python -m bench.bench_search [--offers 100000] [--database-url URL] [--runs 40]
[--cold]
A --database-url that already holds offers (e.g. after `bildungsdaten demo --offers 100000`)
is used as it is; otherwise the demo district is written into it (SQLite in a temporary
directory without one).
"""
from __future__ import annotations

import argparse
import functools
import gzip
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from bench.bench_api import build as build_demo
from bildungsdaten.hub.db import make_engine, make_sessionmaker
from bildungsdaten.hub.migrate import upgrade
from bildungsdaten.hub.models import Offer
from bildungsdaten.hub.offers.filters import OfferFilters

BASE = "http://hub.bench"
# Text with two filters: common and rare words, inflected forms, umlaut spellings.
SEARCHES: list[dict[str, str]] = [
    {"q": "Englisch Konversation", "life_phase": "erwachsenenbildung",
     "municipality": "06431002"},
    {"q": "Yoga Einsteiger", "life_phase": "erwachsenenbildung", "mode": "praesenz"},
    {"q": "Deutschkurse", "free": "true", "near": "Bensheim"},
    {"q": "Computer", "life_phase": "senioren", "near": "64646"},
    {"q": "Rücken", "accessible": "true", "from": "2026-01-01"},
    {"q": "Kurs", "municipality": "06431011", "mode": "praesenz"},  # a word of most offers
    {"q": "zzzzunbekannt", "life_phase": "schule", "mode": "online_live"},  # + suggestion
]
offers_t = Offer.__table__


def build(url: str, offers: int) -> float:
    """The demo district as bench_api builds it; 0.0 when the database already holds offers
    (the bench re-uses a built database)."""
    engine = make_engine(url)
    upgrade(engine, "heads")
    with engine.connect() as conn:
        filled = conn.execute(sa.select(sa.func.count()).select_from(offers_t)).scalar_one()
    engine.dispose()
    return 0.0 if filled else build_demo(url, offers)


def timings(fn: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """Median and p95 of the wall time and median of the CPU time (this process: the app and
    SQLite; PostgreSQL's server time is not in it) in ms of `runs` calls after one warm-up.
    The CPU time tells the work apart from waiting on a machine shared with other jobs."""
    fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    return (statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            statistics.median(cpu))


def naive(session: Any, search: dict[str, str]) -> Callable[[], Any]:
    """The LIKE scan of the same search: one page of ids and the total."""
    rest = {k: v for k, v in search.items() if k != "q"}
    filters = OfferFilters.parse(_Args(rest), session)
    likes = []
    for word in search["q"].split():
        pattern = f"%{word.lower()}%"
        likes.append(sa.or_(sa.func.lower(offers_t.c.title).like(pattern),
                            sa.func.lower(offers_t.c.description).like(pattern)))
    where = [*filters.where(session), *likes]
    page = sa.select(offers_t.c.id).where(*where).order_by(offers_t.c.id).limit(21)
    total = sa.select(sa.func.count()).select_from(offers_t).where(*where)

    def run() -> Any:
        session.execute(page).all()
        return session.execute(total).scalar_one()
    return run


class _Args(dict[str, str]):
    """A plain dict as the MultiDict OfferFilters.parse reads."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="empty = SQLite in a temporary dir")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--cold", action="store_true",
                        help="the app's count cache emptied before each request (every request "
                             "counts the facets anew)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'search.sqlite'}"
        took = build(url, args.offers)
        print(f"Daten: {'vorhanden' if not took else f'{args.offers} Demo-Angebote in {took:.0f} s'}"
              f" ({make_engine(url).dialect.name})")
        from bildungsdaten.hub.app import create_app

        apps = {name: create_app({"database_url": url, "instance_path": tmp / "instance",
                                  "hub_base_uri": BASE, "secret_key": "bench",
                                  "search_matrix": name == "matrix"})
                for name in ("matrix", "sql")}
        app = apps["matrix"]
        store = app.extensions["search_matrix"]
        started, started_cpu = time.perf_counter(), time.process_time()
        with make_sessionmaker(app.extensions["hub"].engine)() as session:
            store._build()
            matrix = store.current(session)
        assert matrix is not None
        size = sum(a.nbytes for a in (*vars(matrix).values(), *vars(matrix.dates).values(),
                                      *(x for pair in matrix.multi.values() for x in pair))
                   if hasattr(a, "nbytes"))
        print(f"Suchmatrix: {len(matrix)} Angebote, {len(matrix.dates.offer)} Termine, "
              f"{size / 2**20:.1f} MiB, aufgebaut in {time.perf_counter() - started:.2f} s "
              f"({time.process_time() - started_cpu:.2f} s CPU)")
        clients = {name: a.test_client() for name, a in apps.items()}

        def get(name: str, path: str) -> Any:
            if args.cold:  # counts and text matches anew; the matrix itself stays (an index)
                apps[name].extensions.pop("portal_counts", None)
                apps[name].extensions["search_matrix"]._texts.clear()
            return clients[name].get(path)
        engine = app.extensions["hub"].engine
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        print(f"\nGET /api/v1/offers?limit=20&facets=true&… (Median/p95 von {args.runs}), "
              "Matrix gegen SQL (SEARCH_MATRIX=false, der Stand vorher) und LIKE-Scan:")
        print(f"  {'Suche':<62} {'Matrix':>15} {'CPU':>6} {'SQL':>15} {'CPU':>6} "
              f"{'LIKE':>15} {'SQL/M':>6} {'Treffer':>8} {'Anw.':>5} {'KB gz':>6}")
        ratios = []
        for search in SEARCHES:
            query = urlencode({**search, "limit": "20", "facets": "true"})
            url_path = f"/api/v1/offers?{query}"
            resp = get("matrix", url_path)
            assert resp.status_code == 200, resp.get_json()
            body = resp.get_json()
            assert body == get("sql", url_path).get_json(), f"Matrix und SQL: {url_path}"
            app_med, app_p95, app_cpu = timings(functools.partial(get, "matrix", url_path),
                                                args.runs)
            sql_med, sql_p95, sql_cpu = timings(functools.partial(get, "sql", url_path),
                                                max(5, args.runs // 2))
            sa.event.listen(engine, "before_cursor_execute", count)
            statements = 0
            get("matrix", url_path)
            sa.event.remove(engine, "before_cursor_execute", count)
            with make_sessionmaker(engine)() as session:
                like_med, like_p95, _ = timings(naive(session, search), max(5, args.runs // 4))
            ratios.append(like_med / app_med)
            label = " ".join(f"{k}={v}" for k, v in search.items())
            print(f"  {label:<62} {app_med:6.1f}/{app_p95:6.1f} ms {app_cpu:6.1f} "
                  f"{sql_med:6.1f}/{sql_p95:6.1f} ms {sql_cpu:6.1f} "
                  f"{like_med:6.1f}/{like_p95:6.1f} ms {sql_med / app_med:5.1f}x "
                  f"{body['total']:>8} {statements:>5} {len(gzip.compress(resp.data)) / 1024:6.1f}")
        print(f"\nMedian der Faktoren (LIKE / App): {statistics.median(ratios):.1f}x")
        print(f"\nGET /angebote?… (Suchseite, HTML; Median/p95 von {args.runs}, CPU-Median):")
        for search in SEARCHES:
            page_path = f"/angebote?{urlencode(search)}"
            page = get("matrix", page_path)
            assert page.status_code == 200, page_path
            med, p95, cpu = timings(functools.partial(get, "matrix", page_path), args.runs)
            label = " ".join(f"{k}={v}" for k, v in search.items())
            print(f"  {label:<62} {med:6.1f}/{p95:6.1f} ms {cpu:6.1f} ms CPU "
                  f"{len(gzip.compress(page.data)) / 1024:6.1f} KB gz")
        for a in apps.values():
            a.extensions["hub"].engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
