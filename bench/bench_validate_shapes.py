"""Benchmark (issue 17): our validator vs frictionless-py on provider files of other shapes
(bench/gen_shapes.py: 19/30/61 columns, one or three rows per offer, sparse or filled, quoted
multi-line cells, UTF-8 or cp1252), side by side in one run: wall and CPU ratios, peak memory.

Every measurement runs in a fresh interpreter (so peak RSS is that run's own; CPU seconds
include the validator's forked helper), ours first, then frictionless, shape by shape, so both
see the same machine load. With `--baseline REV` ours also runs from the validators/vocab of a
git revision (before/after figures of a change in the same run).

Run: .venv/bin/python -m bench.bench_validate_shapes [--rows N] [--shapes a,b] [--baseline REV]
     [--repeat N] [--no-frictionless] [--one-process] [--arrow] [--pss] [--profile SHAPE]
     (one-process: ours with parallel=False too; arrow: ours in one process with pyarrow's
     CSV reader; pss: also the peak PSS of ours, parent and helper summed with shared pages
     counted once, sampled every 10 ms; profile: cProfile of ours in one process)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.gen_shapes import SHAPES, SHAPES_BY_NAME, table_schema, write_shape

REPO = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mib() -> float:
    """Peak RSS of this process and (separately reported max of) its helper, summed."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024


def run_ours(path: str, parallel: bool | None, arrow: bool = False) -> dict[str, Any]:
    from bildungsdaten.validators import Limits, validate

    limits = Limits(max_bytes=1 << 40, max_rows=10**9, max_inflated_bytes=1 << 40)
    start, cpu = time.perf_counter(), _cpu()
    kwargs: dict[str, Any] = {"arrow": True} if arrow else {}  # a baseline's validate may not know it
    result = validate(path, limits=limits, parallel=parallel, **kwargs)
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu,
            "rows": result.report.stats["rows"], "errors": result.report.stats["errors"],
            "processes": result.processes, "peak": _peak_mib()}


def run_frictionless(path: str, schema_path: str, encoding: str) -> dict[str, Any]:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != str(REPO)]
    sys.modules.pop("validators", None)  # PyPI's, not the repo folder of that name
    import frictionless
    from frictionless import formats

    schema = frictionless.Schema.from_descriptor(json.loads(Path(schema_path).read_text()))
    dialect = frictionless.Dialect(controls=[formats.CsvControl(delimiter=";")])
    start, cpu = time.perf_counter(), _cpu()
    with frictionless.system.use_context(trusted=True):
        report = frictionless.Resource(path, schema=schema, dialect=dialect,
                                       encoding=encoding).validate()
    task = report.tasks[0]
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu,
            "rows": task.stats.get("rows") or 0, "errors": task.stats.get("errors") or 0,
            "processes": 1, "peak": _peak_mib()}


def _child(argv: list[str], pythonpath: str | None = None, pss: bool = False
           ) -> dict[str, Any]:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    if not pss:
        out = subprocess.run([sys.executable, "-m", "bench.bench_validate_shapes", *argv],
                             check=True, capture_output=True, text=True, cwd=REPO, env=env)
        return json.loads(out.stdout.strip().splitlines()[-1])
    from bench.bench_validate import _pss_mib

    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_validate_shapes", *argv],
                            stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _pss_mib(proc.pid))
        time.sleep(0.01)
    result: dict[str, Any] = json.loads((proc.stdout.read() if proc.stdout else "").strip()
                                        .splitlines()[-1])
    result["pss"] = peak
    return result


def _baseline_tree(rev: str, tmp: Path) -> str:
    """validators/ and vocab/ of `rev` as an importable `bildungsdaten` package under tmp."""
    root = tmp / "baseline"
    pkg = root / "bildungsdaten"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "validators", "vocab"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(pkg)], input=archive, check=True)
    return str(root)


