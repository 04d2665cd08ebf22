"""The validators against real-looking provider files in tests/fixtures/uploads."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bildungsdaten.validators import Limits, ValidationResult, validate
from bildungsdaten.validators.errors import CODES
from bildungsdaten.vocab.records import ProviderRecord

UPLOADS = Path(__file__).parent / "fixtures" / "uploads"
PROVIDER = ProviderRecord(slug="kvhs-bergstrasse", name="KVHS")


def check(name: str, **kwargs: object) -> ValidationResult:
    return validate(UPLOADS / name, **kwargs)  # type: ignore[arg-type]


def test_excel_for_windows_export_is_valid() -> None:
    result = check("excel_windows.csv", collect=True)
    assert result.report.flatten(["row", "column", "code"]) == []
    assert result.report.stats == {"rows": 3, "offers": 3, "errors": 0, "warnings": 0}


def test_excel_for_windows_export_reads_umlauts_euro_prices_and_times() -> None:
    offers = check("excel_windows.csv", collect=True).offers(PROVIDER)
    first, second, third = offers
    assert first.title == "Englisch A2 – Auffrischung"
    assert first.instances[0].price == Decimal("89.00")
    assert first.instances[0].start_time.isoformat() == "18:30:00"
    assert first.instances[0].end_time.isoformat() == "20:00:00"
    assert first.funding == ["bildungsurlaub_hessen"]
    assert second.description.startswith("„Drehen")
    assert second.instances[0].price == Decimal("1250.00")
    assert third.instances[0].price_kind == "kostenlos"


def test_utf8_with_bom_comma_separated_and_excel_serial_date() -> None:
    result = check("utf8_bom.csv", collect=True)
    assert result.report.flatten() == []
    offers = result.offers(PROVIDER)
    assert offers[1].instances[0].start_date.isoformat() == "2025-10-08"


def test_iso_8859_15_euro_sign_is_read() -> None:
    result = check("latin9.csv", collect=True)
    assert result.report.flatten() == []
    assert result.offers(PROVIDER)[0].instances[0].price == Decimal(89)


def test_xlsx_sheet_angebote_with_date_time_and_number_cells() -> None:
    result = check("angebote.xlsx", collect=True)
    assert result.report.flatten() == []
    first, second = result.offers(PROVIDER)
    instance = first.instances[0]
    assert (instance.start_date.isoformat(), instance.end_date.isoformat()) == (
        "2025-09-08", "2025-12-15")
    assert (instance.start_time.isoformat(), instance.end_time.isoformat()) == (
        "18:30:00", "20:00:00")
    assert instance.venue is not None and instance.venue.postal_code == "64646"
    assert second.instances[0].price == Decimal("62.5")


def test_quoted_multiline_descriptions_keep_excel_row_numbers() -> None:
    result = check("multiline.csv", collect=True)
    assert result.report.flatten() == [[4, "preis", "type-error"]]
    first = result.offers(PROVIDER)[0]
    assert first.description == "Erste Zeile.\nZweite Zeile; mit Semikolon.\n- Aufzählung"


def test_sep_line_is_not_a_row() -> None:
    assert check("sep_line.csv").report.flatten() == [[3, "preis", "type-error"]]


def test_english_headers_tab_separated() -> None:
    result = check("english_headers.tsv", collect=True)
    assert result.report.flatten() == []
    assert result.offers(PROVIDER)[0].instances[0].start_date.isoformat() == "2025-09-08"


EVERY_CODE = [
    [None, None, "too-many-rows"],
    [1, "Titel", "duplicate-label"],
    [1, "Bemerkung", "extra-label"],
    [1, None, "blank-label"],
    [1, "beschreibung", "missing-label"],
    [3, "preis", "type-error"],
    [4, "lebensphase", "constraint-error"],
    [5, "titel", "required-error"],
    [6, "termin_id", "unique-error"],
    [7, "ende_datum", "date-order-error"],
    [8, "plz", "out-of-district"],
    [9, "titel", "formula-injection"],
    [10, None, "blank-row"],
    [11, "preis", "missing-cell"],
    [12, None, "extra-cell"],
    [13, "titel", "encoding-error"],
    [14, "titel", "constraint-error"],
    [17, None, "unsupported-format"],
]


def test_every_code_file_gives_the_exact_problems() -> None:
    report = check("every_code.csv", limits=Limits(max_rows=13)).report
    assert report.flatten(["row", "column", "code"]) == EVERY_CODE
    assert report.stats == {"rows": 13, "offers": 11, "errors": 14, "warnings": 4}


def test_report_names_the_excel_letter_of_each_column() -> None:
    report = check("every_code.csv", limits=Limits(max_rows=13)).report
    letters = [[e["row"], e["column"], e["column_letter"]] for e in report.to_dict()["errors"]
               if e["row"] is not None]
    assert letters[:5] == [
        [1, "Titel", "Q"],  # the second "Titel": its own place, not the first one's
        [1, "Bemerkung", "S"],
        [1, None, "R"],  # a blank header cell
        [1, "beschreibung", None],  # missing from the file: no letter
        [3, "preis", "P"]]
    assert [12, None, "T"] in letters  # the stray cell beyond the header


def test_every_code_file_too_large() -> None:
    report = check("every_code.csv", limits=Limits(max_bytes=1000)).report
    assert report.flatten() == [[None, None, "file-too-large"]]


def test_fixtures_cover_every_code_of_the_issue() -> None:
    # too-many-cells needs files of millions of cells (tests/test_validators_bounds.py);
    # recommended-missing is pinned in tests/test_validators_cells.py; filled-by-rule (open-Qcat
    # has no life phase) and ignored-element (its deletions) in tests/test_openqcat.py.
    found = {code for _r, _c, code in EVERY_CODE} | {"file-too-large", "too-many-cells",
                                                      "recommended-missing", "filled-by-rule",
                                                      "ignored-element"}
    assert found == set(CODES)


def test_suggestion_for_a_near_miss_code() -> None:
    report = check("every_code.csv", limits=Limits(max_rows=13)).report
    messages = [e.message("de") for e in report.errors if e.row == 4]
    assert messages == ["„erwachsene bildung“ ist kein zulässiger Wert für „lebensphase“. "
                        "Meinten Sie „erwachsenenbildung“?"]


def test_english_messages_on_request() -> None:
    report = check("every_code.csv", lang="en", limits=Limits(max_rows=13)).report
    message = next(e["message"] for e in report.to_dict()["errors"] if e["row"] == 4)
    assert message.endswith("Did you mean “erwachsenenbildung”?")


def test_formula_is_neutralised_in_typed_rows() -> None:
    result = check("every_code.csv", limits=Limits(max_rows=13), collect=True)
    offer = next(o for o in result.offers(PROVIDER) if o.angebot_id == "A7")
    assert offer.title == '\'=HYPERLINK("http://x.example")'


def test_report_json_shape() -> None:
    data = check("every_code.csv", limits=Limits(max_rows=13)).report.to_dict()
    assert set(data) == {"valid", "stats", "errors", "truncated"}
    assert set(data["stats"]) == {"rows", "offers", "errors", "warnings"}
    assert all(set(e) == {"row", "column", "column_letter", "code", "severity", "message",
                          "value"} for e in data["errors"])
    assert data["valid"] is False and data["truncated"] is False
    json.dumps(data)


@pytest.mark.parametrize("name", ["empty.csv", "pdf_renamed.csv", "brief.docx", "archiv.zip",
                                  "foto.png"])
def test_unsupported_files_get_one_clear_error(name: str) -> None:
    report = check(name).report
    assert report.flatten() == [[None, None, "unsupported-format"]]
    assert not report.readable


def test_empty_file_message_says_empty() -> None:
    assert "leer (0 Byte)" in check("empty.csv").report.errors[0].message()


def test_pdf_renamed_to_csv_message_names_pdf() -> None:
    assert "PDF" in check("pdf_renamed.csv").report.errors[0].message()


def test_zip_bomb_is_too_large_before_opening() -> None:
    report = check("zip_bomb.xlsx", limits=Limits(max_inflated_bytes=1 << 20)).report
    assert report.flatten() == [[None, None, "file-too-large"]]


def test_bytes_and_path_give_the_same_report() -> None:
    data = (UPLOADS / "every_code.csv").read_bytes()
    limits = Limits(max_rows=13)
    assert (validate(data, limits=limits).report.to_dict()
            == check("every_code.csv", limits=limits).report.to_dict())
