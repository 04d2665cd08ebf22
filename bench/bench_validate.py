"""Benchmark: validate a 100,000-row offers CSV (the template's 61 columns, realistic values)
with our validator and with frictionless-py 5 against the equivalent Table Schema, side by side
(target: ≥ 10× frictionless' rows/s, wall clock; ours checks large files in two processes and
its CPU seconds include both); then peak memory for a 1,000,000-row file (target < 150 MB),
measured in a fresh subprocess as the summed PSS of it and its forked helper, sampled every
10 ms, with each process's peak RSS beside it.

Run: .venv/bin/python -m bench.bench_validate [--rows N] [--big-rows N]
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.codelists import codelist, municipalities
from bildungsdaten.vocab.columns import COLUMN_NAMES, COLUMNS

UNLIMITED = Limits(max_bytes=1 << 40, max_rows=10**9, max_inflated_bytes=1 << 40)
WORDS = ["Englisch", "Spanisch", "Töpfern", "Yoga", "Pilates", "Excel", "Buchhaltung", "Rhetorik", "Fotografie", "Kochen", "Gitarre", "Malen", "Italienisch", "Erste-Hilfe", "Bewerbung", "Steuern", "Nähen", "Tanz", "Schach", "Deutsch", "Grundlagen", "Aufbau", "Intensiv", "Wochenende", "Abendkurs", "für", "Einsteiger", "Fortgeschrittene"]


def table_schema() -> dict[str, Any]:
    """The offers Table Schema from vocab (written by the feeds area), else built here."""
    try:
        from bildungsdaten.vocab.table_schema import offers_table_schema
        return offers_table_schema()
    except ImportError:  # pragma: no cover - fallback until vocab/table_schema.py exists
        types = {"date": ("date", "%d.%m.%Y"), "time": ("time", "%H:%M"), "int": ("integer", None),
                 "decimal": ("number", None), "bool": ("boolean", None)}
        fields = []
        for c in COLUMNS:
            kind, fmt = types.get(c.kind, ("string", None))
            field: dict[str, Any] = {"name": c.name, "type": kind}
            if fmt:
                field["format"] = fmt
            if kind == "number":
                field["decimalChar"] = ","
            if kind == "boolean":
                field.update(trueValues=["ja"], falseValues=["nein"])
            if c.required:
                field["constraints"] = {"required": True}
            fields.append(field)
        return {"fields": fields, "missingValues": [""]}


def write_offers(path: Path, rows: int, seed: int = 7) -> None:
    """`rows` rows, ~3 dated instances per offer, values both validators accept."""
    rng = random.Random(seed)
    places = municipalities()
    topics = codelist("themenbereich").codes
    phases = codelist("lebensphase").codes
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMN_NAMES)
        row = dict(EXAMPLE)
        for n in range(rows):
            offer = n // 3
            if n % 3 == 0:
                title = " ".join(rng.choices(WORDS, k=4))
                place = places[offer % len(places)]
                row.update({
                    "angebot_id": f"26F-{offer:07d}", "titel": title,
                    "beschreibung": f"{title}: " + " ".join(rng.choices(WORDS, k=25)),
                    "schlagworte": "|".join(rng.sample(WORDS, 3)),
                    "url": f"https://www.kvhs-bergstrasse.de/kurs/26F-{offer:07d}",
                    "themenbereich": topics[offer % len(topics)],
                    "lebensphase": phases[offer % len(phases)],
                    "plz": place.postal_code, "ort": place.short_name,
                    "gemeinde_ags": place.ags,
                    "lat": f"{place.lat:.4f}".replace(".", ","),
                    "lon": f"{place.lon:.4f}".replace(".", ","),
                    "preis": rng.choice(("89,00", "45,50", "120,00", "kostenlos", "12,00")),
                })
            day, month = 1 + rng.randrange(28), 1 + rng.randrange(12)
            row.update({
                "termin_id": f"26F-{offer:07d}-{n % 3}",
                "beginn_datum": f"{day:02d}.{month:02d}.2026",
                "ende_datum": f"{day:02d}.{month:02d}.2027",
                "uhrzeit_von": rng.choice(("09:00", "18:30", "19:00")),
                "uhrzeit_bis": "21:00",
                "anzahl_termine": str(rng.randrange(1, 20)),
            })
            writer.writerow([row.get(name, "") for name in COLUMN_NAMES])


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the validator's forked half)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ours(path: Path) -> tuple[float, float, dict[str, int]]:
    start, cpu = time.perf_counter(), cpu_seconds()
    report = validate(path, limits=UNLIMITED).report
    return time.perf_counter() - start, cpu_seconds() - cpu, report.stats


def _pypi_validators() -> None:
    """Load PyPI's `validators` (frictionless needs it) rather than the repo's folder of that
    name, which shadows it when the bench runs from the repository root."""
    import importlib
    import os

    repo = str(Path(__file__).resolve().parent.parent)
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != repo]
    try:
        sys.modules.pop("validators", None)
        importlib.import_module("validators")
    finally:
        sys.path[:] = saved


def frictionless_run(path: Path) -> tuple[float, float, int, int]:
    _pypi_validators()
    import frictionless
    from frictionless import formats

    schema = frictionless.Schema.from_descriptor(table_schema())
    dialect = frictionless.Dialect(controls=[formats.CsvControl(delimiter=";")])
    start, cpu = time.perf_counter(), time.process_time()
    # An absolute path outside the working directory needs a trusted context in frictionless 5.
    with frictionless.system.use_context(trusted=True):
        resource_ = frictionless.Resource(str(path), schema=schema, dialect=dialect,
                                          encoding="utf-8")
        report = resource_.validate()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    task = report.tasks[0]
    return seconds, cpu, task.stats.get("rows") or 0, task.stats.get("errors") or 0


def peak_rss_child(path: str) -> None:
    """In the child process: validate, then print the peak RSS (MiB) of this process and of
    the validator's forked helper, rows and errors."""
    report = validate(path, limits=UNLIMITED).report
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{own:.1f} {helper:.1f} {report.stats['rows']} {report.stats['errors']}")


