"""The resolved form of a release table (dimensions, code groups, families) and counting.

A *family* is one answered item (a single-choice question, one array row, or a whole
multiple-choice question); its respondents are those who answered that item and every
breakdown question of the release (`population`) — the same people in every table of the
family, so no table is the complement of another and the audit can link them.
"""
from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TOTAL = "_gesamt"
ITEM = "@item"
ANSWER = "@answer"
TOTAL_LABEL = "Insgesamt"


@dataclass
class Dim:
    """A table dimension: published codes, each a group of finest codes of one variable."""

    key: str
    label: str
    var: str  # a breakdown question code, ITEM or ANSWER
    codes: list[str]
    labels: dict[str, str]
    groups: dict[str, list[str]]
    has_total: bool = True

    def positions(self) -> list[str]:
        return self.codes + ([TOTAL] if self.has_total else [])

    def label_of(self, code: str) -> str:
        return TOTAL_LABEL if code == TOTAL else self.labels.get(code, code)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "var": self.var, "codes": self.codes,
                "labels": self.labels, "groups": self.groups, "has_total": self.has_total}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dim:
        return cls(d["key"], d["label"], d["var"], list(d["codes"]), dict(d["labels"]),
                   {k: list(v) for k, v in d["groups"].items()}, bool(d["has_total"]))


@dataclass
class TableSpec:
    """One table of a release: a question by up to two breakdowns."""

    slug: str
    title: str
    question: str
    kind: str  # single | multiple | array | item (one row of an array)
    dims: list[Dim]
    k: int
    min_group: int
    # Finest codes of every variable (the audit's lattice); ITEM for multiple/array.
    domains: dict[str, list[str]] = field(default_factory=dict)
    # Breakdown questions every counted respondent answered (same for the whole release).
    population: dict[str, list[str]] = field(default_factory=dict)
    # Protection width; 0 = the cell's own k (see `width_of`).
    width: int = 0
    # Respondents under 18: the age variable's finest codes that are minors, the higher k
    # for cells counting only minors, and whether the whole table counts only minors.
    minors: dict[str, list[str]] = field(default_factory=dict)
    k_minors: int = 0
    minors_only: bool = False
    # Family -> its base (who it counts): families with the same base are one integer
    # program, because their margins publish the same numbers (see `link_bases`).
    bases: dict[str, str] = field(default_factory=dict)

    def answer_dim(self) -> int:
        return next(i for i, d in enumerate(self.dims) if d.var == ANSWER)

    def cells(self) -> list[tuple[str, ...]]:
        """Every cell coordinate (margins included) in publication order."""
        return list(itertools.product(*(d.positions() for d in self.dims)))

    def family(self, coords: tuple[str, ...]) -> str:
        """The family a cell belongs to: per array row, else per question."""
        if self.kind == "array":
            item = coords[[d.var for d in self.dims].index(ITEM)]
            return f"{self.question}[{item}]"
        return self.question

    def selection(self, coords: tuple[str, ...]) -> dict[str, frozenset[str]]:
        """The finest codes each variable of the cell ranges over (absent var = all codes)."""
        sel: dict[str, frozenset[str]] = {}
        for d, c in zip(self.dims, coords, strict=True):
            if self.kind == "array" and d.var == ITEM:
                continue  # the family already fixes the item
            if c != TOTAL:
                sel[d.var] = frozenset(d.groups[c])
        return sel

    def counts_only_minors(self, coords: tuple[str, ...]) -> bool:
        """True when every respondent a cell can count is under 18: the table is about minors
        only, or the cell's age selection holds only minor codes."""
        if self.minors_only:
            return True
        sel = self.selection(coords)
        if self.question in self.minors and ANSWER in sel:
            sel[self.question] = sel[ANSWER]  # a table of the age question itself
        return any(v in sel and sel[v] <= frozenset(codes) for v, codes in self.minors.items())

    def k_of(self, coords: tuple[str, ...]) -> int:
        """The minimum count a cell may show: k, or the higher k where it counts only minors."""
        if self.k_minors > self.k and self.counts_only_minors(coords):
            return self.k_minors
        return self.k

    def width_of(self, coords: tuple[str, ...]) -> int:
        """The protection width of a suppressed cell: the configured one, else its k."""
        return self.width or self.k_of(coords)

    def base_of(self, family: str) -> str:
        """The base a family counts; a family without a known base is its own."""
        return self.bases.get(family, f"frage:{family}")

    def family_vars(self) -> dict[str, list[str]]:
        """The variables (with finest codes) of this table's families."""
        return {v: codes for v, codes in self.domains.items()
                if not (self.kind == "array" and v == ITEM)}

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "question": self.question,
                "kind": self.kind, "dims": [d.to_dict() for d in self.dims], "k": self.k,
                "min_group": self.min_group, "domains": self.domains,
                "population": self.population, "width": self.width, "minors": self.minors,
                "k_minors": self.k_minors, "minors_only": self.minors_only, "bases": self.bases}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableSpec:
        return cls(d["slug"], d["title"], d["question"], d["kind"],
                   [Dim.from_dict(x) for x in d["dims"]], int(d["k"]), int(d["min_group"]),
                   {k: list(v) for k, v in d["domains"].items()},
                   {k: list(v) for k, v in d.get("population", {}).items()},
                   int(d.get("width", 0)), {k: list(v) for k, v in d.get("minors", {}).items()},
                   int(d.get("k_minors", 0)), bool(d.get("minors_only", False)),
                   dict(d.get("bases", {})))


