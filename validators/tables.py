"""Readers that turn a CSV or XLSX source into rows of cell texts with Excel row numbers."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any

from .sources import Encoding, Source, open_text

# A quoted cell longer than this is a quote that never closes, not a description.
FIELD_LIMIT = 1 << 20
csv.field_size_limit(FIELD_LIMIT)
# Excel's column count (A…XFD): a row with more cells comes from no spreadsheet. Checked before
# a line is split, so one hostile line (`X;` × 9.5 million) never becomes millions of strings.
MAX_ROW_CELLS = 16_384
MAX_SHEET_ROWS = 1_048_576  # Excel's row count

Row = tuple[int, list[str]]


class TableBroken(Exception):
    """The table cannot be read on from `row` on (unclosed quote, NUL byte, damaged XLSX)."""

    def __init__(self, row: int | None, detail: str) -> None:
        super().__init__(detail)
        self.row = row
        self.detail = detail


class TableTooLarge(TableBroken):
    """Reading stops at `row`: a row, the sheet or its rows exceed a bound (`what`: "row",
    "sheet" or "rows", the too-many-cells detail), reported with `limit`."""

    def __init__(self, row: int | None, what: str, limit: int, sheet: str = "") -> None:
        super().__init__(row, what)
        self.limit = limit
        self.sheet = sheet


class _RowTooWide(Exception):
    """A record may have more than MAX_ROW_CELLS cells (csv_rows turns it into TableTooLarge,
    or, when a quote spans many lines, into TableBroken: most likely a quote never closes)."""

    def __init__(self, multiline: bool = False) -> None:
        super().__init__()
        self.multiline = multiline


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of ; , and tab (ties prefer ;)."""
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ";", d == "\t"))
    return best if counts[best] else ";"


def records(lines: Iterator[str], delimiter: str) -> Iterator[list[str]]:
    """CSV records of text lines (raw line endings), exactly as the csv module reads them.

    A line without any quote is split directly (the csv module would read it the same way,
    at a fraction of the cost); a line with a quote starts a record the csv module reads,
    pulling the further lines of a quoted multi-line cell itself. Raises csv.Error.
    """
    pending: list[str] = []
    # Delimiters (inside quotes too: an upper bound of the cells) and lines of the quoted
    # record being read: the csv module would gather any number of them into one record.
    delimiters = 0
    record_lines = 0

    def feed() -> Iterator[str]:
        nonlocal delimiters, record_lines
        while True:
            if pending:
                line = pending.pop()
            else:
                read = next(lines, None)
                if read is None:
                    return
                line = read
            in_line = line.count(delimiter)
            delimiters += in_line
            record_lines += 1
            if delimiters >= MAX_ROW_CELLS:
                # One line this wide is too wide; many lines gathered by an open quote are not.
                raise _RowTooWide(multiline=record_lines > 1 and in_line < MAX_ROW_CELLS)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    for line in lines:
        # A line shorter than the cap cannot hold too many cells: most lines are not counted.
        if len(line) > MAX_ROW_CELLS and line.count(delimiter) >= MAX_ROW_CELLS:
            raise _RowTooWide
        if '"' in line or len(line) > FIELD_LIMIT:
            delimiters = record_lines = 0
            pending.append(line)
            yield next(reader)
        else:
            body = line.rstrip("\r\n")
            yield body.split(delimiter) if body else []


def csv_delimiter(first: str) -> tuple[str, bool]:
    """The delimiter named by a file's first line, and whether that line is Excel's `sep=`
    directive (no row: Excel does not show it) rather than the header."""
    stripped = first.removeprefix("\ufeff").strip().strip('"')
    if stripped.lower().startswith("sep=") and len(stripped) <= 10:
        delimiter = stripped[4] if len(stripped) > 4 and stripped[4] != "\\" else ";"
        if stripped[4:6] == "\\t":
            delimiter = "\t"
        return delimiter, True
    return sniff_delimiter(first.removeprefix("\ufeff")), False


