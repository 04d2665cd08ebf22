"""Harvest bench (issue 15): a second local hub with N offers serves its RPDE feed on a real
port (its own process); this hub harvests all of it into a fresh SQLite file and a fresh
PostgreSQL database. Baseline, side by side: the same offers imported as CSV uploads (the
neighbour's /feeds/offers.csv split by provider, hub.offers.importer.import_file).

Target: >= 5,000 items/s into both databases, memory flat in the number of items (RSS is
sampled as the run passes 20 %, 50 % and 100 % of the items).
Run: .venv/bin/python -m bench.bench_harvest [--items 100000] [--pg-url URL]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bildungsdaten.hub.db import begin_write, make_engine, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.federation.ingest import harvest_source
from bildungsdaten.hub.federation.items import HarvestLimits
from bildungsdaten.hub.migrate import downgrade, upgrade
from bildungsdaten.hub.models import Offer, Provider
from bildungsdaten.hub.offers.documents import render_target
from bildungsdaten.hub.offers.importer import import_file
from bildungsdaten.hub.offers.queries import prerender_documents
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.hub.settings import load_settings
from bildungsdaten.hub.sources.service import add_source

PAGE_SIZE = 2000


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_neighbour(url: str, items: int, instance: Path, base: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    for provider, records in demo_records(items, seed=7):
        for at in range(0, len(records), 2000):
            with transaction(factory) as session:
                begin_write(session)
                write_offers(session, ensure_provider(session, provider), records[at:at + 2000])
    settings = load_settings({"database_url": url, "hub_base_uri": base,
                              "secret_key": "bench", "instance_path": instance})
    prerender_documents(engine, render_target(settings))  # serve warm, as after the render job
    engine.dispose()


def serve_neighbour(url: str, instance: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """The neighbour app on `port` of loopback in its own process (threaded werkzeug); its
    HUB_BASE_URI is that address, so its RPDE `next` links lead back to it."""
    base = f"http://127.0.0.1:{port}"
    code = (
        "import logging\n"
        "from pathlib import Path\n"
        "from werkzeug.serving import make_server\n"
        "from bildungsdaten.hub.app import create_app\n"
        f"app = create_app({{'database_url': {url!r}, 'instance_path': Path({str(instance)!r}),"
        f" 'hub_base_uri': {base!r}, 'secret_key': 'bench',"
        f" 'rpde_page_size': {PAGE_SIZE}, 'district_key': '06437'}})\n"
        f"server = make_server('127.0.0.1', {port}, app, threaded=True)\n"
        "logging.getLogger('werkzeug').setLevel(logging.WARNING)\n"
        "print('ready', flush=True)\n"
        "server.serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc, base


def fresh_target(url: str, instance: Path) -> tuple[Any, Any]:
    engine = make_engine(url)
    if url.startswith("postgresql"):
        downgrade(engine, "base")
    upgrade(engine)
    settings = load_settings({"database_url": url, "hub_base_uri": "http://hub.bench",
                              "secret_key": "bench", "instance_path": instance,
                              "fetch_allow_hosts": "127.0.0.1",
                              "upload_max_rows": 10_000_000,
                              "upload_max_bytes": 2_000_000_000})
    return engine, settings


def process_rss_mib() -> float:
    """RSS of this process and its children (the harvest's forked reader), MiB."""
    total = rss_mib()
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def cpu_seconds() -> tuple[float, float]:
    """User + system CPU of this process, and of its children reaped so far."""
    return tuple(u.ru_utime + u.ru_stime  # type: ignore[return-value]
                 for u in (resource.getrusage(resource.RUSAGE_SELF),
                           resource.getrusage(resource.RUSAGE_CHILDREN)))


def harvest_run(url: str, feed: str, items: int, instance: Path,
                reader: str = "auto") -> None:
    from bildungsdaten.hub.federation.rpde_client import walk

    engine, settings = fresh_target(url, instance)
    sessions = make_sessionmaker(engine)
    add_source(sessions, settings, "nachbar", feed)
    marks: dict[int, float] = {}

    def sample(counts: Any) -> None:  # after each page written, in this process
        for share in (20, 50, 100):
            if share not in marks and counts.items >= items * share // 100:
                marks[share] = process_rss_mib()

    before = rss_mib()
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    outcome = harvest_source(sessions, "nachbar", walk, base_uri=settings.hub_base_uri,
                             allow_hosts="127.0.0.1",
                             limits=HarvestLimits(max_seconds=3600, max_pages=100_000),
                             on_page=sample,
                             reader_process={"auto": None, "process": True,
                                             "thread": False}[reader])
    took = time.perf_counter() - start
    # the machine is shared: wall swings, CPU much less
    own, reader_cpu = (end - begin for end, begin in zip(cpu_seconds(), cpu_start, strict=True))
    cpu = own + reader_cpu
    with engine.connect() as conn:
        live = conn.execute(sa.select(sa.func.count()).select_from(Offer)
                            .where(Offer.deleted.is_(False))).scalar_one()
    engine.dispose()
    c = outcome.counts
    rate = c.items / took if took else 0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"  harvest   {took:7.2f} s {rate:>9,.0f} items/s  {outcome.status}, {c.pages} pages, "
          f"{c.created:,} created, {live:,} live offers")
    print(f"            CPU {cpu:.2f} s ({c.items / cpu if cpu else 0:,.0f} items/CPU-s; of "
          f"which the forked reader {reader_cpu:.2f} s), load average {os.getloadavg()[0]:.1f}")
    print(f"            RSS MiB (with the reader): start {before:.0f}, at 20% "
          f"{marks.get(20, 0):.0f}, at 50% {marks.get(50, 0):.0f}, at 100% "
          f"{marks.get(100, 0):.0f}; peak {peak:.0f}")


