"""The independent disclosure audit (integer programming, scipy.optimize.milp / HiGHS).

Attacker knowledge: every published cell of the release (and of earlier releases over the same
respondents), that counts are non-negative integers, and the published rules: k, zeros are
not suppressed (a suppressed cell is ≥ 1) unless all categories of its group are suppressed
(small groups with a 0 %/100 % share). Unknowns are the counts of the full cross-classification
per family (see tables.py), all families counting the same respondents in one program (see
program.py: a margin published under two questions is one number); each published cell is an
equality, each suppressed cell a bound. For every suppressed cell the minimum and maximum are
found by two MILPs; the release is refused when a cell is determined, its range is narrower
than the protection width, or a small group is provably all in one category.

The protection width defaults to the cell's k: with a width of 2 and k = 5 the attacker could
still narrow two hidden cells summing to 4 down to [1, 3] — both provably below k, one of
them at most 3 — so a range must be at least as wide as the threshold it protects.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .program import FamilyProblem
from .tables import ITEM, TOTAL, TableSpec

SYMBOL = "."


@dataclass
class PublishedTable:
    """A table as the public sees it: value per cell, None where suppressed, and its status."""

    spec: TableSpec
    values: dict[tuple[str, ...], int | None]
    status: dict[tuple[str, ...], str]
    label: str = ""  # e.g. "Veröffentlichung 1" for earlier releases
    current: bool = True


@dataclass
class Finding:
    code: str
    table: str
    coords: tuple[str, ...]
    message: str
    low: float | None = None
    high: float | None = None


@dataclass
class AuditReport:
    findings: list[Finding] = field(default_factory=list)
    ranges: dict[tuple[str, tuple[str, ...]], tuple[float, float]] = field(default_factory=dict)
    solves: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class _Cell:
    table: PublishedTable
    coords: tuple[str, ...]
    family: str
    selection: dict[str, frozenset[str]]
    value: int | None
    lower: int  # attacker's lower bound for a suppressed cell
    upper: float
    width: int  # the protection width this cell needs when suppressed


def cell_key(spec: TableSpec, coords: tuple[str, ...]) -> tuple[str, frozenset[Any]]:
    """The quantity a cell publishes: equal keys in two tables are the same number.

    A margin over all answers counts the respondents of its breakdown group in the family's
    base — the same number under every item and every question with that base."""
    doms = spec.family_vars()
    sel = spec.selection(coords)
    family = spec.family(coords)
    if coords[spec.answer_dim()] == TOTAL:
        return spec.base_of(family), frozenset((v, s) for v, s in sel.items()
                                               if v != ITEM and set(s) != set(doms[v]))
    return family, frozenset((v, s) for v, s in sel.items() if set(s) != set(doms[v]))


def _groups(t: PublishedTable) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """The category cells of every group (a cell's coords without the answer) of a table."""
    a = t.spec.answer_dim()
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for coords in t.values:
        if coords[a] != TOTAL:
            out[coords[:a] + coords[a + 1:]].append(coords)
    return out


def _total_of(t: PublishedTable, group: tuple[str, ...]) -> tuple[str, ...]:
    a = t.spec.answer_dim()
    return group[:a] + (TOTAL,) + group[a:]


def _cells(tables: list[PublishedTable], report: AuditReport, width: int | None) -> list[_Cell]:
    cells: list[_Cell] = []
    for t in tables:
        suppressed_groups = {g for g, members in _groups(t).items()
                             if all(t.values[c] is None for c in members)}
        a = t.spec.answer_dim()
        marks = {s for c, s in t.status.items() if t.values[c] is None}
        for coords, value in t.values.items():
            status = t.status.get(coords, "")
            if value is None and status != SYMBOL and t.current:
                report.findings.append(Finding(
                    "distinct-symbols", t.spec.slug, coords,
                    f"Gesperrte Zellen müssen einheitlich mit „{SYMBOL}“ gekennzeichnet sein, nicht "
                    f"„{status}“: unterschiedliche Zeichen für primär und sekundär gesperrte "
                    "Zellen verengen die Spannen."))
            lower, upper = 0, math.inf
            if value is None:
                group = coords[:a] + coords[a + 1:]
                lower = 0 if (coords[a] != TOTAL and group in suppressed_groups) else 1
                if len(marks) > 1 and status.lower().startswith("p"):
                    upper = t.spec.k_of(coords) - 1  # a distinct primary mark tells "< k"
                elif len(marks) > 1:
                    lower = max(lower, t.spec.k_of(coords))
            cells.append(_Cell(t, coords, t.spec.family(coords), t.spec.selection(coords),
                               value, lower, upper,
                               t.spec.width_of(coords) if width is None else width))
    return cells


FamilyCache = dict[str, tuple[tuple[object, ...], AuditReport]]


def audit(tables: list[PublishedTable], width: int | None = None, exact: bool = False,
          cache: FamilyCache | None = None) -> AuditReport:
    """Audit every suppressed cell of `tables` (current and earlier releases) together.

    `width` overrides every table's protection width (default: each cell's own, see
    TableSpec.width_of). Families counting the same respondents (one base) are one integer
    program. `cache` (optional, kept by the caller between calls) skips bases whose published
    cells did not change since the last call — the protect loop re-audits after each round."""
    report = AuditReport()
    cells = _cells(tables, report, width)
    program = _programs(cells)
    by_base: dict[str, list[_Cell]] = defaultdict(list)
    domains: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set)))
    linked: dict[str, bool] = {}
    population: dict[str, dict[str, list[str]]] = {}
    for c in cells:
        pop = population.setdefault(c.family, c.table.spec.population)
        if pop != c.table.spec.population:
            report.findings.append(Finding(
                "population-differs", c.table.label or c.table.spec.slug, c.coords,
                "Die Tabelle zählt andere Befragte (andere Gliederungsfragen) als eine frühere "
                "Tabelle derselben Frage; die Differenz würde eine Teilgruppe offenlegen."))
            population[c.family] = c.table.spec.population
        base = program[c.family]
        by_base[base].append(c)
        for v, codes in c.table.spec.family_vars().items():
            domains[base][c.family][v].update(codes)
        linked[c.family] = c.table.spec.kind == "multiple"
    for base, bcells in by_base.items():
        doms = {f: {v: sorted(codes) for v, codes in d.items()} for f, d in domains[base].items()}
        state = (exact, tuple((c.table.label, c.table.spec.slug, c.coords, c.value, c.lower,
                               c.upper, c.width) for c in bcells))
        if cache is not None and base in cache and cache[base][0] == state:
            part = cache[base][1]  # unchanged since the last call: no new MILPs
        else:
            part = AuditReport()
            _audit_family(FamilyProblem(bcells, doms, {f: linked[f] for f in doms}), exact, part)
            report.solves += part.solves
            if cache is not None:
                cache[base] = (state, part)
        report.findings += part.findings
        report.ranges.update(part.ranges)
    return report