def _pss_mib(pid: int) -> float:
    """Proportional set size of a process and its children (shared pages split between them),
    so a forked helper's pages shared with its parent count once."""
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) / 1024
                        break
            with open(f"/proc/{current}/task/{current}/children") as f:
                pids.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def peak_memory(big: Path) -> tuple[float, float, float, int, int]:
    """Validate `big` in a fresh process; sample the summed PSS of it and its forked helper
    every 10 ms. (peak PSS sum, peak RSS of the process, peak RSS of the helper, rows, errors)."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_validate", "--rss-child",
                             str(big)], stdout=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _pss_mib(proc.pid))
        time.sleep(0.01)
    out = proc.stdout.read() if proc.stdout else ""
    own, helper, rows, errors = out.split()
    return peak, float(own), float(helper), int(rows), int(errors)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        peak_rss_child(args.rss_child)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        path = Path(tmp) / "offers.csv"
        write_offers(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"file: {args.rows:,} rows x {len(COLUMNS)} columns, {size:.1f} MB; "
              f"load average {os.getloadavg()[0]:.2f}")
        our_s, our_cpu, stats = ours(path)
        fr_s, fr_cpu, fr_rows, fr_errors = frictionless_run(path)
        # Wall clock is what a user waits; CPU seconds are steadier on a shared machine.
        print(f"{'validator':<22}{'wall s':>8}{'rows/s':>10}{'CPU s':>8}{'rows/CPU-s':>12}"
              f"{'errors':>8}")
        for name, wall, cpu, rows, errors in (
                ("bildungsdaten", our_s, our_cpu, stats["rows"], stats["errors"]),
                ("frictionless " + _version(), fr_s, fr_cpu, fr_rows, fr_errors)):
            print(f"{name:<22}{wall:>8.2f}{rows / wall:>10,.0f}{cpu:>8.2f}{rows / cpu:>12,.0f}"
                  f"{errors:>8}")
        wall_ratio = (stats["rows"] / our_s) / (fr_rows / fr_s) if fr_rows else float("inf")
        cpu_ratio = (stats["rows"] / our_cpu) / (fr_rows / fr_cpu) if fr_rows else float("inf")
        # The target is rows per second (wall clock); ours checks a large file in two
        # processes, so its CPU seconds (both processes) are shown beside it.
        verdict = "OK" if wall_ratio >= 10 else "MISSED"
        print(f"speed-up: {wall_ratio:.1f}x wall (target >= 10x) -> {verdict}; "
              f"{cpu_ratio:.1f}x per CPU second")
        path.unlink()
        big = Path(tmp) / "big.csv"
        write_offers(big, args.big_rows)
        size = big.stat().st_size / 1e6
        peak, own, helper, rows, errors = peak_memory(big)
        verdict = "OK" if peak < 150 else "MISSED"
        print(f"peak memory, {rows:,} rows ({size:.0f} MB file, {errors} errors): "
              f"{peak:.1f} MiB PSS of both processes (target < 150 MiB) -> {verdict}; "
              f"peak RSS {own:.1f} MiB + helper {helper:.1f} MiB (shared pages in both)")
    return 0


def _version() -> str:
    import frictionless

    return getattr(frictionless, "__version__", "5")


if __name__ == "__main__":
    sys.exit(main())
