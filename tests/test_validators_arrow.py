"""pyarrow's CSV reader (validators.arrowcsv) reads what the csv module reads, or steps aside.

`validate(..., arrow=True)` must report exactly what the reference path reports on files the
reader takes (blank and `;;` lines between data, a `sep=` line, BOM, CR line ends, quoted
multi-line cells, the row limit, progress) and on files it hands back to the csv module
(ragged rows, a quote left open, cp1252 with bytes UTF-8 would reject)."""
from __future__ import annotations

import importlib.util

import pytest

from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.arrowcsv import ArrowUnfit, arrow_columns
from bildungsdaten.validators.sources import Encoding, Source
from bildungsdaten.validators.tables import csv_rows
from bildungsdaten.validators.template import EXAMPLE
from tests.support import unavailable


@pytest.fixture(autouse=True)
def _pyarrow() -> None:
    if importlib.util.find_spec("pyarrow") is None:  # in the test extra: CI installs it
        unavailable("pyarrow fehlt (pip install -e .[test])")

NAMES = ["angebot_id", "titel", "beschreibung", "beginn_datum", "preis", "lernform"]
GOOD = [EXAMPLE[n] for n in NAMES]


def _file(rows: list[str], *, head: str = "", end: str = "\r\n", bom: bool = False) -> bytes:
    text = head + end.join([";".join(NAMES), *rows]) + end
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _row(**cells: str) -> str:
    values = dict(zip(NAMES, GOOD, strict=True), **cells)
    return ";".join(values[n] for n in NAMES)


FITTING = {
    "blank lines between": _file([_row(), "", _row(angebot_id="B"), ";;;;;", _row(preis="x")]),
    "sep line": _file([_row(), _row(beginn_datum="31.02.2027")], head="sep=;\r\n"),
    "BOM and LF": _file([_row(), _row(lernform="fliegen")], end="\n", bom=True),
    "CR only": _file([_row(), _row(angebot_id="")], end="\r"),
    "multi-line": _file([_row(beschreibung='"Zeile 1\r\nZeile ""2""; mit ;"'), _row(),
                         _row(titel='"=SUMME(A1)"')]),
}
UNFIT = {
    "ragged": _file([_row(), "A1;kurz", _row()]),
    "quote left open": _file([_row(), _row(beschreibung='"offen')]),
}


def _reader_rows(data: bytes) -> list[tuple[int, list[str]]]:
    src = Source.of(data, "a.csv")
    encoding = Encoding("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    skip = 2 if data.lstrip(b"\xef\xbb\xbf").startswith(b"sep=") else 1
    out = []
    for first, columns in arrow_columns(src, encoding, delimiter=";", skip_lines=skip,
                                        width=len(NAMES), first_number=2, rows=2):
        out.extend((first + i, [c[i] for c in columns]) for i in range(len(columns[0])))
    return out


@pytest.mark.parametrize("name", sorted(FITTING))
def test_the_reader_reads_the_records_the_csv_module_reads(name: str) -> None:
    data = FITTING[name]
    src = Source.of(data, "a.csv")
    encoding = Encoding("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    expected = [(n, cells if cells else [""] * len(NAMES))  # an empty line: blank cells
                for n, cells in list(csv_rows(src, encoding))[1:]]
    assert _reader_rows(data) == expected


@pytest.mark.parametrize("name", sorted(UNFIT))
def test_the_reader_steps_aside_where_it_would_read_otherwise(name: str) -> None:
    with pytest.raises(ArrowUnfit):
        _reader_rows(UNFIT[name])


@pytest.mark.parametrize("name", sorted(FITTING | UNFIT))
def test_arrow_reports_what_the_reference_reports(name: str) -> None:
    data = (FITTING | UNFIT)[name]
    ref = validate(data, filename="a.csv", reference=True, collect=True)
    seen: list[int] = []
    fast = validate(data, filename="a.csv", parallel=False, collect=True, arrow=True,
                    progress=seen.append)
    assert fast.report.to_dict() == ref.report.to_dict()
    assert fast._rows == ref._rows  # noqa: SLF001 - the typed rows alike
    assert seen[-1] == ref.report.rows


def test_the_row_limit_and_progress_match_the_csv_module() -> None:
    rows = [_row(angebot_id=f"A{n}", preis="x" if n % 7 == 0 else "0") for n in range(2500)]
    rows[1200] = ""  # a blank line inside: the chunk with it goes row by row
    data = _file(rows)
    limits = Limits(max_rows=2100)
    runs = []
    for kwargs in ({"reference": True}, {"parallel": False, "arrow": True}):
        seen: list[int] = []
        report = validate(data, filename="a.csv", limits=limits, progress=seen.append,
                          **kwargs).report  # type: ignore[arg-type]
        runs.append((report.to_dict(), seen))
    assert runs[0] == runs[1]
    assert runs[0][0]["stats"]["rows"] == 2100


def test_cp1252_is_read_alike() -> None:
    text = "\r\n".join([";".join(NAMES), _row(titel="Größe Übung € „Zitat“"),
                        _row(titel="Ärger", preis="x")]) + "\r\n"
    data = text.encode("cp1252")
    ref = validate(data, filename="a.csv", reference=True).report.to_dict()
    assert validate(data, filename="a.csv", parallel=False, arrow=True).report.to_dict() == ref
