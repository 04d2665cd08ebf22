"""The scheduler's harvest path: harvest_in_fresh_process from a process with other threads.

    python -m bench.bench_harvest_job --feed URL --target URL

The scheduler runs its jobs in a thread pool, so its harvest job hands the work to a new
interpreter (hub.jobs.harvest), which reads with a forked helper as the command line does.
This times that path (the interpreter's start included) for a source already served, e.g.
the neighbour of bench.compare_harvest; compare with its "HEAD thread" rows, the reading
in a thread the job used before.
"""
from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from bench.bench_harvest import fresh_target, reset_pg_database
from bildungsdaten.hub.db import make_sessionmaker
from bildungsdaten.hub.jobs.harvest import harvest_in_fresh_process
from bildungsdaten.hub.sources.service import add_source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed", required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    if args.target.startswith("postgresql"):
        reset_pg_database(args.target)
    else:
        Path(args.target.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine, settings = fresh_target(args.target, Path("/tmp/bench-harvest-job"))
    add_source(make_sessionmaker(engine), settings, "nachbar", args.feed)
    engine.dispose()
    settings.fetch_run_deadline_seconds = 3600
    settings.harvest_max_pages = 100_000
    idle = threading.Event()
    threading.Thread(target=idle.wait, daemon=True).start()  # a second thread, as the scheduler's
    start = time.perf_counter()
    [outcome] = harvest_in_fresh_process(settings)
    took = time.perf_counter() - start
    idle.set()
    print(f"job path: {outcome.status}, {outcome.counts.items:,} items in {took:.2f} s = "
          f"{outcome.counts.items / took:,.0f} items/s (the new interpreter's start included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