# Ends the first part of a file split for checking in two processes: a row of exactly this cell
# proves the part ended between records (NUL never reaches here: such files are not split).
SENTINEL = "\x00\x01part-end\x01\x00"


def csv_rows(source: Source, encoding: Encoding, *, start: int = 0, stop: int | None = None,
             delimiter: str | None = None) -> Iterator[Row]:
    """Rows of a CSV file as (Excel row number, cells); a leading `sep=;` line is no row.

    With `start`/`stop` (byte offsets at line starts) only that part is read, numbered from 1;
    a part with a `stop` ends with a SENTINEL row. A part after the start needs `delimiter`.
    """
    with open_text(source, encoding, start, stop) as stream:
        lines: Iterator[str]
        if delimiter is None:
            first = stream.readline()
            delimiter, directive = csv_delimiter(first)
            lines = stream if directive else chain((first.removeprefix("\ufeff"),), stream)
        else:
            lines = stream
        if stop is not None:
            lines = chain(lines, (SENTINEL + "\n",))
        number = 0
        try:
            for number, cells in enumerate(records(lines, delimiter), start=1):
                if encoding.nul and any("\x00" in c for c in cells):
                    raise TableBroken(number, "NUL-Byte")
                yield number, cells
        except csv.Error as exc:
            raise TableBroken(number + 1, str(exc)) from None
        except _RowTooWide as exc:
            if exc.multiline:
                raise TableBroken(number + 1, "Anführungszeichen über viele Zeilen offen") from None
            raise TableTooLarge(number + 1, "row", MAX_ROW_CELLS) from None


# --- XLSX ---------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)


def cell_text(value: Any) -> str:
    """An XLSX cell value as the text our cell parsers read (dates ISO, numbers with '.')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.date() in (_EXCEL_EPOCH, date(1899, 12, 31), date(1900, 1, 1)) and value.time():
            return value.time().strftime("%H:%M:%S" if value.second else "%H:%M")
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600:02d}:{total % 3600 // 60:02d}"
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def xlsx_rows(source: Source, max_cells: int = 10_000_000) -> Iterator[Row]:
    """Rows of the sheet "Angebote" (or the first sheet), read-only, with defusedxml.

    openpyxl pads each row up to its last cell and yields an empty row for each skipped row
    number: at most `max_cells` cells (padding included), MAX_ROW_CELLS a row and
    MAX_SHEET_ROWS rows are read, else TableTooLarge."""
    import openpyxl
    from openpyxl import DEFUSEDXML

    # XML from uploads must be parsed safely (entity expansion, external entities).
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a runtime dependency
        raise TableBroken(None, "defusedxml ist nicht installiert")
    stream = source.open_binary()
    try:
        try:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - untrusted input: any parser failure is a broken file
            raise TableBroken(None, exc.__class__.__name__) from None
        try:
            sheet = next((book[name] for name in book.sheetnames
                          if name.strip().casefold() == "angebote"), None)
            if sheet is None:
                sheet = next(iter(book.worksheets), None)
            if sheet is None or not hasattr(sheet, "reset_dimensions"):
                raise TableBroken(None, "keine Tabelle")
            # Some writers store a wrong size; read what is really there.
            sheet.reset_dimensions()
            number = 0
            read = 0
            title = str(sheet.title)
            try:
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    read += len(values)
                    if len(values) > MAX_ROW_CELLS:
                        raise TableTooLarge(number, "row", MAX_ROW_CELLS)
                    if read > max_cells:
                        raise TableTooLarge(number, "sheet", max_cells, title)
                    if number > MAX_SHEET_ROWS:
                        raise TableTooLarge(number, "rows", MAX_SHEET_ROWS)
                    cells = [cell_text(v) for v in values]
                    while cells and cells[-1] == "":
                        cells.pop()
                    yield number, cells
            except TableBroken:
                raise
            except Exception as exc:  # noqa: BLE001 - untrusted input, as above
                raise TableBroken(number + 1, exc.__class__.__name__) from None
        finally:
            book.close()
    finally:
        stream.close()
