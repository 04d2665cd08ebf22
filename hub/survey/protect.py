"""Primary and secondary suppression over all tables of one release together.

Primary: a cell with 1 ≤ n < k (the higher k where a cell counts only minors); in a group below the minimum size with a 0 % or 100 % share,
every category cell of the group (zeros included). Secondary: first every line (row/column
with its margin) holding one suppressed cell gets the cheapest partner; then the audit runs and
each cell it finds too narrow gets the cheapest partner in one of its lines, until it passes.
Cells publishing the same number in two tables always share their status.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .audit import SYMBOL, AuditReport, FamilyCache, PublishedTable, audit, cell_key
from .errors import SurveyError
from .tables import TOTAL, TableSpec

CellId = tuple[str, tuple[str, ...]]


@dataclass
class Protection:
    tables: list[PublishedTable]
    primary: set[CellId] = field(default_factory=set)
    secondary: set[CellId] = field(default_factory=set)
    report: AuditReport = field(default_factory=AuditReport)
    rounds: int = 0
    solves: int = 0  # MILPs over all audit rounds


def primary_suppression(spec: TableSpec, counts: dict[tuple[str, ...], int]) -> set[tuple[str, ...]]:
    """Cells below k, and whole small groups that show a 0 % or 100 % share."""
    out = {c for c, n in counts.items() if 1 <= n < spec.k_of(c)}
    a = spec.answer_dim()
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for c in counts:
        if c[a] != TOTAL:
            groups[c[:a] + c[a + 1:]].append(c)
    for g, members in groups.items():
        total = counts[g[:a] + (TOTAL,) + g[a:]]
        if 0 < total < spec.min_group and any(counts[m] in (0, total) for m in members):
            out.update(members)
    return out


def _lines(spec: TableSpec) -> dict[tuple[str, ...], list[list[tuple[str, ...]]]]:
    """For every cell, the lines through it: cells along one dimension with its margin."""
    cells = spec.cells()
    out: dict[tuple[str, ...], list[list[tuple[str, ...]]]] = defaultdict(list)
    for d, dim in enumerate(spec.dims):
        if not dim.has_total:
            continue
        lines: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        for c in cells:
            lines[c[:d] + c[d + 1:]].append(c)
        for line in lines.values():
            for c in line:
                out[c].append(line)
    return out


class _State:
    def __init__(self, specs: list[TableSpec], counts: dict[str, dict[tuple[str, ...], int]]):
        self.specs = {s.slug: s for s in specs}
        self.counts = counts
        self.suppressed: set[CellId] = set()
        self.lines = {s.slug: _lines(s) for s in specs}
        self.same: dict[tuple[str, frozenset[object]], list[CellId]] = defaultdict(list)
        self.key_of: dict[CellId, tuple[str, frozenset[object]]] = {}
        for s in specs:
            for c in s.cells():
                key = cell_key(s, c)
                self.same[key].append((s.slug, c))
                self.key_of[(s.slug, c)] = key

    def suppress(self, cell: CellId) -> list[CellId]:
        """Suppress a cell and every cell publishing the same number; the newly suppressed."""
        new = [c for c in self.same[self.key_of[cell]] if c not in self.suppressed]
        self.suppressed.update(new)
        return new

    def partner(self, cell: CellId, touched: set[int] | None = None,
                only: list[tuple[str, ...]] | None = None) -> CellId | None:
        """The cheapest unsuppressed non-zero cell in the least protected line through `cell`
        (in any table publishing the same number); None when no line has a candidate or a
        line through it already got a partner this round (`touched`)."""
        best: tuple[tuple[int, int, int, int], CellId] | None = None  # (rank, cell)
        for slug, coords in self.same[self.key_of[cell]]:
            for line in self.lines[slug].get(coords, []):
                if only is not None and line is not only:
                    continue
                if touched is not None and id(line) in touched:
                    return None
                hidden = sum(1 for c in line if (slug, c) in self.suppressed)
                for other in line:
                    oid = (slug, other)
                    n = self.counts[slug][other]
                    if oid in self.suppressed or n == 0:
                        continue
                    # Few hidden in the line first; then a cell that closes other lines with a
                    # single hidden cell rather than opening new ones; inner before margins;
                    # small values.
                    rank = (hidden, self._opens(oid, id(line)), sum(1 for x in other if x == TOTAL),
                            n)
                    if best is None or rank < best[0]:
                        best = (rank, oid)
        return best[1] if best else None

    def _opens(self, cell: CellId, skip: int) -> int:
        """Lines a suppression of `cell` would leave with one hidden cell, minus those it closes."""
        score = 0
        for slug, coords in self.same[self.key_of[cell]]:
            for line in self.lines[slug].get(coords, []):
                if id(line) == skip:
                    continue
                hidden = sum(1 for c in line if (slug, c) in self.suppressed)
                score += 1 if hidden == 0 else (-1 if hidden == 1 else 0)
        return score

    def touch(self, cell: CellId, touched: set[int]) -> None:
        for slug, coords in self.same[self.key_of[cell]]:
            touched.update(id(line) for line in self.lines[slug].get(coords, []))

    def lines_with_single(self) -> list[tuple[CellId, list[tuple[str, ...]]]]:
        """Suppressed cells alone in a line (derivable from the margin), with that line."""
        out = []
        for slug, spec_lines in self.lines.items():
            seen: set[int] = set()
            for line_list in spec_lines.values():
                for line in line_list:
                    if id(line) in seen:
                        continue
                    seen.add(id(line))
                    hidden = [c for c in line if (slug, c) in self.suppressed]
                    if len(hidden) == 1:
                        out.append(((slug, hidden[0]), line))
        return out

    def published(self, earlier: list[PublishedTable]) -> list[PublishedTable]:
        tables = []
        for slug, spec in self.specs.items():
            values: dict[tuple[str, ...], int | None] = {}
            status: dict[tuple[str, ...], str] = {}
            for c, n in self.counts[slug].items():
                hidden = (slug, c) in self.suppressed
                values[c], status[c] = (None, SYMBOL) if hidden else (n, "")
            tables.append(PublishedTable(spec, values, status))
        return tables + earlier


def check_share(spec: TableSpec, hidden: set[tuple[str, ...]], limit: float) -> None:
    """Refuse a table whose inner cells are mostly suppressed (coarsen instead)."""
    inner = [c for c in spec.cells() if TOTAL not in c]
    share = sum(1 for c in inner if c in hidden) / max(len(inner), 1)
    if share > limit:
        raise SurveyError("mostly-suppressed", f"{share:.0%} der Zellen wären gesperrt (erlaubt "
                          f"{limit:.0%}). Bitte Kategorien zusammenfassen oder Regionen statt "
                          "Gemeinden verwenden.", f"Tabelle „{spec.slug}“")


def _check_all(specs: list[TableSpec], state: _State, limit: float) -> None:
    for spec in specs:
        check_share(spec, {c for s, c in state.suppressed if s == spec.slug}, limit)


def protect(specs: list[TableSpec], counts: dict[str, dict[tuple[str, ...], int]],
            earlier: list[PublishedTable] | None = None, width: int | None = None,
            max_suppressed: float = 0.5, max_rounds: int = 200) -> Protection:
    """Suppress until the audit passes; raises SurveyError naming the table when it cannot.

    `width` overrides the tables' protection widths (default: each cell's k)."""
    earlier = earlier or []
    state = _State(specs, counts)
    primary: set[CellId] = set()
    for spec in specs:
        cells = primary_suppression(spec, counts[spec.slug])
        check_share(spec, cells, max_suppressed)
        for c in cells:
            primary.update(state.suppress((spec.slug, c)))
    while single := state.lines_with_single():
        progressed = False
        for cell, line in single:
            if sum(1 for c in line if (cell[0], c) in state.suppressed) != 1:
                continue  # an earlier partner in this pass already closed the line
            p = state.partner(cell, only=line)
            if p is not None and p not in state.suppressed:
                state.suppress(p)
                progressed = True
        if not progressed:
            break
    _check_all(specs, state, max_suppressed)
    cache: FamilyCache = {}  # families untouched by a round keep their audit result
    rounds = 0
    report = audit(state.published(earlier), width, cache=cache)
    solves = report.solves
    while not report.ok and rounds < max_rounds:
        rounds += 1
        progressed = False
        touched: set[int] = set()
        for f in report.findings:
            if f.code == "distinct-symbols":
                continue
            slug = f.table
            if slug not in state.specs:
                continue  # an earlier release's cell: partners come from linked current cells
            cell = (slug, f.coords)
            if cell not in state.suppressed and counts[slug][f.coords] > 0:
                state.suppress(cell)  # a published share in a small group: hide it too
                progressed = True
                continue
            p = state.partner(cell, touched)
            if p is not None:
                state.suppress(p)
                state.touch(cell, touched)
                state.touch(p, touched)
                progressed = True
        if not progressed:
            break
        _check_all(specs, state, max_suppressed)  # refuse early: more rounds only add cells
        report = audit(state.published(earlier), width, cache=cache)
        solves += report.solves
    if not report.ok:
        f = report.findings[0]
        raise SurveyError("audit-failed", f"Keine sichere Sperrung gefunden: {f.message}",
                          f"Tabelle „{f.table}“, Zelle {' / '.join(f.coords)}")
    _check_all(specs, state, max_suppressed)
    return Protection(state.published([]), primary, state.suppressed - primary, report, rounds,
                      solves)
