"""Template round trip, the offline CLI (real subprocess) and never-crash property tests."""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bildungsdaten.validators import ValidationResult, validate
from bildungsdaten.validators.template import template_csv, template_xlsx
from bildungsdaten.vocab.codelists import codelist
from bildungsdaten.vocab.columns import COLUMN_NAMES, COLUMNS

UPLOADS = Path(__file__).parent / "fixtures" / "uploads"
CLI = Path(sys.executable).parent / "bildungsdaten"


def test_template_csv_is_bom_semicolon_crlf_and_valid() -> None:
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 2
    assert data[3:].split(b"\r\n")[0].decode() == ";".join(COLUMN_NAMES)
    assert validate(data).report.to_dict()["stats"]["errors"] == 0


def test_template_xlsx_example_row_is_valid() -> None:
    report = validate(template_xlsx()).report
    assert report.flatten() == [] and report.stats["rows"] == 1


def test_template_xlsx_lists_allowed_values_with_german_labels() -> None:
    book = load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == ["Angebote", "Legende", "Werte"]
    rows = list(book["Werte"].iter_rows(values_only=True))
    assert ("lernform", "praesenz", "Präsenz", None) in rows or (
        "lernform", "praesenz", "Präsenz", "") in rows


def test_template_xlsx_offers_a_drop_down_for_every_code_list_column() -> None:
    book = load_workbook(io.BytesIO(template_xlsx()))
    sheet, values = book["Angebote"], book["Werte"]
    lists = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    code_columns = [(i, c) for i, c in enumerate(COLUMNS, start=1) if c.codelist]
    assert len(lists) == len(code_columns) > 10
    for position, column in code_columns:
        dv = lists[f"{get_column_letter(position)}2"]
        assert dv.type == "list" and dv.errorStyle == "warning"
        first, last = (int(ref.split("$")[-1]) for ref in dv.formula1.split(":"))
        offered = [values.cell(r, 2).value for r in range(first, last + 1)]
        assert offered == [c.code for c in codelist(column.codelist).concepts], column.name
        assert {values.cell(r, 1).value for r in range(first, last + 1)} == {column.name}


def test_template_xlsx_marks_required_and_conditional_columns() -> None:
    book = load_workbook(io.BytesIO(template_xlsx()))
    header = {c.value: c for c in book["Angebote"][1]}
    for column in COLUMNS:
        cell = header[column.name]
        if column.requirement == "P":
            assert cell.fill.fgColor.rgb.endswith("1F4E79"), column.name
            assert cell.comment.text.startswith("Pflicht: in jeder Zeile ausfüllen.")
        elif column.requirement == "B":
            assert cell.comment.text.startswith("Bedingt Pflicht: "), column.name
        else:
            assert cell.comment is None and cell.fill.fill_type is None, column.name
    assert "hybrid Pflicht, falls der Link öffentlich ist" in header["online_url"].comment.text
    legend = list(book["Legende"].iter_rows(min_row=3, values_only=True))
    assert legend[0] == ("A", "angebot_id", "Angebots-ID", "Pflicht", None, None)
    assert ("AY", "preis", "Preis", "Pflicht", None, None) in legend
    assert len(legend) == len(COLUMNS)


def test_template_example_row_is_dated_from_today() -> None:
    today = date(2031, 5, 14)  # a Wednesday
    sheet = load_workbook(io.BytesIO(template_xlsx(today)))["Angebote"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert row["beginn_datum"] == datetime(2031, 6, 16)  # a Monday, four to five weeks on
    assert row["ende_datum"] == datetime(2031, 9, 22)
    assert row["anmeldeschluss"] == datetime(2031, 6, 9) and row["stand"] == datetime(2031, 5, 14)
    assert row["angebot_id"] == "31F-10102"
    assert "16.06.2031" in template_csv(today).decode("utf-8-sig")
    # Without a day given: today's template is never dated in the past.
    current = load_workbook(io.BytesIO(template_xlsx()))["Angebote"]
    assert current["Q2"].value.date() > date.today()
    report = validate(template_xlsx(today)).report
    assert report.flatten() == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "validate", *args], check=False, capture_output=True, text=True,
                          timeout=60)


def test_cli_valid_file_exits_0() -> None:
    assert run_cli(str(UPLOADS / "excel_windows.csv")).returncode == 0


def test_cli_invalid_file_exits_1_and_json_equals_report() -> None:
    done = run_cli(str(UPLOADS / "sep_line.csv"), "--format", "json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == validate(UPLOADS / "sep_line.csv").report.to_dict()


def test_cli_english_json() -> None:
    done = run_cli(str(UPLOADS / "sep_line.csv"), "--format", "json", "--lang", "en")
    assert json.loads(done.stdout)["errors"][0]["message"].startswith("“viel” is not a price")


def test_cli_text_names_row_and_column() -> None:
    done = run_cli(str(UPLOADS / "sep_line.csv"))
    assert "Zeile 3, Spalte AY (preis): Fehler [type-error]" in done.stdout


def test_cli_says_warnungen_as_the_report_page_does() -> None:
    done = run_cli(str(UPLOADS / "every_code.csv"))
    assert "Zeile 1, Spalte S (Bemerkung): Warnung [extra-label]" in done.stdout
    assert done.stdout.rstrip().endswith("13 Fehler, 4 Warnungen")
    assert "Hinweis" not in done.stdout


def test_cli_unreadable_file_exits_2() -> None:
    done = run_cli(str(UPLOADS / "does-not-exist.csv"))
    assert done.returncode == 2 and "kann nicht gelesen werden" in done.stderr


def test_cli_pdf_exits_2_with_report() -> None:
    done = run_cli(str(UPLOADS / "pdf_renamed.csv"), "--format", "json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["errors"][0]["code"] == "unsupported-format"


def assert_is_report(result: ValidationResult) -> None:
    data = result.report.to_dict()
    json.dumps(data)
    assert isinstance(data["valid"], bool)
    assert data["valid"] == (data["stats"]["errors"] == 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_always_give_a_report(data: bytes) -> None:
    assert_is_report(validate(data))


SEEDS = [template_csv(), (UPLOADS / "excel_windows.csv").read_bytes(),
         (UPLOADS / "every_code.csv").read_bytes(), (UPLOADS / "multiline.csv").read_bytes()]
NASTY = [b";", b",", b"\t", b'"', b"\r\n", b"\n", b"\x00", b"\xff", b"\xfc", b"=", b"|",
         b"sep=;", b"\xef\xbb\xbf", b"31.02.2025", b"-1", b"1e400", b"NaN", b"\xe2\x82"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 2**32 - 1),
       st.integers(1, 12))
def test_mutated_csvs_always_give_a_report(seed: int, rnd: int, edits: int) -> None:
    data = bytearray(SEEDS[seed])
    rng = random.Random(rnd)
    for _ in range(edits):
        at = rng.randrange(len(data) + 1)
        op = rng.randrange(3)
        if op == 0:
            data[at:at] = rng.choice(NASTY)
        elif op == 1:
            del data[at:at + rng.randrange(1, 40)]
        else:
            data[at:at + 1] = bytes([rng.randrange(256)])
    assert_is_report(validate(bytes(data), collect=True))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_mutated_xlsx_always_gives_a_report(rnd: int) -> None:
    data = bytearray(template_xlsx())
    rng = random.Random(rnd)
    for _ in range(rng.randrange(1, 6)):
        at = rng.randrange(len(data))
        data[at] = rng.randrange(256)
    assert_is_report(validate(bytes(data)))
