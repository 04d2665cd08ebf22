"""`validate()`: bytes or a path in, typed rows and a Report out. Pure: no Flask, no database."""
from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from . import parallel as parallel_
from .arrowcsv import ArrowUnfit, arrow_available, arrow_columns, fits
from .crossrow import count_offers, cross_row_errors
from .errors import (
    FileTooLarge,
    FilledByRule,
    IgnoredElement,
    SurveyExport,
    TooManyCells,
    TooManyRows,
    UnsupportedFormat,
    ValidationError,
)
from .header import Header, read_header
from .ics import CalendarBroken, TooManyEvents
from .ics_rows import read_calendar
from .offers import group_offers
from .openqcat import LIFE_PHASE_RULE, OpenQcatBroken, TooManyElements, read_catalog
from .reference import ReferenceRowChecker
from .report import Report
from .rows import RowChecker
from .sources import Encoding, Source, detect_encoding, guess_utf8, inflated_size, sniff_format
from .survey_shapes import is_survey_responses
from .tables import Row, TableBroken, TableTooLarge, csv_delimiter, csv_rows, xlsx_rows
from .xlsx_guard import check_xlsx

PROGRESS_EVERY = 5000
BATCH = 1024  # rows checked together, column by column
BATCH_CELLS = BATCH * 128  # fewer rows when they are wide: a batch's cells stay bounded
# When the typed rows are not kept, a batch is small enough for its cells to stay in the CPU
# caches between the column passes (61 columns: 269 rows; 15-20 % less CPU than 1,024 rows);
# a caller that keeps them (a sink writing to the database) gets the larger batches.
CHECK_CELLS = 16384