def respondent_values(spec: TableSpec, answers: dict[str, Any]) -> list[dict[str, str]]:
    """The finest value of every variable for one respondent, once per item they count in;
    empty when the respondent did not answer the table's item (not in the family)."""
    base: dict[str, str] = {}
    for var, codes in spec.population.items():
        value = answers.get(var)
        if not value or value not in codes:
            return []  # did not answer a breakdown question: outside every table
        base[var] = value
    q = spec.question
    if spec.kind in ("single", "item"):
        value = answers.get(q)
        return [{**base, ANSWER: value}] if value else []
    items = spec.domains[ITEM]
    if spec.kind == "multiple":
        if all(answers.get(f"{q}[{i}]") is None for i in items):
            return []  # question not shown to this respondent
        return [{**base, ITEM: i, ANSWER: "Y" if answers.get(f"{q}[{i}]") == "Y" else "N"}
                for i in items]
    return [{**base, ITEM: i, ANSWER: answers[f"{q}[{i}]"]}
            for i in items if answers.get(f"{q}[{i}]")]


def count_table(spec: TableSpec, responses: list[dict[str, Any]]) -> dict[tuple[str, ...], int]:
    """True counts of every cell of `spec` (margins included) over the given answers."""
    lookup = [{f: c for c, fs in d.groups.items() for f in fs} for d in spec.dims]
    counts: Counter[tuple[str, ...]] = Counter()
    for answers in responses:
        for values in respondent_values(spec, answers):
            coords = [lookup[i].get(values[d.var]) for i, d in enumerate(spec.dims)]
            if any(c is None for c in coords):
                continue
            options = [(c, TOTAL) if d.has_total else (c,)
                       for c, d in zip(coords, spec.dims, strict=True)]
            for combo in itertools.product(*options):
                counts[combo] += 1  # type: ignore[index]
    return {cell: counts.get(cell, 0) for cell in spec.cells()}


def families_of(spec: TableSpec) -> list[str]:
    """The families a table's cells belong to (one per array row, else the question)."""
    if spec.kind == "array":
        return [f"{spec.question}[{i}]" for i in spec.domains[ITEM]]
    return [spec.question]


def link_bases(specs: list[TableSpec], responses: list[dict[str, Any]]) -> None:
    """Name each family's base after exactly who it counts and store it on the specs.

    Two families with the same respondents (everyone who answered one also answered the
    other) publish the same margins — the respondents per breakdown group — under two
    questions; the audit treats such families as one integer program and protection hides
    such a margin in every table or in none. `responses` must be in a stable order (the
    same respondents give the same names in a later release)."""
    members: dict[str, list[int]] = {}
    for spec in specs:
        names = set(families_of(spec))
        if names <= members.keys():
            continue
        found: dict[str, list[int]] = {f: [] for f in names}
        for n, answers in enumerate(responses):
            for values in respondent_values(spec, answers):
                fam = spec.family(tuple(values[d.var] if d.var == ITEM else TOTAL
                                        for d in spec.dims))
                if not found[fam] or found[fam][-1] != n:
                    found[fam].append(n)
        members.update(found)
    bases = {f: "basis:" + hashlib.sha256(",".join(map(str, ns)).encode()).hexdigest()[:16]
             for f, ns in members.items()}
    for spec in specs:
        spec.bases = {f: bases[f] for f in families_of(spec)}
