"""The attacker's integer program over one base (scipy.optimize.milp / HiGHS).

One program holds every family counting the same respondents (see tables.link_bases): each
family is a block of unknowns (its breakdown groups × items × answers), every published cell
an equality over its block, every suppressed cell a bound, and per breakdown group the blocks
count the same people, so their totals are equal. Because no published cell crosses two
questions, equal group totals are all the full cross-classification would add: any integer
answers of two families with equal group totals can be paired into respondents.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Generic, Protocol, TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from .tables import ANSWER, ITEM


class ProgramCell(Protocol):
    family: str
    selection: dict[str, frozenset[str]]
    value: int | None
    lower: int
    upper: float


C = TypeVar("C", bound=ProgramCell)


def _classes(domain: list[str], users: list[frozenset[str]]) -> list[frozenset[str]]:
    """Codes no published cell tells apart act as one code: a smaller, equivalent lattice."""
    sigs: dict[tuple[bool, ...], set[str]] = defaultdict(set)
    for code in domain:
        sigs[tuple(code in s for s in users)].add(code)
    return [frozenset(s) for s in sigs.values()]


class FamilyProblem(Generic[C]):
    """The integer program of one base: unknown counts, published equalities, bounds.

    `domains` maps each family to its variables' finest codes, `linked` tells which families
    are multiple-choice questions (every item counts the same respondents)."""

    def __init__(self, cells: list[C], domains: dict[str, dict[str, list[str]]],
                 linked: dict[str, bool]) -> None:
        self.cells = cells
        families = sorted(domains)
        pop_vars = sorted({v for f in families for v in domains[f] if v not in (ITEM, ANSWER)})
        pop_classes = {v: _classes(sorted({c for f in families for c in domains[f].get(v, [])}),
                                   [c.selection[v] for c in cells if v in c.selection])
                       for v in pop_vars}
        pop_shape = [len(pop_classes[v]) for v in pop_vars]
        npop = int(np.prod(pop_shape)) if pop_shape else 1
        blocks: dict[str, tuple[int, int]] = {}  # family -> (offset, size)
        group_of: dict[str, np.ndarray] = {}  # family -> breakdown group of each unknown
        first_item: dict[str, np.ndarray] = {}  # family -> unknowns counting each person once
        masks: dict[int, np.ndarray] = {}
        link_blocks: list[tuple[str, np.ndarray]] = []
        offset = 0
        for f in families:
            fcells = [i for i, c in enumerate(cells) if c.family == f]
            own = [v for v in (ITEM, ANSWER) if v in domains[f]]
            classes = dict(pop_classes)
            for v in own:
                if linked[f] and v == ITEM:
                    classes[v] = [frozenset({code}) for code in domains[f][v]]  # items stay apart
                else:
                    classes[v] = _classes(domains[f][v], [cells[i].selection[v] for i in fcells
                                                          if v in cells[i].selection])
            variables = pop_vars + own
            shape = [len(classes[v]) for v in variables]
            n = int(np.prod(shape)) if shape else 1
            index = np.indices(shape).reshape(len(shape), n) if shape else np.zeros((0, 1), int)
            for i in fcells:
                mask = np.ones(n, dtype=bool)
                for j, v in enumerate(variables):
                    if v in cells[i].selection:
                        hit = np.array([bool(cls & cells[i].selection[v]) for cls in classes[v]])
                        mask &= hit[index[j]]
                masks[i] = mask
            group = np.zeros(n, dtype=np.int64)
            for j in range(len(pop_vars)):
                group = group * shape[j] + index[j]
            once = np.ones(n, dtype=bool)
            if linked[f] and ITEM in own:
                # Every item of a multiple-choice question counts the same respondents.
                j_item = variables.index(ITEM)
                once = index[j_item] == 0
                for b in range(npop):
                    first = (group == b) & once
                    for i in range(1, shape[j_item]):
                        link_blocks.append((f, first.astype(np.int8)
                                            - ((group == b) & (index[j_item] == i))))
            blocks[f] = (offset, n)
            group_of[f], first_item[f] = group, once
            offset += n
        total = offset

        def place(f: str, part: np.ndarray) -> np.ndarray:
            row = np.zeros(total, dtype=np.int8)
            start, n = blocks[f]
            row[start:start + n] = part
            return row

        matrix = np.vstack([place(c.family, masks[i].astype(np.int8)) for i, c in enumerate(cells)]
                           ) if cells else np.zeros((0, total), np.int8)
        link_rows = [place(f, part) for f, part in link_blocks]
        # Families of one base count the same people in every breakdown group.
        for f in families[1:]:
            for b in range(npop):
                link_rows.append(
                    place(families[0], ((group_of[families[0]] == b)
                                        & first_item[families[0]]).astype(np.int8))
                    - place(f, ((group_of[f] == b) & first_item[f]).astype(np.int8)))
        full = np.vstack([matrix] + link_rows) if link_rows else matrix
        # Unknowns in exactly the same constraints can be merged: any split of their sum works.
        _, first_idx = np.unique(full.T, axis=0, return_index=True)
        keep = np.sort(first_idx)
        self.A = csr_matrix(matrix[:, keep].astype(float))
        self.full = csr_matrix(full[:, keep].astype(float))
        lo = [float(c.value) if c.value is not None else float(c.lower) for c in cells]
        hi = [float(c.value) if c.value is not None else c.upper for c in cells]
        lo += [0.0] * len(link_rows)
        hi += [0.0] * len(link_rows)
        self.constraint = LinearConstraint(self.full, np.array(lo), np.array(hi))
        self.nvars = len(keep)
        self.solutions: list[np.ndarray] = []
        self.solves = 0

    def optimise(self, objective: np.ndarray, maximise: bool) -> float:
        """The integer minimum (or maximum) of objective·x; inf when unbounded."""
        c = -objective if maximise else objective
        res = milp(c, integrality=np.ones(self.nvars), bounds=Bounds(0, np.inf),
                   constraints=[self.constraint])
        self.solves += 1
        if res.status == 3 or (res.x is None and "unbounded" in str(res.message).lower()):
            return math.inf if maximise else -math.inf
        if res.x is None:
            raise ValueError(f"Audit: Gleichungssystem unlösbar ({res.message})")
        x = np.round(res.x)
        self.solutions.append(x)
        return float(objective @ x)

    def observed(self) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest value of every cell over the feasible solutions seen so far."""
        values = self.A @ np.column_stack(self.solutions)
        return values.min(axis=1), values.max(axis=1)