@dataclass(frozen=True)
class Limits:
    """Upload limits: file size, data rows, unpacked size of an XLSX (zip bomb guard), and
    what an XLSX may hold before openpyxl builds it: shared strings (count, unpacked bytes),
    unpacked bytes of each part read whole, cells per sheet (None: 100 per allowed row)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_inflated_bytes: int = 200 * 1024 * 1024
    # openpyxl reads 500,000 short strings in about 14 s and 150 MB: 5 distinct texts a row.
    max_shared_strings: int = 500_000
    max_shared_strings_bytes: int = 64 * 1024 * 1024
    max_part_bytes: int = 16 * 1024 * 1024
    max_sheet_cells: int | None = None
    # Events of an .ics file (VEVENTs, and dates after expanding series): ICS_MAX_EVENTS.
    max_events: int = 20_000

    @property
    def sheet_cells(self) -> int:
        """Cells a sheet may have: the setting, else 100 per allowed row (header included)."""
        return self.max_sheet_cells or (self.max_rows + 1) * 100


# A row mapper turns a batch of typed rows (tuples indexed like COLUMNS) into one item each.
RowMapper = Callable[[list[Any]], list[Any]]
# A sink takes each batch's mapped items with the data rows read and the errors found so far.
Sink = Callable[[list[Any], int, int], None]


class ValidationResult:
    """The report of one validation and, with collect=True, the typed rows."""

    def __init__(self, report: Report, rows: list[Any] | None, mapped: bool = False,
                 processes: int = 1) -> None:
        self.report = report
        self._rows = None if mapped else rows
        self._mapped = rows if mapped else None
        self.processes = processes  # 2 when a forked helper checked the second half

    @property
    def mapped(self) -> list[Any]:
        """The items of `validate(..., collect=True, mapper=...)`, in file order."""
        if self._mapped is None:
            raise ValueError("mapped braucht validate(..., collect=True, mapper=...)")
        return self._mapped

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
            raise ValueError("offers() braucht validate(..., collect=True) ohne mapper")
        return group_offers(self._rows, provider)


def validate(source: bytes | str | os.PathLike[str], *, filename: str | None = None,
             lang: str = "de", limits: Limits | None = None, collect: bool = False,
             progress: Callable[[int], None] | None = None,
             mapper: Callable[[], RowMapper] | None = None,
             parallel: bool | None = None, sink: Sink | None = None,
             reference: bool = False, defaults: Mapping[str, str] | None = None,
             arrow: bool = False) -> ValidationResult:
    """Check an upload (CSV, XLSX, open-Qcat or iCalendar, as bytes or a path) and report
    every problem.

    Messages are German by default, English with lang="en". With collect=True the typed
    rows are kept for `ValidationResult.offers()`; otherwise memory stays small (a few
    bytes per row for the cross-row checks). With collect=True and `mapper` (a factory of
    a RowMapper, called once per process), the mapped items are kept instead, as
    `ValidationResult.mapped`. `progress(n)` is called every few thousand rows with the
    number of data rows read. A large CSV is checked in two processes where the system
    allows (`parallel`: None decides by size, False never, True whenever possible); the
    report is the same. With `sink` (needs collect=True and mapper), each batch's items go to
    `sink(items, rows_read, errors_so_far)` as soon as they are made, in file order, instead of
    being kept; once the file has an error no more items are made (an invalid file is never
    imported) and the sink gets the counts only. A sink checks in one process, and a CSV whose
    first 64 KiB are UTF-8 is read as strict UTF-8 without reading the whole file first: where
    it is not, UnicodeDecodeError is raised and the caller checks again without a sink.
    `defaults` (column name -> text, the provider's presets) fill what an iCalendar file
    cannot say (validators/ics_rows.py); other formats carry their own columns.
    Otherwise raises OSError only when a path cannot be read. `reference=True` checks in
    one process, every row on its own (validators.reference): slow, the report the
    column-wise path is tested against. `arrow=True` reads a CSV checked in one pass with
    pyarrow's reader where it reads the file exactly as the csv module does (validators.arrowcsv;
    else the csv module): the same report.
    """
    if reference:
        parallel = False
    if sink is not None:
        if not (collect and mapper is not None):
            raise ValueError("sink braucht collect=True und mapper")
        parallel = False  # a second pass after a failed split would hand over rows twice
    with gc_paused():
        return _validate(source, filename, lang, limits or Limits(), collect, progress, mapper,
                         parallel, sink, reference, defaults,
                         arrow and sink is None and not reference and arrow_available())


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: checking makes millions of objects (rows, cells,
    kept typed values) that form no cycles, and every full collection would walk them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate(source: bytes | str | os.PathLike[str], filename: str | None, lang: str,
              limits: Limits, collect: bool, progress: Callable[[int], None] | None,
              mapper: Callable[[], RowMapper] | None, parallel: bool | None,
              sink: Sink | None = None, reference: bool = False,
              defaults: Mapping[str, str] | None = None,
              arrow: bool = False) -> ValidationResult:
    src = Source.of(source, filename)
    mapped = collect and mapper is not None
    report = Report(lang)
    rows: list[Any] | None = [] if collect else None
    size = src.size
    if size == 0:
        report.add(UnsupportedFormat(detail="empty"))
        return ValidationResult(report, rows, mapped)
    if size > limits.max_bytes:
        report.add(FileTooLarge(params={"size": size, "limit": limits.max_bytes}))
        return ValidationResult(report, rows, mapped)
    kind = sniff_format(src)
    lossy = False
    table: Callable[[], Iterator[Row]]
    split: int | None = None
    if kind == "xlsx":
        try:
            inflated = inflated_size(src)
        except Exception as exc:  # noqa: BLE001 - untrusted input: zipfile raises many kinds
            report.add(UnsupportedFormat(detail="xlsx-broken",
                                         params={"detail": exc.__class__.__name__}))
            return ValidationResult(report, rows, mapped)
        if inflated > limits.max_inflated_bytes:
            report.add(FileTooLarge(detail="inflated",
                                    params={"size": inflated, "limit": limits.max_inflated_bytes}))
            return ValidationResult(report, rows, mapped)
        try:
            too_large = check_xlsx(src, max_strings=limits.max_shared_strings,
                                   max_strings_bytes=limits.max_shared_strings_bytes,
                                   max_part_bytes=limits.max_part_bytes,
                                   max_sheet_cells=limits.sheet_cells)
        except Exception as exc:  # noqa: BLE001 - untrusted input: zipfile raises many kinds
            too_large = UnsupportedFormat(detail="xlsx-broken",
                                          params={"detail": exc.__class__.__name__})
        if too_large is not None:
            report.add(too_large)
            return ValidationResult(report, rows, mapped)

        def table() -> Iterator[Row]:
            return xlsx_rows(src, limits.sheet_cells)
    elif kind == "csv":
        splittable = not collect or mapper is not None
        # A file whose start is UTF-8 is read as UTF-8 by both halves, strictly: if it is not,
        # they fail and the one pass below detects the encoding over the whole file.
        guess = (guess_utf8(src) if splittable and (parallel is not False or sink is not None)
                 else None)
        encoding = guess or detect_encoding(src)
        lossy = encoding.lossy

        def table() -> Iterator[Row]:
            return csv_rows(src, encoding)
        if splittable and parallel_.can_split(src, encoding, parallel):
            split = parallel_.split_offset(
                src, parallel_.first_share(scanned=guess is None, collect=collect))
        if split is None and guess is not None and sink is None:
            encoding = detect_encoding(src)
            lossy = encoding.lossy
    elif kind.startswith("survey-"):
        report.add(SurveyExport(detail=kind.removeprefix("survey-")))
        return ValidationResult(report, rows, mapped)
    elif kind == "openqcat":
        try:
            catalog = read_catalog(src.data if src.data is not None else src.head(size),
                                   limits.max_rows)
        except OpenQcatBroken as exc:
            report.add(UnsupportedFormat(detail=exc.detail, params={"detail": exc.reason}))
            return ValidationResult(report, rows, mapped)
        except TooManyElements as exc:
            report.add(TooManyCells(detail="xml", params={"limit": f"{exc.limit:,}".replace(
                ",", ".")}))
            return ValidationResult(report, rows, mapped)
        report.places = catalog.places
        report.letters = False
        for position, product_id in catalog.deletions:
            report.add(IgnoredElement(row=position, value=product_id))
        if catalog.life_phase_filled:
            report.add(FilledByRule(column="lebensphase", value=LIFE_PHASE_RULE,
                                    params={"count": catalog.life_phase_filled}))

        def table() -> Iterator[Row]:
            return iter(catalog.rows)
    elif kind == "ics":
        try:
            calendar = read_calendar(src.data if src.data is not None else src.head(size),
                                     max_events=min(limits.max_events, limits.max_rows),
                                     defaults=defaults)
        except CalendarBroken as exc:
            report.add(UnsupportedFormat(detail=exc.detail, params={"detail": exc.reason}))
            return ValidationResult(report, rows, mapped)
        except TooManyEvents as exc:
            report.add(TooManyRows(detail="ics", params={"limit": _dotted(exc.limit),
                                                         "count": _dotted(exc.count)}))
            return ValidationResult(report, rows, mapped)
        report.places = calendar.places
        report.letters = False
        for error in calendar.errors:
            report.add(error)

        def table() -> Iterator[Row]:
            return iter(calendar.rows)
    else:
        report.add(UnsupportedFormat(detail=kind))
        return ValidationResult(report, rows, mapped)
    map_rows = mapper() if mapper is not None and collect else None
    if split is not None:
        try:
            _check_table(table, report, limits, rows, progress, pad=False, lossy=lossy,
                         map_rows=map_rows, second=(src, encoding, split, mapper))
            report.sort()
            return ValidationResult(report, rows, mapped, processes=2)
        except parallel_.SplitFailed:
            report = Report(lang)  # check again in one pass
            rows = [] if collect else None
            map_rows = mapper() if mapper is not None and collect else None
            encoding = detect_encoding(src)
            lossy = encoding.lossy
    columnar = (src, encoding) if arrow and kind == "csv" and fits(encoding) else None
    try:
        try:
            _check_table(table, report, limits, rows, progress, pad=kind == "xlsx", lossy=lossy,
                         map_rows=map_rows, sink=sink, reference=reference, columnar=columnar)
        except ArrowUnfit:  # read again by the csv module, from the start
            report = Report(lang)
            rows = [] if collect else None
            map_rows = mapper() if mapper is not None and collect else None
            _check_table(table, report, limits, rows, progress, pad=False, lossy=lossy,
                         map_rows=map_rows)
    except TableBroken as exc:  # broken before the header was read
        report.add(_broken(exc, kind == "xlsx"))
    report.sort()
    return ValidationResult(report, rows, mapped)


def _check_table(table: Callable[[], Iterator[Row]], report: Report, limits: Limits,
                 rows: list[Any] | None, progress: Callable[[int], None] | None, *,
                 pad: bool, lossy: bool, map_rows: RowMapper | None,
                 second: tuple[Source, Encoding, int, Callable[[], RowMapper] | None] | None
                 = None, sink: Sink | None = None, reference: bool = False,
                 columnar: tuple[Source, Encoding] | None = None) -> None:
    """Header, rows and cross-row checks; with `second` = (source, encoding, offset, mapper)
    the rows from `offset` on are checked by a forked child (raises SplitFailed if that
    cannot give the one-pass report); with `columnar` = (source, encoding) the data rows are
    read by arrowcsv where the header allows (raises ArrowUnfit where the file does not)."""
    first_part = None
    if second is None:
        reader = table()
    else:
        src, encoding, offset, mapper = second
        first_part = parallel_.UntilSentinel(csv_rows(src, encoding, stop=offset))
        reader = iter(first_part)
    header = None
    try:
        for number, cells in reader:
            if any(c.strip() for c in cells):
                if is_survey_responses(cells):  # personal data: not one row is read
                    report.add(SurveyExport(row=number, detail="responses"))
                    return
                header, problems = read_header(cells, number)
                for problem in problems:
                    report.add(problem)
                break
    except (TableBroken, UnicodeDecodeError):
        if second is not None:
            raise parallel_.SplitFailed("header") from None
        raise
    if header is None:
        if second is not None:
            raise parallel_.SplitFailed("no header in the first part")
        report.add(UnsupportedFormat(detail="no-header"))
        return
    report.set_column_order(header.labels)
    checker = (ReferenceRowChecker if reference else RowChecker)(header, report,
                                                                 pad_short_rows=pad, lossy=lossy)
    if second is not None:
        assert first_part is not None
        _check_split(reader, first_part, checker, header, report, limits, rows, progress,
                     map_rows, second)
    else:
        chunks = (_arrow_chunks(*columnar, header, rows is not None)
                  if columnar is not None and number == 1 else None)
        try:
            if chunks is not None:
                close = getattr(reader, "close", None)
                if close is not None:
                    close()  # the csv module's reader: arrowcsv reads the data rows
                report.rows = _check_chunks(chunks, checker, report, limits, rows, progress,
                                            map_rows)
            else:
                report.rows, _blank = _check_rows(reader, checker, report, limits, rows,
                                                  progress, map_rows, sink)
        except TableBroken as exc:
            report.rows = checker.rows_checked
            report.add(_broken(exc, pad))
    report.offers = count_offers(checker.course_keys, checker.other_offer_keys)
    try:
        for error in cross_row_errors(checker, table(), report.max_errors):
            report.add(error)
    except TableBroken:
        pass  # already reported by the first pass


def _check_split(reader: Iterator[Row], first_part: parallel_.UntilSentinel,
                 checker: RowChecker, header: Header, report: Report, limits: Limits,
                 rows: list[Any] | None, progress: Callable[[int], None] | None,
                 map_rows: RowMapper | None,
                 second: tuple[Source, Encoding, int, Callable[[], RowMapper] | None]) -> None:
    src, encoding, offset, mapper = second
    delimiter, _directive = csv_delimiter(_first_line(src, encoding))
    unlimited = replace(limits, max_rows=1 << 62)

    def child_work() -> parallel_.PartResult:
        part_report = Report(report.lang, report.max_errors)
        part_checker = RowChecker(header, part_report, pad_short_rows=False, lossy=checker.lossy)
        part_rows: list[Any] | None = [] if rows is not None else None
        count, blank = _check_rows(csv_rows(src, encoding, start=offset, delimiter=delimiter),
                                   part_checker, part_report, unlimited, part_rows, None,
                                   mapper() if mapper is not None and rows is not None else None)
        return parallel_.part_result(part_checker, part_report, count, blank, part_rows)

    # The first part's counts are the file's up to there; its last, partial count is not.
    first_progress = None if progress is None else (
        lambda n: progress(n) if n % PROGRESS_EVERY == 0 else None)
    pid, read_fd = parallel_.start_child(child_work)
    try:
        try:
            count, blank = _check_rows(reader, checker, report, unlimited, rows, first_progress,
                                       map_rows)
        except (TableBroken, UnicodeDecodeError):
            raise parallel_.SplitFailed("first part damaged or not UTF-8") from None
        if not first_part.clean:
            raise parallel_.SplitFailed("split inside a quoted cell")
        part = parallel_.collect_child(pid, read_fd)
    except BaseException:
        parallel_.stop_child(pid, read_fd)
        raise
    if count + part.rows > limits.max_rows:
        raise parallel_.SplitFailed("too many rows")  # the one pass reports where it stops
    parallel_.merge_second_part(report, checker, blank, part, first_part.last_row)
    if rows is not None and part.collected:
        rows.extend(part.collected)
    report.rows = count + part.rows
    if progress is not None:  # the counts one pass would have reported from here on
        for n in range(count - count % PROGRESS_EVERY + PROGRESS_EVERY, report.rows + 1,
                       PROGRESS_EVERY):
            progress(n)
        if report.rows % PROGRESS_EVERY:
            progress(report.rows)


def _first_line(src: Source, encoding: Encoding) -> str:
    """The file's first line (for its delimiter), as csv_rows reads it."""
    head = src.head(1 << 20)
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    return head[:min(ends) if ends else len(head)].decode(encoding.name, "replace")


