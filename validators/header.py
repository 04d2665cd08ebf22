"""Header matching: the provider's own column titles to the columns of vocab/columns.py."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from bildungsdaten.vocab.codelists import normalise
from bildungsdaten.vocab.columns import COLUMNS, Column
from bildungsdaten.vocab.feed_columns import FEED_COLUMN_NAMES

from .errors import BlankLabel, DuplicateLabel, ExtraLabel, MissingLabel, ValidationError

_DECORATION = re.compile(r"[*:()\[\]{}.,/\\'\"#]+|\bpflicht\b|\boptional\b")


def header_key(text: str) -> str:
    """A header folded for matching: case, umlauts (ä = ae), spaces, _ and -, ``*`` marks."""
    folded = normalise(text.replace("\ufeff", ""))
    return _DECORATION.sub(" ", folded).replace(" ", "")


@cache
def header_index() -> dict[str, Column]:
    """Every accepted spelling of every column: name first, then aliases, then labels."""
    index: dict[str, Column] = {}
    for spellings in (lambda c: (c.name,), lambda c: c.aliases,
                      lambda c: (c.label_de, c.label_en)):
        for column in COLUMNS:
            for spelling in spellings(column):
                index.setdefault(header_key(spelling), column)
    return index


@cache
def feed_only_keys() -> frozenset[str]:
    """The folded names of the columns the hub's CSV feed adds: the hub computes them, so a
    re-uploaded export passes over them without a warning."""
    return frozenset(header_key(name) for name in FEED_COLUMN_NAMES)


@dataclass(frozen=True)
class MatchedColumn:
    """A column of the file that maps to one of ours."""

    position: int  # 0-based index in the file's rows
    column: Column
    label: str  # the provider's own header text


@dataclass
class Header:
    """The outcome of reading a header row."""

    matched: list[MatchedColumn]
    labels: list[str]  # the provider's header texts, stripped
    width: int  # cells up to the last non-blank label

    def label_of(self, column: Column) -> str:
        """The provider's header text for a column, or our name when the file lacks it."""
        for m in self.matched:
            if m.column is column:
                return m.label
        return column.name

    def has(self, column: Column) -> bool:
        return any(m.column is column for m in self.matched)


def read_header(cells: list[str], row: int) -> tuple[Header, Iterator[ValidationError]]:
    """Match the header cells; yields blank/duplicate/missing/extra-label problems."""
    labels = [c.replace("\ufeff", "").strip() for c in cells]
    width = len(labels)
    while width and not labels[width - 1]:
        width -= 1  # trailing empty titles: Excel's formatted-but-empty columns
    index = header_index()
    matched: list[MatchedColumn] = []
    seen: dict[str, int] = {}
    problems: list[ValidationError] = []
    for position, label in enumerate(labels[:width]):
        if not label:
            problems.append(BlankLabel(row=row, column=None, value=None,
                                       params={"position": position + 1}))
            continue
        key = header_key(label)
        column = index.get(key)
        if column is None:
            if key not in feed_only_keys():
                problems.append(ExtraLabel(row=row, column=label, value=label,
                                           params={"position": position + 1}))
            continue
        if column.name in seen:
            problems.append(DuplicateLabel(row=row, column=label, value=label,
                                           params={"first": seen[column.name] + 1,
                                                   "position": position + 1}))
            continue
        seen[column.name] = position
        matched.append(MatchedColumn(position, column, label))
    for column in COLUMNS:
        if column.required and column.name not in seen:
            problems.append(MissingLabel(row=row, column=column.name, value=None,
                                         params={"name": column.name}))
    return Header(matched, labels, width), iter(problems)