def profile(shape_name: str, rows: int) -> None:
    import cProfile
    import pstats

    shape = SHAPES_BY_NAME[shape_name]
    with tempfile.TemporaryDirectory(prefix="bench-shapes-") as tmp:
        path = Path(tmp) / "f.csv"
        write_shape(path, shape, rows)
        prof = cProfile.Profile()
        prof.enable()
        run_ours(str(path), False)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--shapes", default=",".join(s.name for s in SHAPES))
    parser.add_argument("--baseline", help="git revision to measure beside the work tree")
    parser.add_argument("--no-frictionless", action="store_true")
    parser.add_argument("--one-process", action="store_true", help="also ours with parallel=False")
    parser.add_argument("--arrow", action="store_true",
                        help="also ours in one process with pyarrow's reader (arrow=True)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all runs per shape; the least wall and CPU s of each")
    parser.add_argument("--pss", action="store_true",
                        help="also the peak PSS of ours (sampled; the helper's shared pages once)")
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, *rest = args.child
        result = (run_ours(path, None if rest[0] == "auto" else False, rest[0] == "arrow")
                  if kind == "ours" else run_frictionless(path, rest[0], rest[1]))
        print(json.dumps(result))
        return 0
    if args.profile:
        profile(args.profile, args.rows)
        return 0
    print(f"{args.rows:,} rows per shape, best of {args.repeat}; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    print(f"{'shape':<24}{'MB':>6} {'validator':<14}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}"
          f"{'errors':>8}{'wall x':>8}{'CPU x':>7}{'  PSS MiB' if args.pss else ''}")
    with tempfile.TemporaryDirectory(prefix="bench-shapes-") as tmp_name:
        tmp = Path(tmp_name)
        base = _baseline_tree(args.baseline, tmp) if args.baseline else None
        for name in args.shapes.split(","):
            shape = SHAPES_BY_NAME[name]
            path = tmp / f"{name}.csv"
            schema = tmp / f"{name}.schema.json"
            write_shape(path, shape, args.rows)
            schema.write_text(json.dumps(table_schema(shape)))
            plan: list[tuple[str, list[str], str | None, bool]] = []  # label, argv, path, pss
            ours_auto = ["--child", "ours", str(path), "auto"]
            ours_one = ["--child", "ours", str(path), "one"]
            if base:
                plan.append((f"before {args.baseline[:7]}", ours_auto, base, args.pss))
            plan.append(("bildungsdaten", ours_auto, None, args.pss))
            if args.one_process:
                if base:
                    plan.append((f"1 proc {args.baseline[:7]}", ours_one, base, args.pss))
                plan.append(("ours 1 proc", ours_one, None, args.pss))
            if args.arrow:
                plan.append(("ours arrow", ["--child", "ours", str(path), "arrow"], None, False))
            if not args.no_frictionless:
                plan.append(("frictionless", ["--child", "fr", str(path), str(schema),
                                              shape.encoding], None, False))
            # Rounds of every run in turn; each figure is the least of its rounds (a loaded
            # machine only ever adds time).
            best: dict[str, dict[str, Any]] = {}
            for _round in range(args.repeat):
                for label, argv, pythonpath, pss in plan:
                    r = _child(argv, pythonpath, pss)
                    if label in best:
                        r = {k: min(v, best[label][k]) if k in ("wall", "cpu") else v
                             for k, v in r.items()}
                    best[label] = r
            runs = [(label, best[label]) for label, *_rest in plan]
            ref = runs[-1][1]
            size = path.stat().st_size / 1e6
            for label, r in runs:
                ratio = "" if r is ref or args.no_frictionless else (
                    f"{ref['wall'] / r['wall']:>8.1f}{ref['cpu'] / r['cpu']:>7.1f}")
                pss_text = f"{r['pss']:>9.1f}" if "pss" in r else ""
                if pss_text and not ratio:
                    ratio = " " * 15
                print(f"{name:<24}{size:>6.1f} {label:<14}{r['wall']:>8.2f}{r['cpu']:>8.2f}"
                      f"{r['peak']:>10.1f}{r['errors']:>8}{ratio}{pss_text}", flush=True)
            path.unlink()
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
