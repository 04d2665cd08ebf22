"""Provider files of issue 17's shapes (bench/gen_shapes.py: 19/30/61 columns, one or three
rows per offer, sparse or filled, quoted multi-line cells, UTF-8 or cp1252): the generator's
good files are valid, its bad ones are not, and the fast path (second half in a forked helper)
reports exactly what the plain one-process path reports, on good and bad files."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bildungsdaten.validators import Limits, validate

# bench/ is not a package on the test path (the repo root would shadow PyPI's `validators`).
_SPEC = importlib.util.spec_from_file_location(
    "gen_shapes", Path(__file__).resolve().parent.parent / "bench" / "gen_shapes.py")
assert _SPEC is not None and _SPEC.loader is not None
gen_shapes = sys.modules["gen_shapes"] = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen_shapes)
SHAPES, write_shape = gen_shapes.SHAPES, gen_shapes.write_shape

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the fast path needs os.fork")

LIMITS = Limits(max_bytes=1 << 30, max_rows=10**6)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_good_files_of_every_shape_are_valid(tmp_path: Path, shape) -> None:
    path = tmp_path / "angebote.csv"
    write_shape(path, shape, 600)
    result = validate(str(path), limits=LIMITS)
    assert result.valid, result.report.flatten()[:5]
    assert result.report.stats["rows"] == 600


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=st.sampled_from(SHAPES), rows=st.integers(1, 700), seed=st.integers(0, 10**6),
       bad=st.sampled_from([0.0, 0.01, 0.2, 0.9]))
def test_fast_path_reports_what_one_pass_reports(tmp_path: Path, shape, rows: int, seed: int,
                                                 bad: float) -> None:
    path = tmp_path / f"{shape.name}-{rows}-{seed}.csv"
    write_shape(path, shape, rows, seed=seed, bad=bad)
    one = validate(str(path), limits=LIMITS, parallel=False)
    two = validate(str(path), limits=LIMITS, parallel=True)
    assert two.report.to_dict() == one.report.to_dict()
    assert two.report.to_dict("en") == one.report.to_dict("en")
    if bad == 0.0:
        assert one.valid
    if rows >= 300 and bad >= 0.2:
        assert not one.valid
        assert two.processes == 2 or shape.encoding != "utf-8" or rows < 400
