"""The reference path: every row checked on its own, cell by cell, every rule row by row.

`validate(..., reference=True)` uses it (with the line-by-line CSV reader); the columnar
path of `RowChecker.check_batch` (memoised column passes, `batchrules`) must report exactly
what this one reports (tests/test_validators_columnar.py). Slow on purpose: no memo, no
column pass, nothing skipped.
"""
from __future__ import annotations

from typing import Any

from .errors import EncodingError, RequiredError, ValidationError, make_error
from .rows import _AGS, NCOL, RowChecker


class ReferenceRowChecker(RowChecker):
    """RowChecker whose batches are checked row by row."""

    def check_batch(self, batch: list[tuple[int, list[str]]], keep: bool = True
                    ) -> list[list[Any]]:
        """Typed values of each row (always: `keep` is the columnar path's saving); the batch's
        problems go to the report in the order the columnar path adds them (by row, then file
        column)."""
        out: list[Any] = []
        errors: list[ValidationError] = []
        for number, cells in batch:
            bad: set[int] = set()
            if len(cells) != self.width:
                cells = self._fit(number, cells, errors, bad)
            vals: list[Any] = [None] * NCOL
            for pos, idx, label, parse, _memo, required, _plain in self.plan:
                raw = cells[pos]
                text = raw.strip()
                if self.lossy and "\ufffd" in raw:
                    errors.append(EncodingError(row=number, column=label, value=text))
                value, found = parse(text) if text else (None, None)
                vals[idx] = value
                for code, detail, params in found or ():
                    errors.append(make_error(code, row=number, column=label, value=text,
                                             detail=detail, params=params))
                    if code != "formula-injection":
                        bad.add(idx)
                if required and value is None and not text and idx not in bad:
                    errors.append(RequiredError(row=number, column=label, value=None))
                    bad.add(idx)
            row = tuple(vals)
            ags = self._rules(number, row, cells, bad, errors)
            if ags is not None:
                row = row[:_AGS] + (ags,) + row[_AGS + 1:]
            self._fingerprints(number, row, bad)  # type: ignore[arg-type]
            out.append(row)
        order = self.pos_order
        errors.sort(key=lambda e: (e.row, order.get(e.column, 10**6)))
        for error in errors:
            self.report.add(error)
        return out
