"""Run the same benchmarks on two revisions of the hub, one after the other, in one run.

    python -m bench.compare_revisions BASE [HEAD] -- bench_validate --rows 100000 --big-rows 0

Each revision is exported from git into a temporary folder (`git archive`), made importable as
`bildungsdaten` through a folder of symlinks put first on PYTHONPATH (ahead of the editable
install of the working tree), and runs its *own* copy of the benchmark, so a module that moved
between the revisions is found in each. Both outputs are printed under their revision, in the
order given; the machine, data sizes and database are the same for both.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

FOLDERS = ("hub", "feeds", "validators", "vocab")
REPO = Path(__file__).resolve().parents[1]


def export(revision: str, into: Path) -> Path:
    """The tree of `revision` under `into`/tree, importable as `bildungsdaten` via `into`/pkg."""
    tree = into / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision],
                             check=True, capture_output=True).stdout
    tar_path = into / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(tree, filter="data")
    package = into / "pkg" / "bildungsdaten"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for folder in FOLDERS:
        (package / folder).symlink_to(tree / folder, target_is_directory=True)
    return tree


def run(revision: str, tree: Path, pkg: Path, bench: list[str]) -> int:
    env = {**os.environ, "PYTHONPATH": f"{pkg}{os.pathsep}{tree}"}
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", revision],
                         check=True, capture_output=True, text=True).stdout.strip()
    print(f"\n===== {revision} ({sha}): python -m bench.{' '.join(bench)}", flush=True)
    return subprocess.run([sys.executable, "-m", f"bench.{bench[0]}", *bench[1:]], cwd=tree,
                          env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     usage="%(prog)s REVISION [REVISION …] -- bench_… [ARGS]")
    parser.add_argument("revisions", nargs="+", help="git revisions, e.g. 6c4023e HEAD")
    argv = sys.argv[1:]
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        parser.error("name the benchmark after --, e.g. -- bench_validate --rows 100000")
    cut = argv.index("--")
    args = parser.parse_args(argv[:cut])
    bench = argv[cut + 1:]
    status = 0
    with tempfile.TemporaryDirectory(prefix="bench-revs-") as tmp:
        trees = []
        for n, revision in enumerate(args.revisions):
            folder = Path(tmp) / str(n)
            trees.append((revision, export(revision, folder), folder / "pkg"))
        for revision, tree, pkg in trees:
            status |= run(revision, tree, pkg, bench)
    return status


if __name__ == "__main__":
    sys.exit(main())
