"""Cell parsing and the conditional rules, one behaviour per test, on small in-memory CSVs."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from bildungsdaten.validators import Report, validate
from bildungsdaten.validators.template import EXAMPLE
from bildungsdaten.vocab.columns import COLUMN_NAMES
from bildungsdaten.vocab.records import ProviderRecord

PROVIDER = ProviderRecord(slug="p", name="P")


def csv_of(*rows: dict[str, str]) -> bytes:
    """A CSV with every column; each row is the template example with some cells changed."""
    lines = [";".join(COLUMN_NAMES)]
    for n, changes in enumerate(rows):
        values = {**EXAMPLE, "termin_id": f"T{n}", **changes}
        lines.append(";".join(values.get(name, "") for name in COLUMN_NAMES))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def report_of(*rows: dict[str, str]) -> Report:
    return validate(csv_of(*rows)).report


def instance_of(**changes: str):  # type: ignore[no-untyped-def]
    result = validate(csv_of(changes), collect=True)
    assert result.report.flatten() == []
    return result.offers(PROVIDER)[0].instances[0]


@pytest.mark.parametrize("text,expected", [
    ("08.09.2025", date(2025, 9, 8)), ("8.9.2025", date(2025, 9, 8)),
    ("8.9.25", date(2025, 9, 8)), ("2025-09-08", date(2025, 9, 8)),
    ("45908", date(2025, 9, 8)), ("2025-09-08 00:00:00", date(2025, 9, 8)),
])
def test_dates(text: str, expected: date) -> None:
    assert instance_of(beginn_datum=text, ende_datum="").start_date == expected


@pytest.mark.parametrize("text", ["31.02.2025", "morgen", "2025/13/01", "08.09."])
def test_bad_dates_are_type_errors(text: str) -> None:
    assert report_of({"beginn_datum": text}).flatten() == [[2, "beginn_datum", "type-error"]]


@pytest.mark.parametrize("text,expected", [
    ("18:30", time(18, 30)), ("18.30", time(18, 30)), ("18.30 Uhr", time(18, 30)),
    ("18 Uhr", time(18)), ("9:05", time(9, 5)), ("18:30:00", time(18, 30)),
])
def test_times(text: str, expected: time) -> None:
    assert instance_of(uhrzeit_von=text, uhrzeit_bis="23:00").start_time == expected


@pytest.mark.parametrize("text", ["25:00", "abends", "18", "18:75"])
def test_bad_times_are_type_errors(text: str) -> None:
    assert report_of({"uhrzeit_von": text}).flatten() == [[2, "uhrzeit_von", "type-error"]]


@pytest.mark.parametrize("text,price,kind", [
    ("89,00", Decimal("89.00"), "betrag"), ("89 €", Decimal(89), "betrag"),
    ("1.250,00", Decimal("1250.00"), "betrag"), ("1.250", Decimal(1250), "betrag"),
    ("EUR 12,50", Decimal("12.50"), "betrag"), ("89,-", Decimal(89), "betrag"),
    ("kostenlos", Decimal(0), "kostenlos"), ("gebührenfrei", Decimal(0), "kostenlos"),
    ("0", Decimal(0), "kostenlos"), ("auf Anfrage", None, "auf_anfrage"),
])
def test_prices(text: str, price: Decimal | None, kind: str) -> None:
    instance = instance_of(preis=text)
    assert (instance.price, instance.price_kind) == (price, kind)


@pytest.mark.parametrize("text,price", [
    ("70,00 €", Decimal("70.00")), ("70 EUR", Decimal("70")), ("1.250,-", Decimal("1250")),
    ("62,30", Decimal("62.30")), ("kostenlos", Decimal(0)),
])
def test_reduced_price_reads_amounts_as_the_price_column_does(text: str,
                                                              price: Decimal) -> None:
    assert instance_of(preis=text.replace("kostenlos", "0"), preis_ermaessigt=text
                       ).reduced_price == price


def test_reduced_price_on_request_is_a_type_error() -> None:
    report = report_of({"preis_ermaessigt": "auf Anfrage"})
    assert report.flatten() == [[2, "preis_ermaessigt", "type-error"]]
    assert report.errors[0].message() == (
        "„auf Anfrage“ ist kein Preis (z. B. 62,30, 62,30 €, 1.250,00 oder kostenlos).")


def test_negative_price_is_a_constraint_error() -> None:
    assert report_of({"preis": "-5"}).flatten() == [[2, "preis", "constraint-error"]]


def test_unparseable_price_is_a_type_error() -> None:
    assert report_of({"preis": "89 Euro zzgl. Material"}).flatten() == [
        [2, "preis", "type-error"]]


@pytest.mark.parametrize("text,expected", [("ja", True), ("Nein", False), ("x", True),
                                           ("1", True), ("false", False)])
def test_booleans(text: str, expected: bool) -> None:
    assert instance_of(laufender_einstieg=text).rolling_entry is expected


def test_bad_boolean_is_a_type_error() -> None:
    assert report_of({"laufender_einstieg": "vielleicht"}).flatten() == [
        [2, "laufender_einstieg", "type-error"]]


def test_postal_code_leading_zero_restored() -> None:
    report = report_of({"plz": "1067", "ort": "Dresden", "gemeinde_ags": ""})
    assert report.flatten() == [[2, "plz", "out-of-district"]]
    result = validate(csv_of({"plz": "1067", "ort": "Dresden", "gemeinde_ags": ""}), collect=True)
    assert result.offers(PROVIDER)[0].instances[0].venue.postal_code == "01067"


def test_postal_code_with_letters_is_a_type_error() -> None:
    assert report_of({"plz": "6464x"}).flatten() == [[2, "plz", "type-error"]]


def test_ags_derived_from_postal_code_when_empty() -> None:
    assert instance_of(gemeinde_ags="", plz="64625", ort="Bensheim").venue.ags == "06431002"


def test_ags_outside_district_is_a_warning() -> None:
    report = report_of({"gemeinde_ags": "06411000"})
    assert report.flatten(["column", "code"]) == [["gemeinde_ags", "out-of-district"]]
    assert report.valid


@pytest.mark.parametrize("column,text", [("url", "kvhs-bergstrasse"), ("url", "ftp://x.de"),
                                         ("kontakt_email", "info(at)vhs.de"),
                                         ("kontakt_email", "info@vhs")])
def test_bad_urls_and_emails(column: str, text: str) -> None:
    assert report_of({column: text}).flatten() == [[2, column, "type-error"]]


def test_www_url_gets_https() -> None:
    result = validate(csv_of({"url": "www.vhs.de/kurs"}), collect=True)
    assert result.offers(PROVIDER)[0].url == "https://www.vhs.de/kurs"


def test_code_lists_accept_labels_synonyms_and_case() -> None:
    result = validate(csv_of({"lebensphase": "Erwachsene|SENIOREN", "lernform": "Präsenz",
                              "sprache": "Deutsch, Englisch", "wochentage": "Montag|mi"}),
                      collect=True)
    assert result.report.flatten() == []
    offer = result.offers(PROVIDER)[0]
    assert offer.life_phases == ["erwachsenenbildung", "senioren"]
    assert offer.languages == ["de", "en"]
    assert offer.instances[0].weekdays == ["Mo", "Mi"]
    assert offer.instances[0].mode == "praesenz"


def test_unknown_code_is_a_constraint_error_with_allowed_values() -> None:
    report = report_of({"lernform": "Kino"})
    assert report.flatten() == [[2, "lernform", "constraint-error"]]
    assert "Erlaubt: praesenz" in report.errors[0].message()


def test_text_longer_than_allowed() -> None:
    assert report_of({"titel": "x" * 201}).flatten() == [[2, "titel", "constraint-error"]]


def test_int_with_decimals_is_a_type_error() -> None:
    assert report_of({"anzahl_termine": "12,5"}).flatten() == [[2, "anzahl_termine", "type-error"]]


def test_german_decimals() -> None:
    assert instance_of(unterrichtseinheiten="12,5").teaching_units == Decimal("12.5")


def test_latitude_out_of_range() -> None:
    assert report_of({"lat": "149,6"}).flatten() == [[2, "lat", "constraint-error"]]


def test_start_date_not_needed_with_rolling_entry() -> None:
    assert report_of({"beginn_datum": "", "ende_datum": "", "laufender_einstieg": "ja"}
                     ).flatten() == []


def test_start_date_needed_otherwise() -> None:
    assert report_of({"beginn_datum": "", "ende_datum": ""}).flatten() == [
        [2, "beginn_datum", "required-error"]]


def test_address_needed_for_praesenz() -> None:
    assert report_of({"strasse": "", "plz": ""}).flatten() == [
        [2, "strasse", "required-error"], [2, "plz", "required-error"]]


def test_online_url_needed_for_online_live() -> None:
    assert report_of({"lernform": "online_live"}).flatten() == [
        [2, "online_url", "required-error"]]


def test_hybrid_without_online_url_is_a_warning_only() -> None:
    # offer-columns.md: the link is required "falls öffentlich"; hybrid courses often send it
    # to participants only.
    result = validate(csv_of({"lernform": "hybrid", "online_url": ""}), collect=True)
    assert result.report.flatten(["row", "column", "code", "severity"]) == [
        [2, "online_url", "recommended-missing", "warning"]]
    assert result.report.valid
    assert result.report.errors[0].message().startswith(
        "Für die Lernform „hybrid“ fehlt der Online-Zugang (online_url).")
    assert result.offers(PROVIDER)[0].instances[0].mode == "hybrid"


def test_azav_number_needed_with_bildungsgutschein() -> None:
    assert report_of({"foerderung": "Bildungsgutschein"}).flatten() == [
        [2, "azav_massnahmenummer", "required-error"]]


def test_end_time_before_start_time_on_one_day() -> None:
    assert report_of({"ende_datum": "", "uhrzeit_von": "20:00", "uhrzeit_bis": "18:00"}
                     ).flatten() == [[2, "uhrzeit_bis", "date-order-error"]]


def test_max_age_below_min_age() -> None:
    assert report_of({"alter_von": "16", "alter_bis": "12"}).flatten() == [
        [2, "alter_bis", "constraint-error"]]


def test_repeated_termin_id_is_unique_error() -> None:
    rows = [{"termin_id": "X"}, {"termin_id": "X"}]
    assert report_of(*rows).flatten() == [[3, "termin_id", "unique-error"]]


def test_same_start_date_without_termin_id_is_unique_error() -> None:
    rows = [{"termin_id": ""}, {"termin_id": ""}]
    assert report_of(*rows).flatten() == [[3, "beginn_datum", "unique-error"]]


def test_course_fields_must_agree_within_an_offer() -> None:
    report = report_of({}, {"niveau": "B1", "themenbereich": "Kultur"})
    assert report.flatten() == [[3, "themenbereich", "constraint-error"],
                                [3, "niveau", "constraint-error"]]


def test_course_fields_compare_typed_values() -> None:
    assert report_of({}, {"themenbereich": "Sprachen", "lernform": "Präsenz"}).flatten() == []


def test_instances_grouped_by_angebot_id_in_file_order() -> None:
    rows = [{"beginn_datum": "01.10.2025", "ende_datum": ""},
            {"angebot_id": "B", "ende_datum": ""},
            {"beginn_datum": "01.09.2025", "ende_datum": ""}]
    offers = validate(csv_of(*rows), collect=True).offers(PROVIDER)
    assert [o.angebot_id for o in offers] == [EXAMPLE["angebot_id"], "B"]
    assert [i.termin_id for i in offers[0].instances] == ["T0", "T2"]


def test_header_tolerant_of_case_spaces_umlauts_and_aliases() -> None:
    header = ["Angebot ID", "TITEL", "Beschreibung", "Lebens-Phase", "Träger", "Beginn",
              "Learning Mode", "Veranstaltungsort", "Strasse", "Postleitzahl", "Stadt", "Price*"]
    row = ["A", "T", "D", "alle", "KVHS", "08.09.2025", "praesenz", "Haus", "Weg 1", "64646",
           "Heppenheim", "5"]
    data = (";".join(header) + "\n" + ";".join(row) + "\n").encode()
    assert validate(data).report.flatten() == []


def test_header_problem_uses_the_providers_text() -> None:
    header = ["Angebot ID", "TITEL", "Beschreibung", "Lebensphase", "Anbieter", "Lernform",
              "Preis", "Beginn"]
    row = ["A", "T", "D", "alle", "KVHS", "online_selbstlern", "teuer", "08.09.2025"]
    data = (";".join(header) + "\n" + ";".join(row) + "\n").encode()
    # Problems follow the file's column order; columns absent from the file come last.
    assert validate(data).report.flatten() == [[2, "Preis", "type-error"],
                                              [2, "online_url", "required-error"]]


def test_errors_stop_after_one_thousand() -> None:
    rows = [{"preis": "teuer"}] * 1005
    report = report_of(*rows)
    assert len(report.errors) == 1000 and report.truncated
    assert report.stats["errors"] == 1005


def test_progress_is_reported() -> None:
    seen: list[int] = []
    validate(csv_of(*[{}] * 12000), progress=seen.append)
    assert seen == [5000, 10000, 12000]


def test_too_many_rows() -> None:
    from bildungsdaten.validators import Limits

    report = validate(csv_of({}, {}, {}), limits=Limits(max_rows=2)).report
    assert report.flatten() == [[None, None, "too-many-rows"]]
    assert report.stats["rows"] == 2