class _RowCount:
    """The data rows of a file counted up to the row limit, and the blank rows since the last
    one (reported when a data row follows: trailing ones are noise); both row loops use it."""

    __slots__ = ("blank_from", "blank_to", "count", "limit", "report")

    def __init__(self, report: Report, limit: int) -> None:
        self.report = report
        self.limit = limit
        self.count = 0
        # Always one run of consecutive record numbers (a data row ends it), so a range, not a
        # list (a file of millions of empty lines).
        self.blank_from = self.blank_to = 0

    def blank(self, number: int) -> None:
        if not self.blank_from:
            self.blank_from = number
        self.blank_to = number

    def data(self, rows: int = 1) -> bool:
        """Count `rows` data rows (the caller knows they fit) or one: False, and the row limit
        reported, when that one is beyond it."""
        if self.blank_from:
            self.report.add_blank_rows(range(self.blank_from, self.blank_to + 1))
            self.blank_from = 0
        if self.count == self.limit:
            self.report.add(TooManyRows(params={"limit": self.limit}))
            return False
        self.count += rows
        return True

    def trailing(self) -> range:
        """The blank rows after the last data row (not reported)."""
        return range(self.blank_from, self.blank_to + 1) if self.blank_from else range(0)


def _check_rows(reader: Iterator[Row], checker: RowChecker, report: Report, limits: Limits,
                rows: list[Any] | None, progress: Callable[[int], None] | None,
                map_rows: RowMapper | None = None, sink: Sink | None = None
                ) -> tuple[int, range]:
    """Check the data rows; returns their count and the blank rows at the end (unreported)."""
    counted = _RowCount(report, limits.max_rows)
    batch: list[Row] = []
    cells_in_batch = 0
    keep = rows is not None or sink is not None  # else the typed rows need not be made
    max_cells = BATCH_CELLS if keep else CHECK_CELLS

    def flush() -> None:
        nonlocal cells_in_batch
        current = batch[:]
        batch.clear()  # cleared first: a flush that raises is not run again below
        cells_in_batch = 0
        values = checker.check_batch(current, keep)
        if sink is not None and map_rows is not None:
            errors = report.error_count
            sink([] if errors else map_rows(values), counted.count, errors)
        elif rows is not None:
            if map_rows is not None:
                rows.extend(map_rows(values))
            else:
                rows.extend(zip((number for number, _cells in current), values, strict=True))

    blank, data, limit = counted.blank, counted.data, counted.limit
    try:
        for number, cells in reader:
            if not (cells and cells[0].strip()) and not "".join(cells).strip():
                blank(number)
                continue
            if counted.blank_from or counted.count == limit:  # else data() just counts
                if not data():
                    # Read on without checking: a damaged rest of the file is still worth a word.
                    for _ in reader:
                        pass
                    break
            else:
                counted.count += 1
            batch.append((number, cells))
            cells_in_batch += len(cells)
            if len(batch) == BATCH or cells_in_batch >= max_cells:
                flush()
            if progress is not None and counted.count % PROGRESS_EVERY == 0:
                progress(counted.count)
    finally:
        checker.rows_checked = counted.count  # what a damaged file's report counts
        if batch:
            flush()  # the rows read before a damaged part are still checked
    if progress is not None and counted.count % PROGRESS_EVERY:
        progress(counted.count)
    return counted.count, counted.trailing()


