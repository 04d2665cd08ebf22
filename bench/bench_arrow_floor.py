"""Probe (issue 17): how far a pyarrow CSV reader with Arrow compute checks could take validation.

Not a validator: it measures, per shape of bench/gen_shapes.py and side by side in one run
(each a fresh interpreter), the CPU seconds of
- `ours`: `validate(..., parallel=False)` of the work tree (the reference for the ratios),
- `arrow read`: pyarrow.csv.open_csv, streaming 1 MiB blocks, one thread, every column a
  string (the sniffed delimiter, multi-line cells, the file's encoding) - the floor of any
  Arrow design,
- `+ to_pylist`: the same, every cell made a Python string (what the existing column passes
  would need: an Arrow reader as a drop-in for `csv_rows`),
- `+ distinct`: the read plus each batch's distinct texts of every column as Python strings
  (the floor of "Arrow reads, the exact Python parsers see each distinct value once"),
- `+ kernels`: the read plus one vectorised pass per column that flags suspicious cells
  (trim, length, a regex per column kind, `is_in` over the code values incl. list splitting)
  - what the "flag in C, check only flagged cells in Python" design pays before any exact
  check, fingerprint or rule,
- `frictionless` (5.21, the same Table Schema as bench_validate_shapes).

Run: .venv/bin/python -m bench.bench_arrow_floor [--rows N] [--shapes a,b] [--no-frictionless]
(needs pyarrow in the venv: `.venv/bin/pip install pyarrow`; it is not a dependency).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_validate_shapes import REPO, run_frictionless
from bench.gen_shapes import SHAPES, SHAPES_BY_NAME, table_schema, write_shape

# A cell matching its column kind's pattern needs no exact check (the parsers accept it).
_KIND_PATTERNS = {
    "date": r"^(\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})$",
    "time": r"^\d{1,2}:\d{2}(:\d{2})?$",
    "int": r"^\d{1,9}$",
    "postal_code": r"^\d{5}$",
    "ags": r"^\d{8}$",
    "decimal": r"^\d{1,9}(,\d{1,4})?$",
    "price": r"^(\d{1,7}(,\d{2})?( ?€)?|kostenlos|auf Anfrage)$",
    "url": r"^https?://[^\s]+$",
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "phone": r"^[+\d][\d /()-]{4,30}$",
}
_FORMULA_OR_CR = r"^[=+\-@]|\r"
_RUN_LABELS = {"read": "arrow read", "pylist": "+ to_pylist", "distinct": "+ distinct",
               "kernels": "+ kernels"}


def _cpu() -> float:
    return time.process_time()


def run_arrow(path: str, mode: str) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from bildungsdaten.validators.header import read_header
    from bildungsdaten.validators.sources import Source, detect_encoding
    from bildungsdaten.validators.tables import csv_delimiter

    start, cpu = time.perf_counter(), _cpu()
    src = Source.of(path, None)
    encoding = detect_encoding(src)
    with open(path, encoding=encoding.name, newline="") as f:
        first = f.readline()
    delimiter, _directive = csv_delimiter(first)
    labels = first.removeprefix("\ufeff").rstrip("\r\n").split(delimiter)
    header, _problems = read_header(labels, 1)
    names = [f"c{i}" for i in range(len(labels))]
    read = pcsv.ReadOptions(encoding="utf8" if encoding.name == "utf-8" else encoding.name,
                            block_size=1 << 20, skip_rows=1, use_threads=False,
                            column_names=names)
    parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    kinds = {m.position: m.column for m in header.matched}
    code_values: dict[int, Any] = {}
    rows = flagged = 0
    for batch in pcsv.open_csv(path, read_options=read, parse_options=parse,
                               convert_options=convert):
        rows += batch.num_rows
        for pos, column in enumerate(batch.columns):
            if mode == "pylist":
                column.to_pylist()
                continue
            if mode == "distinct":  # each batch's distinct texts of a column, as Python strings
                flagged += len(pc.unique(column).to_pylist())
                continue
            if mode != "kernels" or pos not in kinds:
                continue
            col = kinds[pos]
            text = pc.utf8_trim_whitespace(column)
            suspicious = pc.match_substring_regex(text, _FORMULA_OR_CR)
            if col.kind == "text":
                too_long = pc.greater(pc.utf8_length(text), col.max_length or 10**9)
                suspicious = pc.or_(suspicious, too_long)
            elif col.kind in ("code", "bool"):
                parts = pc.list_flatten(pc.split_pattern(text, ",")) if col.is_list else text
                parts = pc.utf8_trim_whitespace(parts)
                if pos not in code_values:  # stands in for the code list with its synonyms
                    code_values[pos] = pc.unique(parts)
                flagged += len(parts) - pc.sum(pc.is_in(parts, value_set=code_values[pos])).as_py()
            elif col.kind in _KIND_PATTERNS:
                ok = pc.match_substring_regex(text, _KIND_PATTERNS[col.kind])
                suspicious = pc.or_(suspicious, pc.invert(pc.or_(ok, pc.equal(text, ""))))
            flagged += pc.sum(suspicious).as_py() or 0
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu, "rows": rows,
            "flagged": flagged}


def run_ours_one(path: str, warm: str) -> dict[str, Any]:
    from bildungsdaten.validators import Limits, validate

    limits = Limits(max_bytes=1 << 40, max_rows=10**9, max_inflated_bytes=1 << 40)
    validate(warm, limits=limits, parallel=False)  # code lists loaded, as the Arrow runs need none
    start, cpu = time.perf_counter(), _cpu()
    result = validate(path, limits=limits, parallel=False)
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu,
            "rows": result.report.stats["rows"], "flagged": result.report.stats["errors"]}


def _child(argv: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_arrow_floor", *argv],
                         check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--shapes", default=",".join(s.name for s in SHAPES))
    parser.add_argument("--no-frictionless", action="store_true")
    parser.add_argument("--runs", default="read,pylist,distinct,kernels",
                        help="Arrow runs: read, pylist, distinct, kernels")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, *rest = args.child
        if kind == "ours":
            result = run_ours_one(path, rest[0])
        elif kind == "fr":
            result = run_frictionless(path, rest[0], rest[1])
            result["flagged"] = result["errors"]
        else:
            result = run_arrow(path, kind)
        print(json.dumps(result))
        return 0
    print(f"{args.rows:,} rows per shape; load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    print(f"{'shape':<24}{'run':<16}{'wall s':>8}{'CPU s':>8}{'flagged':>9}"
          f"{'CPU vs ours':>12}{'fr CPU x':>10}")
    with tempfile.TemporaryDirectory(prefix="bench-arrow-") as tmp_name:
        for name in args.shapes.split(","):
            shape = SHAPES_BY_NAME[name]
            path = Path(tmp_name) / f"{name}.csv"
            schema = Path(tmp_name) / f"{name}.schema.json"
            write_shape(path, shape, args.rows)
            warm = Path(tmp_name) / f"{name}.warm.csv"
            write_shape(warm, shape, 20)
            schema.write_text(json.dumps(table_schema(shape)))
            runs = [("ours 1 proc", _child(["--child", "ours", str(path), str(warm)]))]
            runs += [(_RUN_LABELS[mode], _child(["--child", mode, str(path)]))
                     for mode in args.runs.split(",")]
            fr = None if args.no_frictionless else _child(
                ["--child", "fr", str(path), str(schema), shape.encoding])
            if fr is not None:
                runs.append(("frictionless", fr))
            ours = runs[0][1]
            for label, r in runs:
                vs = f"{r['cpu'] / ours['cpu']:>11.2f}x"
                fx = f"{fr['cpu'] / r['cpu']:>9.1f}x" if fr is not None else ""
                print(f"{name:<24}{label:<16}{r['wall']:>8.2f}{r['cpu']:>8.2f}"
                      f"{r['flagged']:>9}{vs:>12}{fx:>10}", flush=True)
            path.unlink()
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
