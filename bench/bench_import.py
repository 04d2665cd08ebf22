"""Import bench: a 100,000-row file into SQLite, end to end (validate + write), then the same
file again (nothing changes, so it must be >= 3x faster).

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
import time
from pathlib import Path

import sqlalchemy as sa

from bildungsdaten.hub.checkpoint import wait_for_checkpoints
from bildungsdaten.hub.db import make_engine, make_sessionmaker
from bildungsdaten.hub.importer import import_file
from bildungsdaten.hub.migrate import upgrade
from bildungsdaten.hub.models import Offer, Provider
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
    data = make_file(args.rows)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB; database: {url.split('@')[-1]}; "
          f"load average {os.getloadavg()[0]:.2f}")
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        pid = conn.execute(sa.insert(Provider).returning(Provider.id),
                           {"slug": "bench", "name": "Kreisvolkshochschule Bergstraße"}).scalar()
    settings = load_settings({"database_url": url, "secret_key": "bench", "instance_path": tmp,
                              "upload_max_bytes": len(data) + 1,
                              "upload_max_rows": args.rows})
    sessions = make_sessionmaker(engine)

    def run(label: str, data: bytes = data) -> float:
        marks: dict[str, float] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            marks.setdefault(phase, time.perf_counter())

        start, cpu = time.perf_counter(), cpu_seconds()
        outcome = import_file(sessions, settings, pid, data, filename="bench.csv",
                              progress=progress)
        took = time.perf_counter() - start
        # The WAL checkpoint runs in a background thread after the commit: wait for it so
        # the next run does not share the machine with it, and show how long it took.
        wait_for_checkpoints()
        settled = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
        assert outcome.status == "done", outcome.report["errors"][:3]
        check = marks.get("write", start + took) - start
        print(f"{label:<24} {took:7.2f} s  {args.rows / took:>9,.0f} rows/s   "
              f"(validate + group {check:.2f} s, write {took - check:.2f} s; "
              f"CPU {cpu:.2f} s; checkpointed after {settled:.2f} s)  {outcome.counts}")
        return took

    first = run("first import")
    with engine.connect() as conn:
        before = conn.execute(sa.select(Offer.feed_id, Offer.modified)
                              .order_by(Offer.feed_id)).all()
    second = run("re-upload (unchanged)")
    with engine.connect() as conn:
        after = conn.execute(sa.select(Offer.feed_id, Offer.modified)
                             .order_by(Offer.feed_id)).all()
    # The same offers in other bytes (no BOM): validated and compared offer by offer.
    third = run("same offers, other bytes", data[3:])
    with engine.connect() as conn:
        after_third = conn.execute(sa.select(Offer.feed_id, Offer.modified)
                                   .order_by(Offer.feed_id)).all()
    unchanged = before == after == after_third
    print(f"{'target':<24} first >= 20,000 rows/s: {'OK' if args.rows / first >= 20_000 else 'MISSED'}; "
          f"re-upload {first / second:.1f}x faster (>= 3x: "
          f"{'OK' if first / second >= 3 else 'MISSED'}; other bytes {first / third:.1f}x); "
          f"no offer changed: "
          f"{'OK' if unchanged else 'MISSED'}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
