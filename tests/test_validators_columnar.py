"""The column-wise path (cells checked column by column with memoised parsers, rules
column-wise in `batchrules`) reports exactly what the reference path reports:
`validate(..., reference=True)` checks every row on its own, cell by cell.

Files are generated: a random subset of the template's columns in random order, good and
bad cells (dates, codes incl. synonyms, German numbers, prices, times, formulas, empty
required cells, quoted `;`, quotes and line breaks), repeated and differing offers, blank
and short rows, UTF-8 or cp1252."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.template import EXAMPLE

NAMES = list(EXAMPLE)
BAD = {
    "beginn_datum": ["31.02.2027", "2027-13-01", "morgen", "4.1.27", "45678", "01.01.2026"],
    "ende_datum": ["01.01.2020", "12/04/2027", "bald"],
    "uhrzeit_von": ["25:00", "18.30 Uhr", "19 Uhr", "abends", "21:00"],
    "uhrzeit_bis": ["17:00", "20.15", "x"],
    "lebensphase": ["Erwachsene", "erwachsenenbildung|kinder", "rente", "ERWACHSENENBILDUNG"],
    "themenbereich": ["Sprachen", "sprache", "kochen", "sprachen, gesundheit"],
    "lernform": ["online_live", "hybrid", "Präsenz", "fernunterricht", "blended"],
    "preis": ["kostenlos", "1.250,-", "89,00 €", "-5", "auf Anfrage", "12,5,0", "0"],
    "preis_ermaessigt": ["auf Anfrage", "62,30 EUR", "x"],
    "plz": ["12345", "6464", "D-64646", "64646.0", "abc"],
    "ort": ["Berlin", "Bensheim", "heppenheim"],
    "gemeinde_ags": ["06431011", "11000000", "6431011", "x"],
    "lat": ["49.6407", "91", "49,64,07"],
    "alter_von": ["18", "-1", "1.000", "zwölf"],
    "alter_bis": ["10", "99"],
    "teilnehmende_min": ["20", "3,5"],
    "foerderung": ["bildungsgutschein", "bildungsurlaub_hessen|bildungsgutschein", "xyz"],
    "kontakt_email": ["mailto:a@b.de", "kein@mail", "a@b"],
    "url": ["www.example.org", "ftp://x.de", "http://a b.de"],
    "kontakt_telefon": ["+49 6252 1", "=1+2", "ohne"],
    "laufender_einstieg": ["ja", "x", "vielleicht"],
}
MULTILINE = ["Zeile 1\nZeile 2", "a\r\nb\r\nc; d", 'eins\n"zwei"\n\ndrei', "\n", "x;\n;y"]
ODD = ["", "  ", "=SUMME(A1)", "+49", "@x", "a;b", 'Zitat "so"', "Zeile 1\nZeile 2",
       "Zeile\r\nzwei; mit \"Zitat\"", "Größe Übung €", " 89,00 ", "x" * 300]


def cell(name: str) -> st.SearchStrategy[str]:
    return st.one_of(st.just(EXAMPLE[name]), st.sampled_from(BAD.get(name, ["?"])),
                     st.sampled_from(ODD))


@st.composite
def provider_file(draw: st.DrawFn) -> tuple[bytes, str]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    if draw(st.booleans()):  # most files have the key; some do not
        names = ["angebot_id", *[n for n in names if n != "angebot_id"]]
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.sampled_from(["good", "cells", "lines", "blank", "short", "repeat"]))
        if kind == "blank":
            rows.append([""] * draw(st.integers(0, len(names))))
        elif kind == "repeat" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
        else:
            row = [EXAMPLE[n] for n in names]
            if kind in ("cells", "short"):
                for i in draw(st.lists(st.integers(0, len(names) - 1), max_size=4)):
                    row[i] = draw(cell(names[i]))
            if kind == "lines":  # quoted cells over several lines, some with `;` and quotes
                for i in draw(st.lists(st.integers(0, len(names) - 1), min_size=1, max_size=3)):
                    row[i] = draw(st.sampled_from(MULTILINE))
            if "angebot_id" in names:
                row[names.index("angebot_id")] = draw(st.sampled_from(["A1", "A2", "B", ""]))
            if kind == "short":
                row = row[:draw(st.integers(0, len(row)))]
            rows.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(names)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return buffer.getvalue().encode(encoding, errors="replace"), encoding


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(upload=provider_file())
def test_columnar_path_reports_what_the_reference_reports(upload: tuple[bytes, str]) -> None:
    data, _encoding = upload
    ref = validate(data, filename="angebote.csv", reference=True, collect=True)
    for arrow in (False, True):  # the csv module's reader, and pyarrow's where it fits
        fast = validate(data, filename="angebote.csv", parallel=False, collect=True, arrow=arrow)
        assert fast.report.to_dict() == ref.report.to_dict()
        assert fast.report.to_dict("en") == ref.report.to_dict("en")
        assert fast._rows == ref._rows  # noqa: SLF001 - the typed rows, AGS derived alike
        # Without collect the rows are not made and the batches are smaller: the same report.
        only = validate(data, filename="angebote.csv", parallel=False, arrow=arrow)
        assert only.report.to_dict() == ref.report.to_dict()


def _many_errors(rows: int) -> bytes:
    """A file with several errors in every row: far beyond the 1,000-error cap."""
    names = list(EXAMPLE)
    lines = [";".join(names)]
    for n in range(rows):
        values = dict(EXAMPLE, beginn_datum="31.02.2027", preis="teuer", plz="12345",
                      lebensphase="rente", angebot_id=f"X{n % 40}",
                      titel=f"Titel {n % 7}", uhrzeit_von="22:00")
        if n % 5 == 0:
            values["beschreibung"] = '"mehrzeilig\nmit ; und ""Zitat"""'
        lines.append(";".join(values[k] for k in names))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace")


def test_the_error_cap_keeps_the_same_errors_on_both_paths() -> None:
    data = _many_errors(600)
    ref = validate(data, filename="a.csv", reference=True).report
    for arrow in (False, True):
        fast = validate(data, filename="a.csv", parallel=False, arrow=arrow).report
        assert fast.truncated and ref.truncated
        assert fast.stats["errors"] > 1000
        assert fast.to_dict() == ref.to_dict()


def test_shapes_of_issue_17_report_alike(tmp_path: Path) -> None:
    """The bench's shapes with broken cells: same report on both paths (and they differ from
    a clean report, so the comparison has something to compare)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "gen_shapes", Path(__file__).resolve().parent.parent / "bench" / "gen_shapes.py")
    assert spec is not None and spec.loader is not None
    gen = sys.modules.get("gen_shapes") or importlib.util.module_from_spec(spec)
    if "gen_shapes" not in sys.modules:
        sys.modules["gen_shapes"] = gen
        spec.loader.exec_module(gen)
    limits = Limits(max_bytes=1 << 30, max_rows=10**6)
    for shape in gen.SHAPES:
        path = tmp_path / f"{shape.name}.csv"
        gen.write_shape(path, shape, 2500, seed=7, bad=0.1)
        ref = validate(str(path), limits=limits, reference=True).report.to_dict()
        for arrow in (False, True):
            fast = validate(str(path), limits=limits, parallel=False, arrow=arrow).report
            assert fast.to_dict()["errors"], shape.name
            assert fast.to_dict() == ref, (shape.name, arrow)