def upload_run(url: str, feed_csv: bytes, instance: Path) -> None:
    """The baseline: the same offers as CSV uploads, one per provider."""
    engine, settings = fresh_target(url, instance)
    sessions = make_sessionmaker(engine)
    text = feed_csv.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader)
    slug_at = header.index("anbieter_kennung")
    name_at = header.index("anbieter_name")
    by_provider: dict[str, list[list[str]]] = {}
    names: dict[str, str] = {}
    for row in reader:
        by_provider.setdefault(row[slug_at], []).append(row)
        names[row[slug_at]] = row[name_at]
    files = []
    for slug, rows in by_provider.items():
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        files.append((slug, out.getvalue().encode()))
    with engine.begin() as conn:
        ids = {slug: conn.execute(sa.insert(Provider).returning(Provider.id),
                                  {"slug": slug, "name": names[slug]}).scalar_one()
               for slug, _data in files}
    start = time.perf_counter()
    for slug, data in files:
        outcome = import_file(sessions, settings, ids[slug], data, filename=f"{slug}.csv",
                              source="cli")
        assert outcome.status == "done", outcome.report.get("errors", [])[:2]
    took = time.perf_counter() - start
    with engine.connect() as conn:
        live = conn.execute(sa.select(sa.func.count()).select_from(Offer)
                            .where(Offer.deleted.is_(False))).scalar_one()
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  upload    {took:7.2f} s {live / took:>9,.0f} offers/s  ({len(files)} CSV uploads, "
          f"{live:,} live offers; peak RSS {peak:.0f} MiB)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_harvest"))
    parser.add_argument("--neighbour", default="", help="a neighbour database file built by an "
                        "earlier run (with its port), e.g. /tmp/bench-harvest-x/nachbar.sqlite:41234")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--run", choices=["harvest", "upload"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--feed", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--reader", choices=["auto", "process", "thread"], default="auto",
                        help="where the harvest reads ahead (default: a forked process)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    if args.run == "harvest":  # one measurement in its own process: its own peak RSS
        harvest_run(args.target, args.feed, args.items, tmp, args.reader)
        return 0
    if args.run == "upload":
        upload_run(args.target, Path(args.csv).read_bytes(), tmp)
        return 0
    if args.neighbour:  # documents rendered for its port: serve it there again
        path, _, port_text = args.neighbour.rpartition(":")
        neighbour, port = f"sqlite:///{path}", int(port_text)
        print(f"neighbour hub: {path} (built before); load average {os.getloadavg()[0]:.2f}; "
              f"RPDE pages of {PAGE_SIZE}")
    else:
        neighbour = f"sqlite:///{tmp / 'nachbar.sqlite'}"
        port = free_port()
        start = time.perf_counter()
        build_neighbour(neighbour, args.items, tmp / "nachbar", f"http://127.0.0.1:{port}")
        print(f"neighbour hub: {args.items:,} offers built in {time.perf_counter() - start:.0f} "
              f"s; load average {os.getloadavg()[0]:.2f}; RPDE pages of {PAGE_SIZE}; kept as "
              f"{tmp / 'nachbar.sqlite'}:{port}")
    proc, base = serve_neighbour(neighbour, tmp / "nachbar", port)
    try:
        from urllib.request import urlopen
        feed_csv = tmp / "offers.csv"
        with urlopen(base + "/feeds/offers.csv", timeout=600) as resp:  # noqa: S310 - loopback
            feed_csv.write_bytes(resp.read())
        targets = [("SQLite", f"sqlite:///{tmp / 'hub.sqlite'}"), ("PostgreSQL", args.pg_url)]
        for label, url in targets:
            if args.only and not url.startswith(args.only):
                continue
            if url.startswith("postgresql") and not _pg_reachable(url):
                print(f"{label}: not reachable ({url.split('@')[-1]}), skipped")
                continue
            print(f"{label}:")
            for run, extra in (("harvest", ["--feed", base + "/feeds/offers/rpde"]),
                               ("upload", ["--csv", str(feed_csv)])):
                if url.startswith("sqlite"):
                    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
                subprocess.run([sys.executable, "-m", "bench.bench_harvest", "--run", run,
                                "--target", url, "--items", str(args.items), *extra],
                               check=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


def _pg_reachable(url: str) -> bool:
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    try:
        engine = make_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first():
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def reset_pg_database(url: str) -> None:
    """The database dropped and made anew, then a CHECKPOINT and a pause: a run does not
    begin while PostgreSQL still writes out (or autovacuums) what the run before left."""
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    engine = make_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        conn.execute(sa.text("CHECKPOINT"))
    engine.dispose()
    time.sleep(2)


if __name__ == "__main__":
    raise SystemExit(main())