def _dotted(number: int) -> str:
    """20000 -> "20.000" (German thousands)."""
    return f"{number:,}".replace(",", ".")


def _arrow_chunks(src: Source, encoding: Encoding, header: Header, rows_kept: bool
                  ) -> Iterator[tuple[int, list[list[str]]]] | None:
    """arrowcsv's columns of the data rows, when the header is the file's first record on
    the first physical line (after a `sep=` line) without quotes, and has no trailing
    empty titles; else None (the csv module reads on)."""
    if not header.width or len(header.labels) != header.width:
        return None
    head = src.head(1 << 20).decode(encoding.name, "replace")
    lines = head.replace("\r\n", "\n").replace("\r", "\n").split("\n", 2)
    delimiter, directive = csv_delimiter(lines[0])
    skip = 2 if directive else 1
    if len(lines) <= skip or any('"' in line for line in lines[:skip]):
        return None
    return arrow_columns(src, encoding, delimiter=delimiter, skip_lines=skip,
                         width=header.width, first_number=2,
                         rows=batch_rows(header.width, rows_kept))


def _check_chunks(chunks: Iterator[tuple[int, list[list[str]]]], checker: RowChecker,
                  report: Report, limits: Limits, rows: list[Any] | None,
                  progress: Callable[[int], None] | None, map_rows: RowMapper | None) -> int:
    """_check_rows over column chunks of `batch_rows(width)` records (arrowcsv), with the
    same batches and so the same order of problems: a whole chunk without blank rows, within
    the row limit and while no row waits in a batch, goes to the checker as columns; other
    chunks row by row, exactly as _check_rows goes. Returns the count of data rows."""
    counted = _RowCount(report, limits.max_rows)
    batch: list[Row] = []
    keep_rows = rows is not None
    per = batch_rows(checker.width, keep_rows)

    def keep(numbers: list[int], values: list[Any]) -> None:
        if rows is not None:
            if map_rows is not None:
                rows.extend(map_rows(values))
            else:
                rows.extend(zip(numbers, values, strict=True))

    def flush() -> None:
        current = batch[:]
        batch.clear()
        keep([number for number, _cells in current], checker.check_batch(current, keep_rows))

    try:
        for first, columns in chunks:
            size = len(columns[0])
            firsts = list(map(str.strip, columns[0]))
            blank = () if "" not in firsts else {
                i for i, text in enumerate(firsts)
                if not text and not "".join(c[i] for c in columns).strip()}
            count = counted.count
            if not blank and not batch and size == per and count + size <= limits.max_rows:
                counted.data(size)
                numbers = list(range(first, first + size))
                keep(numbers, checker.check_columns(numbers, columns, keep_rows))
                if progress is not None:
                    for n in range(count - count % PROGRESS_EVERY + PROGRESS_EVERY,
                                   count + size + 1, PROGRESS_EVERY):
                        progress(n)
                continue
            for i in range(size):
                number = first + i
                if i in blank:
                    counted.blank(number)
                    continue
                if not counted.data():
                    for _ in chunks:  # read on: a damaged rest still falls back
                        pass
                    return counted.count
                batch.append((number, [c[i] for c in columns]))
                if len(batch) == per:
                    flush()
                if progress is not None and counted.count % PROGRESS_EVERY == 0:
                    progress(counted.count)
    finally:
        checker.rows_checked = counted.count
        if batch:
            flush()
        if progress is not None and counted.count % PROGRESS_EVERY:
            progress(counted.count)
    return counted.count


def batch_rows(width: int, rows_kept: bool) -> int:
    """Rows in a batch of _check_rows when every row has `width` cells."""
    return min(BATCH, max(1, -(-(BATCH_CELLS if rows_kept else CHECK_CELLS) // width)))


def _broken(exc: TableBroken, xlsx: bool) -> ValidationError:
    if isinstance(exc, TableTooLarge):
        return TooManyCells(row=exc.row, detail=exc.detail,
                            params={"limit": exc.limit, "sheet": exc.sheet})
    detail = "xlsx-broken" if xlsx else ("csv-binary" if exc.detail == "NUL-Byte" else "csv-broken")
    return UnsupportedFormat(row=exc.row, detail=detail, params={"detail": exc.detail})
