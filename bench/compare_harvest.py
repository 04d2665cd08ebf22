"""Harvest before/after in one run: one neighbour hub, each revision's own harvest, side by side.

    python -m bench.compare_harvest [--base main] [--head HEAD] [--items 100000]
        [--only sqlite|postgresql] [--neighbour FILE:PORT] [--pg-url URL]

The neighbour hub (N demo offers, documents rendered, RPDE pages of 2,000) is built once with
this tree's bench.bench_harvest and served from this process's child on a loopback port. Each
revision is exported from git as bench.compare_revisions does and runs its *own*
`python -m bench.bench_harvest --run harvest` against that feed into a fresh SQLite file or
PostgreSQL database, in a process of its own; its CPU seconds (user + system) and peak RSS come
from wait4, so they count the whole process (start-up and migrations included, the same for
every revision). Runs alternate base, head per database; a PostgreSQL run starts from a new,
empty database after a CHECKPOINT (the runs before left gigabytes to write out). The machine
is shared: wall seconds swing with the load, CPU seconds much less.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_harvest import (
    PAGE_SIZE,
    _pg_reachable,
    build_neighbour,
    free_port,
    reset_pg_database,
    serve_neighbour,
)
from bench.compare_revisions import REPO, export

RSS_MARKS = re.compile(r"at 20% (\d+), at 50% (\d+), at 100% (\d+)")
HARVEST = re.compile(r"harvest\s+([\d.]+) s\s+([\d,]+) items/s\s+(\S+), (\d+) pages, ([\d,]+) created")


def run_revision(tree: Path, pkg: Path, target: str, feed: str, items: int,
                 extra: tuple[str, ...] = ()) -> dict[str, str]:
    """One harvest by the revision's own bench in its own process; its output and rusage
    (its children's included: a forked reader is reaped before the bench ends)."""
    if target.startswith("sqlite"):
        Path(target.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:  # every revision starts from an empty database on a settled server
        reset_pg_database(target)
    env = {**os.environ, "PYTHONPATH": f"{pkg}{os.pathsep}{tree}"}
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_harvest", "--run", "harvest",
                             "--target", target, "--feed", feed, "--items", str(items),
                             *extra],
                            cwd=tree, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    print(out, end="", flush=True)
    found = HARVEST.search(out)
    marks = RSS_MARKS.search(out)
    if proc.returncode or not found:
        raise SystemExit(f"harvest failed (exit {proc.returncode})")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": found.group(1), "rate": found.group(2), "status": found.group(3),
            "cpu": f"{cpu:.1f}", "per_cpu": f"{items / cpu:,.0f}",
            "rss": " / ".join(marks.groups()) if marks else "-",
            "peak": f"{usage.ru_maxrss / 1024:.0f}", "load": f"{load:.1f}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--neighbour", default="", help="FILE:PORT of a neighbour database "
                        "built by an earlier run (its documents link to that port)")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_harvest"))
    parser.add_argument("--head-reader", choices=["thread", "process"], default=None,
                        help="run the head a second time with this reader (bench_harvest --reader)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-compare-harvest-"))
    if args.neighbour:
        path, _, port_text = args.neighbour.rpartition(":")
        neighbour, port = Path(path), int(port_text)
    else:
        neighbour, port = tmp / "nachbar.sqlite", free_port()
        start = time.perf_counter()
        build_neighbour(f"sqlite:///{neighbour}", args.items, neighbour.parent / "nachbar",
                        f"http://127.0.0.1:{port}")
        print(f"neighbour built in {time.perf_counter() - start:.0f} s: {neighbour}:{port}")
    revisions: list[tuple[str, Path, Path, tuple[str, ...]]] = []
    for n, revision in enumerate((args.base, args.head)):
        folder = tmp / f"rev{n}"
        sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", revision],
                             check=True, capture_output=True, text=True).stdout.strip()
        revisions.append((f"{revision} ({sha})", export(revision, folder), folder / "pkg", ()))
    if args.head_reader:  # the head once more, reading ahead in a thread or a process
        name, tree, pkg, _ = revisions[-1]
        revisions.append((f"{name.split()[0]} {args.head_reader}", tree, pkg,
                          ("--reader", args.head_reader)))
    targets = [("SQLite", f"sqlite:///{tmp / 'hub.sqlite'}"), ("PostgreSQL", args.pg_url)]
    print(f"{args.items:,} items, RPDE pages of {PAGE_SIZE}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    proc, base = serve_neighbour(f"sqlite:///{neighbour}", neighbour.parent / "nachbar", port)
    rows: list[tuple[str, str, dict[str, str]]] = []
    try:
        for label, url in targets:
            if args.only and not url.startswith(args.only):
                continue
            if url.startswith("postgresql") and not _pg_reachable(url):
                print(f"{label}: not reachable, skipped")
                continue
            for name, tree, pkg, extra in revisions:
                print(f"\n===== {label}, {name}", flush=True)
                rows.append((label, name, run_revision(tree, pkg, url, base + "/feeds/offers/rpde",
                                                       args.items, extra)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"\n{'':11}{'revision':24}{'items/s':>9}{'wall s':>9}{'CPU s':>8}{'items/CPU-s':>13}"
          f"   RSS MiB 20/50/100 %   peak  load")
    for label, name, r in rows:
        print(f"{label:11}{name:24}{r['rate']:>9}{r['wall']:>9}{r['cpu']:>8}{r['per_cpu']:>13}"
              f"   {r['rss']:<20}{r['peak']:>6}  {r['load']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
