"""Template round trip, the offline CLI (real subprocess) and never-crash property tests."""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bildungsdaten.validators import ValidationResult, validate
from bildungsdaten.validators.template import template_csv, template_xlsx
from bildungsdaten.vocab.columns import COLUMN_NAMES

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
    assert book.sheetnames == ["Angebote", "Werte"]
    rows = list(book["Werte"].iter_rows(values_only=True))
    assert ("lernform", "praesenz", "Präsenz", None) in rows or (
        "lernform", "praesenz", "Präsenz", "") in rows


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
