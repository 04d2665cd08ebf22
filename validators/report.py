"""The validation report: valid, stats, errors (capped), truncated; JSON-shaped via to_dict()."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .errors import ERROR, FATAL_CODES, BlankRow, ValidationError

MAX_ERRORS = 1000


class Report:
    """Collects the errors and warnings of one validation run.

    At most `MAX_ERRORS` errors and as many warnings are kept (then `truncated` is True);
    the counts in `stats` include every problem found.
    """

    def __init__(self, lang: str = "de", max_errors: int = MAX_ERRORS) -> None:
        self.lang = "en" if lang == "en" else "de"
        self.max_errors = max_errors
        self.errors: list[ValidationError] = []
        self.truncated = False
        self.rows = 0
        self.offers = 0
        self.error_count = 0
        self.warning_count = 0
        self._kept_errors = 0
        self._kept_warnings = 0
        self._column_order: dict[str | None, int] = {}
        # An XML upload (open-Qcat): each row's place in the file ("SERVICE 3 (PRODUCT_ID x)"),
        # and no column letters (its cells are elements, not spreadsheet columns).
        self.places: dict[int, str] = {}
        self.letters = True

    def add(self, error: ValidationError) -> None:
        """Record one problem (kept while below the cap, always counted)."""
        if error.severity == ERROR:
            self.error_count += 1
            if self._kept_errors >= self.max_errors:
                self.truncated = True
                return
            self._kept_errors += 1
        else:
            self.warning_count += 1
            if self._kept_warnings >= self.max_errors:
                self.truncated = True
                return
            self._kept_warnings += 1
        self.errors.append(error)

    def add_blank_rows(self, rows: range) -> None:
        """A blank-row warning for each row; beyond the cap only counted (no objects made)."""
        kept = max(min(len(rows), self.max_errors - self._kept_warnings), 0)
        for row in rows[:kept]:
            self.add(BlankRow(row=row))
        if len(rows) > kept:
            self.warning_count += len(rows) - kept
            self.truncated = True

    @property
    def full(self) -> bool:
        """True once no further error would be kept (callers may stop early)."""
        return self._kept_errors >= self.max_errors

    @property
    def valid(self) -> bool:
        """No error (warnings allowed)."""
        return self.error_count == 0

    @property
    def readable(self) -> bool:
        """False when the file could not be read as a table at all (format, size)."""
        return not any(e.code in FATAL_CODES and e.row is None for e in self.errors)

    @property
    def stats(self) -> dict[str, int]:
        return {"rows": self.rows, "offers": self.offers, "errors": self.error_count,
                "warnings": self.warning_count}

    def set_column_order(self, columns: Sequence[str]) -> None:
        """Order errors of one row as the columns appear in the file (and name their letters;
        a label that repeats is read, and named, at its first place)."""
        order: dict[str | None, int] = {}
        for i, name in enumerate(columns):
            order.setdefault(name, i)
        self._column_order = order

    def column_letter(self, error: ValidationError) -> str | None:
        """The Excel letter of the error's column in the file ("D"), or None when the column
        is not in the file (a missing column, a file-level problem)."""
        if not self.letters:
            return None
        position = error.params.get("position")  # 1-based, where the label does not tell
        if isinstance(position, int) and position > 0:
            return excel_letter(position - 1)
        index = self._column_order.get(error.column) if error.column is not None else None
        return excel_letter(index) if index is not None else None

    def sort(self) -> None:
        """File-level errors first, then by row; within a row in file column order."""
        order = self._column_order
        self.errors.sort(key=lambda e: (e.row is not None, e.row or 0,
                                        order.get(e.column, len(order))))

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The report as the JSON shape of the upload API and the CLI."""
        lang = lang or self.lang
        return {"valid": self.valid, "stats": self.stats,
                "errors": [self._entry(e, lang) for e in self.errors],
                "truncated": self.truncated}

    def _entry(self, error: ValidationError, lang: str) -> dict[str, Any]:
        entry = {**error.to_dict(lang), "column_letter": self.column_letter(error)}
        if self.places and error.row is not None and error.row in self.places:
            entry["place"] = self.places[error.row]
        return entry

    def flatten(self, keys: Iterable[str] = ("row", "column", "code")) -> list[list[Any]]:
        """The errors as lists of the given keys, for compact assertions in tests."""
        keys = list(keys)
        out = []
        for error in self.errors:
            item = error.to_dict(self.lang) if "message" in keys else {
                "row": error.row, "column": error.column, "code": error.code,
                "severity": error.severity, "value": error.value}
            item["column_letter"] = self.column_letter(error)
            out.append([item[k] for k in keys])
        return out


def excel_letter(index: int) -> str:
    """The Excel column letters of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_place(column: str | None, letter: str | None) -> str | None:
    """How a report names a column: "D (preis)", "D", or „preis“ for a column the file
    lacks (None when neither)."""
    if letter and column:
        return f"{letter} ({column})"
    if column:
        return f"„{column}“"
    return letter
