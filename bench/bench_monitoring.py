"""Monitoring bench: the day's snapshot of every indicator, and the monitoring pages once a
snapshot exists.

Targets (issue 13): snapshot at `demo --offers 100000` <= 30 s on SQLite and PostgreSQL;
/monitoring and /monitoring/indikatoren.csv <= 200 ms. The machine is shared, so every figure
is given as wall and CPU seconds of this process (the database server's CPU is not in it).

The database is built once (`--db`, reused when it already holds offers) so two revisions
compare on the same rows (bench/compare_revisions.py); the stored snapshots are deleted
before each timed one (with plain SQL: the ORM refuses, by design).
Run: .venv/bin/python -m bench.bench_monitoring [--offers 100000] [--db PATH | --database-url URL]
     [--profile FILE]
"""
from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bildungsdaten.hub.db import begin_write, make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.migrate import upgrade
from bildungsdaten.hub.offers.store import ensure_provider, write_offers

BASE = "http://hub.bench"
DAY = date(2026, 3, 2)
PAGES = ("/monitoring", "/monitoring?indikator=anteil_kostenlos&lebensphase=senioren",
         "/monitoring?thema=sprachen&indikator=angebote_je_1000_einwohner",
         "/monitoring/gemeinden/06431011", "/monitoring/indikatoren.csv",
         "/monitoring/indikatoren.jsonld")


def ensure_offers(url: str, offers: int) -> int:
    """The number of offers in the database, filled with the demo district when empty."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM offers")).scalar_one()
    if have == 0:
        print(f"Demo-Daten: {offers} Angebote schreiben …", flush=True)
        factory = make_sessionmaker(engine)
        for provider, records in demo_records(offers, seed=4, today=DAY):
            for at in range(0, len(records), 2000):
                with transaction(factory) as session:
                    begin_write(session)
                    write_offers(session, ensure_provider(session, provider),
                                 records[at:at + 2000])
        with engine.connect() as conn:
            have = conn.execute(sa.text("SELECT count(*) FROM offers")).scalar_one()
    engine.dispose()
    return int(have)


def forget_snapshots(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM monitoring_values"))
        conn.execute(sa.text("DELETE FROM monitoring_snapshots"))


def make_app(url: str, instance: Path) -> Any:
    from bildungsdaten.hub.app import create_app

    return create_app({"database_url": url, "instance_path": instance, "hub_base_uri": BASE,
                       "secret_key": "bench"})


def time_snapshot(app: Any, profile: str | None) -> tuple[float, float, int]:
    """(wall s, CPU s, values) of storing the day's snapshot."""
    from bildungsdaten.hub.monitoring.store import store_snapshot

    hub = app.extensions["hub"]
    forget_snapshots(hub.engine)
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = store_snapshot(hub.engine, hub.settings, DAY)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)  # type: ignore[arg-type]
    return time.perf_counter() - wall, time.process_time() - cpu, result.values


def time_page(client: Any, path: str, runs: int) -> tuple[float, float, int, int, float]:
    """(median wall ms, median CPU ms, status, bytes, first request's wall ms) of a page,
    whole body read; the first request also compiles templates and fills any kept copy."""
    walls, cpus, status, size = [], [], 0, 0
    first = time.perf_counter()
    client.get(path).close()
    first_ms = (time.perf_counter() - first) * 1000
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        resp = client.get(path, buffered=False)
        size = sum(len(chunk) for chunk in resp.response)
        status = resp.status_code
        resp.close()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (statistics.median(walls) * 1000, statistics.median(cpus) * 1000, status, size,
            first_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--db", help="SQLite file, built once and reused")
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://… (built if empty)")
    parser.add_argument("--runs", type=int, default=15, help="requests per page")
    parser.add_argument("--profile", help="write the snapshot's cProfile stats to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-monitoring-") as tmp:
        url = args.database_url or f"sqlite:///{args.db or Path(tmp) / 'bench.sqlite'}"
        offers = ensure_offers(url, args.offers)
        app = make_app(url, Path(tmp))
        print(f"Datenbank: {make_engine(url).dialect.name}, {offers} Angebote; "
              f"Last {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        wall, cpu, values = time_snapshot(app, args.profile)
        verdict = "OK" if wall <= 30 else "VERFEHLT"
        print(f"Stichtag speichern: {wall:6.2f} s (CPU {cpu:6.2f} s), {values} Werte "
              f"(Ziel <= 30 s: {verdict})", flush=True)
        client = app.test_client()
        for path in PAGES:
            wall_ms, cpu_ms, status, size, first_ms = time_page(client, path, args.runs)
            target = ("" if path.endswith(".jsonld") else
                      f"  (Ziel <= 200 ms: {'OK' if wall_ms <= 200 else 'VERFEHLT'})")
            print(f"  {path:66s} {status} {size / 1024:6.1f} kB  erste {first_ms:6.1f} ms, "
                  f"Median {wall_ms:6.1f} ms (CPU {cpu_ms:6.1f} ms){target}", flush=True)


if __name__ == "__main__":
    main()
