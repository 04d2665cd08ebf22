"""Benchmark: protect and audit a 30-table release of the synthetic 3,000-respondent survey.

Target (issue 6): protecting and auditing a 30-table release takes under 60 s. Side by side:
the audit as the release gate runs it (cells whose range a seen solution already proves wide
skip their MILPs) and the exact baseline (two MILPs for every suppressed cell).
Run: .venv/bin/python -m bench.bench_survey
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bildungsdaten.hub.survey.audit import audit
from bildungsdaten.hub.survey.importer import read_responses
from bildungsdaten.hub.survey.limesurvey import parse_lss
from bildungsdaten.hub.survey.protect import protect
from bildungsdaten.hub.survey.release import resolve
from bildungsdaten.hub.survey.tables import count_table
from tests.survey_synth import DEFINITION, responses_csv, structure_lss

TARGET_S = 60.0
TOPICS2 = {"zusammenfassen": {"T1-T2": ["T1", "T2"], "andere": ["T3", "T4", "T5", "-oth-"]}}
LIKERT3 = {"zusammenfassen": {"unwichtig": ["1", "2"], "teils": ["3"], "wichtig": ["4", "5"]}}


def thirty_tables() -> dict[str, Any]:
    """30 tables: every tabulated question by none, age, region, municipality, age × region."""
    tables: list[dict[str, Any]] = []
    questions: list[tuple[str, dict[str, Any]]] = [
        ("Q1", {}), ("Q2", {}), ("Q3", LIKERT3), ("Q4", {}), ("Q7", {}),
        ("Q3[SQ001]", LIKERT3), ("Q3[SQ002]", LIKERT3), ("Q3[SQ003]", LIKERT3)]
    for code, extra in questions:
        for breakdown in ([], ["altersgruppe"], ["region"], ["altersgruppe", "region"]):
            name = "-".join([code.lower().replace("[", "-").replace("]", "")] + breakdown)
            tables.append({"name": name, "frage": code, "gliederung": breakdown, **extra})
    tables = tables[:25]
    # Municipalities (2,400 to 41,000 inhabitants) are where suppression really bites.
    tables.append({"name": "q1-gemeinde", "frage": "Q1", "gliederung": ["gemeinde"], **TOPICS2})
    tables.append({"name": "q4-gemeinde", "frage": "Q4", "gliederung": ["gemeinde"]})
    tables.append({"name": "q4-alter-gemeinde", "frage": "Q4",
                   "gliederung": ["altersgruppe", "gemeinde"]})
    tables.append({"name": "q7-gemeinde", "frage": "Q7", "gliederung": ["gemeinde"]})
    tables.append({"name": "q3-sq004-gemeinde", "frage": "Q3[SQ004]", "gliederung": ["gemeinde"],
                   **LIKERT3})
    # The age × municipality table needs more than half its cells suppressed: allowed here so
    # the benchmark exercises heavy secondary suppression.
    return {**DEFINITION, "max_gesperrt": 0.7, "tabellen": tables}


def main() -> None:
    structure = parse_lss(structure_lss())
    records, _, _ = read_responses(responses_csv(3000), structure)
    answers: list[dict[str, Any]] = [r["answers"] for r in records  # type: ignore[misc]
                                     if r["submitted"]]
    definition = resolve(thirty_tables(), structure)
    counts = {s.slug: count_table(s, answers) for s in definition.tables}
    cells = sum(len(c) for c in counts.values())
    c0, t0 = time.process_time(), time.perf_counter()
    result = protect(definition.tables, counts, width=definition.width,
                     max_suppressed=definition.max_suppressed)
    t1 = time.perf_counter()
    gate = audit(result.tables, width=definition.width)
    c2, t2 = time.process_time(), time.perf_counter()
    exact = audit(result.tables, width=definition.width, exact=True)
    t3 = time.perf_counter()
    hidden = len(result.primary) + len(result.secondary)
    print(f"release: {len(definition.tables)} tables, {cells} cells (margins included), "
          f"{len(answers)} completed questionnaires")
    print(f"suppressed: {len(result.primary)} primary + {len(result.secondary)} secondary "
          f"= {hidden} cells, {result.rounds} audit rounds inside protect")
    print(f"{'step':<34}{'seconds':>9}{'MILPs':>8}  result")
    print(f"{'protect (lines + audit loop)':<34}{t1 - t0:>9.2f}{result.solves:>8}  ok")
    print(f"{'audit as release gate':<34}{t2 - t1:>9.2f}{gate.solves:>8}  "
          f"{'passed' if gate.ok else 'refused'}")
    print(f"{'baseline: exact audit (2 MILPs/cell)':<34}{t3 - t2:>9.2f}{exact.solves:>8}  "
          f"{'passed' if exact.ok else 'refused'}")
    total = t2 - t0
    print(f"protect + audit: {total:.2f} s wall, {c2 - c0:.2f} s CPU "
          f"(target < {TARGET_S:.0f} s) -> "
          f"{'OK' if total < TARGET_S else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
