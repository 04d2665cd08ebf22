"""Benchmark: `bildungsdaten demo --offers 100000` into a fresh SQLite file (target < 60 s).

Side by side with 10,000 offers for scale. Each run: a new file, `db upgrade` (not timed),
then the demo command as a user runs it (a separate process, timed from start to exit).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
SIZES = (10_000, 100_000)


def _command() -> list[str]:
    script = Path(sys.executable).with_name("bildungsdaten")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bildungsdaten.hub.cli import main; main()"]


def run(offers: int) -> tuple[float, int]:
    """Seconds for `bildungsdaten demo --offers N` and the size of the SQLite file."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        path = Path(tmp) / "bench.sqlite"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench",
               "HUB_INSTANCE_PATH": tmp}
        subprocess.run([*_command(), "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        subprocess.run([*_command(), "demo", "--offers", str(offers)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        return seconds, path.stat().st_size


def main() -> None:
    print(f"bildungsdaten demo into a fresh SQLite file ({os.cpu_count()} CPUs)")
    print(f"{'offers':>8} {'seconds':>8} {'offers/s':>9} {'file MB':>8}")
    results = {}
    for offers in SIZES:
        seconds, size = run(offers)
        results[offers] = seconds
        print(f"{offers:>8} {seconds:>8.1f} {offers / seconds:>9.0f} {size / 1e6:>8.1f}",
              flush=True)
    big = results[max(SIZES)]
    verdict = "erreicht" if big < TARGET_SECONDS else "VERFEHLT"
    print(f"Ziel: {max(SIZES)} Angebote in < {TARGET_SECONDS:.0f} s: {big:.1f} s ({verdict})")


if __name__ == "__main__":
    main()  # no sys.exit: bench.run_all runs every bench in one process
