"""Import bench: a 100,000-row file into SQLite, end to end (check + write), each way side by
side on a fresh database: checked whole in this process and then written (the way before
streaming), streamed under a threaded server (helper interpreter), streamed from the CLI
(forked helper); then the same file again (nothing changes, so it must be >= 3x faster).

Targets (issue 3): first import >= 20,000 rows/s; re-upload >= 3x faster and no offer changed.
CPU seconds include the validator's forked helper process (large files are checked in two).
Run: .venv/bin/python -m bench.bench_import [--rows N] [--database-url URL]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bildungsdaten.hub.db import make_engine, make_sessionmaker
from bildungsdaten.hub.migrate import downgrade, upgrade
from bildungsdaten.hub.models import Offer, Provider
from bildungsdaten.hub.offers.checkpoint import wait_for_checkpoints
from bildungsdaten.hub.offers.importer import import_file
from bildungsdaten.hub.settings import load_settings
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.columns import COLUMN_NAMES

VENUES = [("vhs-Haus Heppenheim, Raum 3", "Graben 13", "64646", "Heppenheim (Bergstraße)"),
          ("Kulturzentrum", "Hauptstraße 5", "64625", "Bensheim"),
          ("Bürgerhaus", "Am Markt 1", "68623", "Lampertheim"),
          ("Familienzentrum", "Schulstraße 2", "64653", "Lorsch")]


def make_file(rows: int) -> bytes:
    """The template's columns, one offer per row, with varied ids, titles, dates and venues."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    base = [EXAMPLE.get(name, "") for name in COLUMN_NAMES]
    idx = {name: n for n, name in enumerate(COLUMN_NAMES)}
    for i in range(rows):
        row = list(base)
        row[idx["angebot_id"]] = f"B-{i:06d}"
        row[idx["termin_id"]] = f"B-{i:06d}-A"
        row[idx["titel"]] = f"Kurs {i} – {EXAMPLE['titel']}"
        row[idx["beginn_datum"]] = f"{1 + i % 28:02d}.{1 + i % 12:02d}.2027"
        row[idx["ende_datum"]] = f"{1 + i % 28:02d}.{1 + i % 12:02d}.2028"
        row[idx["anmeldeschluss"]] = ""
        row[idx["preis"]] = f"{10 + i % 190},00 €"
        name, street, plz, town = VENUES[i % len(VENUES)]
        row[idx["ort_name"]], row[idx["strasse"]], row[idx["plz"]], row[idx["ort"]] = (
            name, street, plz, town)
        row[idx["gemeinde_ags"]] = row[idx["lat"]] = row[idx["lon"]] = ""
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the validator's forked half)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Scenario:
    """A fresh database with one provider, for one way of importing."""

    def __init__(self, url: str, data: bytes, rows: int, tmp: Path) -> None:
        self.engine = make_engine(url)
        if url.startswith("postgresql"):
            downgrade(self.engine, "base")  # an empty database for every scenario
        upgrade(self.engine)
        with self.engine.begin() as conn:
            self.pid = conn.execute(sa.insert(Provider).returning(Provider.id), {
                "slug": "bench", "name": "Kreisvolkshochschule Bergstraße"}).scalar_one()
        self.settings = load_settings({"database_url": url, "secret_key": "bench",
                                       "instance_path": tmp, "upload_max_bytes": len(data) + 1,
                                       "upload_max_rows": rows})
        self.sessions = make_sessionmaker(self.engine)
        self.rows = rows

    def run(self, label: str, data: bytes, fork: bool | None = None,
            threaded: bool = False) -> float:
        marks: dict[str, float] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            marks.setdefault(phase, time.perf_counter())

        release = threading.Event()
        server = threading.Thread(target=release.wait)  # a threaded server: no fork allowed
        if threaded:
            server.start()
        start, cpu = time.perf_counter(), cpu_seconds()
        try:
            outcome = import_file(self.sessions, self.settings, self.pid, data,
                                  filename="bench.csv", progress=progress, fork=fork)
        finally:
            release.set()
            if threaded:
                server.join()
        took = time.perf_counter() - start
        # The WAL checkpoint runs in a background thread after the commit: wait for it so
        # the next run does not share the machine with it, and show how long it took.
        wait_for_checkpoints()
        settled = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
        assert outcome.status == "done", outcome.report["errors"][:3]
        first_write = marks.get("write", start + took) - start
        print(f"{label:<34} {took:6.2f} s {self.rows / took:>9,.0f} rows/s  "
              f"(first rows written after {first_write:.2f} s; CPU {cpu:.2f} s; "
              f"checkpointed after {settled:.2f} s)  {outcome.counts}")
        return took

    def offers(self) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            return [(r.feed_id, r.modified) for r in conn.execute(
                sa.select(Offer.feed_id, Offer.modified).order_by(Offer.feed_id))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    data = make_file(args.rows)
    where = args.database_url.split("@")[-1] or "SQLite file (WAL)"
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB; database: {where}; "
          f"load average {os.getloadavg()[0]:.2f}")

    def fresh(name: str) -> Scenario:
        url = args.database_url or f"sqlite:///{tmp / (name + '.sqlite')}"
        return Scenario(url, data, args.rows, tmp)

    # The way before streaming, side by side: check the whole file in this process, then write.
    sequential = fresh("sequential").run("first import, check then write", data, fork=False)
    web = fresh("web").run("first import, threaded server", data, threaded=True)
    main_ = fresh("streamed")
    first = main_.run("first import, streamed (CLI)", data)
    before = main_.offers()
    second = main_.run("re-upload (same file)", data)
    after = main_.offers()
    # The same offers in other bytes (no BOM): validated and compared offer by offer.
    third = main_.run("same offers, other bytes", data[3:])
    unchanged = before == after == main_.offers()
    goal = "target" if not args.database_url.startswith("postgresql") else "(SQLite's target)"
    print(f"{goal:<34} first >= 20,000 rows/s: "
          f"{'OK' if args.rows / first >= 20_000 else 'MISSED'} "
          f"({sequential / first:.2f}x check-then-write; threaded server "
          f"{'OK' if args.rows / web >= 20_000 else 'MISSED'}); "
          f"re-upload {first / second:.1f}x faster (>= 3x: "
          f"{'OK' if first / second >= 3 else 'MISSED'}; other bytes {first / third:.1f}x); "
          f"no offer changed: {'OK' if unchanged else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
