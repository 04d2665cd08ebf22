"""`validate()`: bytes or a path in, typed rows and a Report out. Pure: no Flask, no database."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .crossrow import count_offers, cross_row_errors
from .errors import BlankRow, FileTooLarge, TooManyRows, UnsupportedFormat
from .header import read_header
from .offers import group_offers
from .report import Report
from .rows import RowChecker
from .sources import Source, detect_encoding, inflated_size, sniff_format
from .tables import Row, TableBroken, csv_rows, xlsx_rows

PROGRESS_EVERY = 5000
BATCH = 1024  # rows checked together, column by column


@dataclass(frozen=True)
class Limits:
    """Upload limits: file size, data rows, unpacked size of an XLSX (zip bomb guard)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_inflated_bytes: int = 200 * 1024 * 1024


class ValidationResult:
    """The report of one validation and, with collect=True, the typed rows."""

    def __init__(self, report: Report, rows: list[tuple[int, list[Any]]] | None) -> None:
        self.report = report
        self._rows = rows

    @property
    def valid(self) -> bool:
        return self.report.valid

    def offers(self, provider: Any) -> list[Any]:
        """The typed rows grouped by angebot_id into OfferRecords (needs collect=True).

        Instances keep the file order; course-level fields come from an offer's first row;
        `provider` (a ProviderRecord) is the uploading provider, with name, type and URL
        taken from the file where it fills them. Values flagged as formula-injection are
        already neutralised (leading apostrophe).
        """
        if self._rows is None:
            raise ValueError("offers() braucht validate(..., collect=True)")
        return group_offers(self._rows, provider)


def validate(source: bytes | str | os.PathLike[str], *, filename: str | None = None,
             lang: str = "de", limits: Limits | None = None, collect: bool = False,
             progress: Callable[[int], None] | None = None) -> ValidationResult:
    """Check an upload (CSV or XLSX, as bytes or a path) and report every problem.

    Messages are German by default, English with lang="en". With collect=True the typed
    rows are kept for `ValidationResult.offers()`; otherwise memory stays small (a few
    bytes per row for the cross-row checks). `progress(n)` is called every few thousand
    rows with the number of data rows read. Raises OSError only when a path cannot be read.
    """
    limits = limits or Limits()
    report = Report(lang)
    src = Source.of(source, filename)
    rows: list[tuple[int, list[Any]]] | None = [] if collect else None
    size = src.size
    if size == 0:
        report.add(UnsupportedFormat(detail="empty"))
        return ValidationResult(report, rows)
    if size > limits.max_bytes:
        report.add(FileTooLarge(params={"size": size, "limit": limits.max_bytes}))
        return ValidationResult(report, rows)
    kind = sniff_format(src)
    lossy = False
    table: Callable[[], Iterator[Row]]
    if kind == "xlsx":
        try:
            inflated = inflated_size(src)
        except Exception as exc:  # noqa: BLE001 - untrusted input: zipfile raises many kinds
            report.add(UnsupportedFormat(detail="xlsx-broken",
                                         params={"detail": exc.__class__.__name__}))
            return ValidationResult(report, rows)
        if inflated > limits.max_inflated_bytes:
            report.add(FileTooLarge(detail="inflated",
                                    params={"size": inflated, "limit": limits.max_inflated_bytes}))
            return ValidationResult(report, rows)

        def table() -> Iterator[Row]:
            return xlsx_rows(src)
    elif kind == "csv":
        encoding = detect_encoding(src)
        lossy = encoding.lossy

        def table() -> Iterator[Row]:
            return csv_rows(src, encoding)
    else:
        report.add(UnsupportedFormat(detail=kind))
        return ValidationResult(report, rows)
    try:
        _check_table(table, report, limits, rows, progress, pad=kind == "xlsx", lossy=lossy)
    except TableBroken as exc:  # broken before the header was read
        report.add(_broken(exc, kind == "xlsx"))
    report.sort()
    return ValidationResult(report, rows)


def _check_table(table: Callable[[], Iterator[Row]], report: Report, limits: Limits,
                 rows: list[tuple[int, list[Any]]] | None,
                 progress: Callable[[int], None] | None, *, pad: bool, lossy: bool) -> None:
    reader = table()
    header = None
    for number, cells in reader:
        if any(c.strip() for c in cells):
            header, problems = read_header(cells, number)
            for problem in problems:
                report.add(problem)
            break
    if header is None:
        report.add(UnsupportedFormat(detail="no-header"))
        return
    report.set_column_order(header.labels)
    checker = RowChecker(header, report, pad_short_rows=pad, lossy=lossy)
    try:
        report.rows = _check_rows(reader, checker, report, limits, rows, progress)
    except TableBroken as exc:
        report.rows = checker.rows_checked
        report.add(_broken(exc, pad))
    report.offers = count_offers(checker.offer_keys)
    try:
        for error in cross_row_errors(checker, table(), report.max_errors):
            report.add(error)
    except TableBroken:
        pass  # already reported by the first pass


def _check_rows(reader: Iterator[Row], checker: RowChecker, report: Report, limits: Limits,
                rows: list[tuple[int, list[Any]]] | None,
                progress: Callable[[int], None] | None) -> int:
    count = 0
    blank: list[int] = []
    batch: list[Row] = []

    def flush() -> None:
        values = checker.check_batch(batch)
        if rows is not None:
            rows.extend(zip((number for number, _cells in batch), values))
        batch.clear()

    try:
        for number, cells in reader:
            if not (cells and cells[0].strip()) and not "".join(cells).strip():
                blank.append(number)  # reported only when data follows: trailing ones are noise
                continue
            if blank:
                for blank_row in blank:
                    report.add(BlankRow(row=blank_row))
                blank.clear()
            if count == limits.max_rows:
                report.add(TooManyRows(params={"limit": limits.max_rows}))
                # Read on without checking: a damaged rest of the file is still worth a word.
                for _ in reader:
                    pass
                break
            count += 1
            checker.rows_checked = count
            batch.append((number, cells))
            if len(batch) == BATCH:
                flush()
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    finally:
        if batch:
            flush()  # the rows read before a damaged part are still checked
    if progress is not None and count % PROGRESS_EVERY:
        progress(count)
    return count


def _broken(exc: TableBroken, xlsx: bool) -> UnsupportedFormat:
    detail = "xlsx-broken" if xlsx else ("csv-binary" if exc.detail == "NUL-Byte" else "csv-broken")
    return UnsupportedFormat(row=exc.row, detail=detail, params={"detail": exc.detail})