def _programs(cells: list[_Cell]) -> dict[str, str]:
    """Family -> the program it is audited in: families sharing a base, and every family with
    all its bases (a release stored before bases were named has none), end up together."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in cells:
        a, b = root("f:" + c.family), root("b:" + c.table.spec.base_of(c.family))
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {c.family: root("f:" + c.family) for c in cells}


def _audit_family(p: FamilyProblem[_Cell], exact: bool, report: AuditReport) -> None:
    cells = p.cells
    suppressed = [i for i, c in enumerate(cells) if c.value is None]
    if not suppressed:
        report.solves += p.solves
        _published_small_groups(p, report)
        return
    rows = p.A.toarray()
    low: dict[int, float] = {}
    high: dict[int, float] = {}
    for i in suppressed:
        if not exact and p.solutions:
            omin, omax = p.observed()
            if omax[i] - omin[i] >= max(cells[i].width, 1):
                low[i], high[i] = float(omin[i]), float(omax[i])  # already wide enough
                continue
        low[i] = p.optimise(rows[i], maximise=False)
        high[i] = p.optimise(rows[i], maximise=True)
    for i in suppressed:
        c = cells[i]
        report.ranges[(c.table.spec.slug, c.coords)] = (low[i], high[i])
        where = c.table.label or c.table.spec.slug
        if c.lower == 0 and high[i] == 0:
            continue  # a zero implied by a published zero margin says nothing about the group
        if low[i] == high[i]:
            report.findings.append(Finding("determined", where, c.coords,
                                           f"Die gesperrte Zelle ist genau bestimmbar (= {low[i]:g}).",
                                           low[i], high[i]))
        elif high[i] - low[i] < c.width:
            report.findings.append(Finding("range-too-narrow", where, c.coords,
                                           f"Die gesperrte Zelle liegt sicher zwischen {low[i]:g} "
                                           f"und {high[i]:g} (Schutzbreite {c.width}).", low[i], high[i]))
    _small_groups(p, rows, low, report)
    report.solves += p.solves


def _published_small_groups(p: FamilyProblem[_Cell], report: AuditReport) -> None:
    _small_groups(p, p.A.toarray(), {}, report)


def _small_groups(p: FamilyProblem[_Cell], rows: np.ndarray, low: dict[int, float],
                  report: AuditReport) -> None:
    """Refuse a group below the minimum size that is provably all in one category."""
    index = {(id(c.table), c.coords): i for i, c in enumerate(p.cells)}
    tables = {id(c.table): c.table for c in p.cells}
    for t in tables.values():
        for group, members in _groups(t).items():
            ti = index.get((id(t), _total_of(t, group)))
            if ti is None or not any((id(t), m) in index for m in members):
                continue
            total = p.cells[ti].value
            if total is not None and (total == 0 or total >= t.spec.min_group):
                continue
            if total is None and p.solutions and p.observed()[1][ti] >= t.spec.min_group:
                continue  # a seen solution already makes the group large enough
            if total is None and p.optimise(rows[ti], maximise=True) >= t.spec.min_group:
                continue
            for m in members:
                mi = index[(id(t), m)]
                value = p.cells[mi].value
                if value is not None and total is not None:
                    if value in (0, total) and len(members) > 1:
                        report.findings.append(Finding(
                            "small-group-share", t.label or t.spec.slug, m,
                            f"Anteil von {0 if value == 0 else 100} % in einer Gruppe mit nur "
                            f"{total} Befragten."))
                    continue
                if total is not None and low.get(mi, total) < total:
                    continue  # some solution leaves room for another answer
                # The rest of the group is provably empty: everyone gave this answer.
                rest = p.optimise(rows[ti] - rows[mi], maximise=True)
                if rest == 0 and p.optimise(rows[ti], maximise=False) >= 1:
                    report.findings.append(Finding(
                        "small-group-all-one", t.label or t.spec.slug, m,
                        "Die kleine Gruppe hat nachweislich vollständig so geantwortet."))


def check_sequence(status: str, count: int, digest: str,
                   earlier: list[tuple[int, int, str]]) -> None:
    """Refuse a release that would expose respondents by difference with an earlier one.

    `earlier` lists (version, response_count, responses_digest) of the survey's releases.
    """
    from .errors import SurveyError

    if not earlier:
        return
    if status == "collecting":
        raise SurveyError("still-collecting", "Die Umfrage nimmt noch Antworten an; eine zweite "
                          "Veröffentlichung würde die Nachzügler durch Differenzbildung "
                          "offenlegen. Erst die Umfrage abschließen (Status closed) – und auch "
                          "dann nur über dieselben Antworten veröffentlichen.", "Umfrage")
    for version, n, d in earlier:
        if d != digest:
            raise SurveyError("responses-differ", f"Veröffentlichung {version} zählte {n} "
                              f"Antworten, jetzt sind es {count}: die Differenz beider "
                              "Veröffentlichungen würde einzelne Befragte offenlegen.", "Umfrage")
