"""iCalendar in, the pure part: hand-made Outlook and Google Calendar exports become the
template's rows, checked by the same validators; bad calendars get a German report."""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from bildungsdaten.validators import Limits, check_ics_default, validate
from bildungsdaten.validators.ics_rows import HEADER, read_calendar, venue

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
PRESETS = {"anbieter_name": "Familienbildung Bensheim", "lebensphase": "fruehe_kindheit",
           "preis": "kostenlos", "themenbereich": "familie_erziehung", "angebotsform": "kurs",
           "sprache": "de", "zielgruppe": "Eltern", "abschlussart": "keiner",
           "url": "https://familienbildung.example/kurse",
           "kontakt_email": "kurse@familienbildung.example", "barrierefrei_ort": "ja"}


def rows_of(name: str, defaults: dict[str, str] | None = None) -> list[dict[str, str]]:
    calendar = read_calendar((FIXTURES / name).read_bytes(), max_events=20_000,
                             defaults=defaults, today=date(2026, 1, 1))
    return [dict(zip(HEADER, cells, strict=True)) for _n, cells in calendar.rows[1:]]


def pick(row: dict[str, str], *names: str) -> tuple[str, ...]:
    return tuple(row[n] for n in names)


def test_outlook_export_windows_zone_series_override_and_grouping() -> None:
    rows = rows_of("outlook_export.ics")
    when = [pick(r, "beginn_datum", "uhrzeit_von", "uhrzeit_bis") for r in rows]
    # Weekly on Tuesdays, COUNT=6: 03.02. is an EXDATE, 27.01. moved to Wednesday 28.01.
    assert when[:5] == [("2026-01-13", "09:15", "10:30"), ("2026-01-20", "09:15", "10:30"),
                        ("2026-01-28", "09:15", "10:30"), ("2026-02-10", "09:15", "10:30"),
                        ("2026-02-17", "09:15", "10:30")]
    offers = [r["angebot_id"] for r in rows]
    # One series (its renamed override included); two appointments of one title; one more.
    assert len(set(offers[:5])) == 1 and offers[5] == offers[6] and len(set(offers)) == 3
    assert {r["titel"] for r in rows[:5]} == {"Eltern-Kind-Gruppe „Krabbelkäfer“"}
    assert len({r["termin_id"] for r in rows}) == len(rows)
    first = rows[0]
    assert first["beschreibung"].endswith("Bitte eine Decke und warme Socken mitbringen.")
    assert "6 bis 12 Monaten, singen, spielen" in first["beschreibung"]  # folded, escaped
    assert first["schlagworte"] == "Familie|Eltern"
    assert pick(first, "ort_name", "strasse", "plz", "ort") == (
        "Familienzentrum Bensheim, Gruppenraum 2", "Rodensteinstraße 25", "64625", "Bensheim")
    assert first["lernform"] == "praesenz"
    assert rows[-1]["status"] == "abgesagt" and rows[-1]["titel"] == "Erste Hilfe am Kind"
    # The moved date's own words stay with that date.
    assert "(Mittwoch!)" in rows[2]["termin_hinweis"]
    assert "Ausnahmsweise am Mittwoch." in rows[2]["termin_hinweis"]
    assert rows[0]["termin_hinweis"] == rows[6]["termin_hinweis"] == ""  # same words


def test_google_export_rrule_exdate_utc_all_day_and_online() -> None:
    rows = rows_of("google_export.ics")
    guitar = [r for r in rows if r["titel"].startswith("Gitarre")]
    assert [r["beginn_datum"] for r in guitar] == [
        "2026-03-02", "2026-03-09", "2026-03-23", "2026-03-30"]  # UNTIL, EXDATE 16.03.
    assert pick(guitar[-1], "uhrzeit_von", "uhrzeit_bis") == ("17:00", "18:00")  # after DST
    assert guitar[0]["url"] == "https://musikschule-lampertheim.example/kurse/gitarre-kinder"
    assert guitar[0]["schlagworte"] == "Musik|Gitarre"
    drums = next(r for r in rows if r["titel"] == "Trommel-Workshop")
    # 08:00Z in April is 10:00 in Berlin (CEST).
    assert pick(drums, "beginn_datum", "uhrzeit_von", "uhrzeit_bis") == (
        "2026-04-18", "10:00", "16:00")
    assert pick(drums, "lat", "lon") == ("49.597600", "8.472500")
    open_day = rows[-1]
    assert pick(open_day, "beginn_datum", "ende_datum", "uhrzeit_von") == (
        "2026-05-25", "2026-05-25", "")  # all day: DTEND is exclusive
    assert open_day["online_url"].endswith("/tag-der-offenen-tuer")
    assert open_day["lernform"] == "online_live"


def test_with_presets_both_exports_are_valid_offers() -> None:
    for name in ("outlook_export.ics", "google_export.ics"):
        result = validate((FIXTURES / name).read_bytes(), filename=name, defaults=PRESETS,
                          collect=True)
        assert result.valid, result.report.to_dict()
        assert result.report.stats["offers"] == 3


def test_missing_presets_are_reported_in_german_as_error_or_warning() -> None:
    report = validate((FIXTURES / "google_export.ics").read_bytes(), filename="kurse.ics",
                      defaults={"anbieter_name": "Musikschule"}).report.to_dict()
    assert not report["valid"]
    summary = {(e["column"], e["severity"]): e["message"] for e in report["errors"]
               if e["row"] is None}
    assert "Voreinstellung" in summary[("lebensphase", "error")]
    assert "(6 Termine ohne Wert)" in summary[("preis", "error")]
    assert ("themenbereich", "warning") in summary and ("sprache", "warning") in summary
    # The row checks of the CSV path report the same rows, at the event's place.
    places = {e.get("place") for e in report["errors"]
              if e["code"] == "required-error" and e["column"] == "lebensphase"}
    assert "VEVENT 2 (UID 7a6b5c4d3e2f1g0h@google.com)" in places


def test_address_presets_fill_only_events_without_an_address() -> None:
    presets = {**PRESETS, "ort_name": "Musikschule", "strasse": "Kaiserstraße 7", "plz": "68623",
               "ort": "Lampertheim", "lernform": "praesenz"}
    rows = rows_of("google_export.ics", presets)
    drums = next(r for r in rows if r["titel"] == "Trommel-Workshop")
    assert drums["strasse"] == "Ernst-Ludwig-Straße 12"  # its own address wins as a whole
    open_day = rows[-1]
    assert pick(open_day, "ort_name", "strasse", "lernform") == (
        "Musikschule", "Kaiserstraße 7", "praesenz")  # the preset mode beats the guess


def test_location_is_split_into_venue_cells() -> None:
    assert venue("Bürgerhaus Lorsch, Nibelungenstraße 36 a, D-64653 Lorsch, Deutschland") == {
        "ort_name": "Bürgerhaus Lorsch", "strasse": "Nibelungenstraße 36 a", "plz": "64653",
        "ort": "Lorsch"}
    assert venue("64646") == {"plz": "64646", "ort": "Heppenheim (Bergstraße)"}  # vocab
    assert venue("Raum 3") == {"ort_name": "Raum 3"}
    assert venue("https://meet.example/abc") == {"online_url": "https://meet.example/abc"}


def test_event_without_start_is_an_error_at_its_place() -> None:
    report = validate((FIXTURES / "no_start.ics").read_bytes(), filename="k.ics",
                      defaults=PRESETS).report.to_dict()
    errors = [e for e in report["errors"] if e["severity"] == "error"]
    assert [(e["place"], e["column"]) for e in errors] == [
        ("VEVENT 2 (UID no-start@example.org)", "beginn_datum")]
    assert "DTSTART fehlt" in errors[0]["message"]


def test_unknown_time_zone_is_an_error_at_its_place() -> None:
    report = validate((FIXTURES / "unknown_timezone.ics").read_bytes(), filename="k.ics",
                      defaults=PRESETS).report.to_dict()
    (error,) = [e for e in report["errors"] if e["severity"] == "error"]
    assert error["place"] == "VEVENT 1 (UID tz-1@example.org)"
    assert error["value"] == "Mitteleuropa/Bergstrasse"
    assert "Zeitzone „Mitteleuropa/Bergstrasse“ ist unbekannt" in error["message"]


def test_broken_and_false_calendars_are_named() -> None:
    cases = {"broken.ics": "ist beschädigt", "not_a_calendar.ics": "ist aber kein Kalender"}
    for name, words in cases.items():
        report = validate((FIXTURES / name).read_bytes(), filename=name).report.to_dict()
        assert not report["valid"] and words in report["errors"][0]["message"], name
    empty = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"
    report = validate(empty, filename="leer.ics").report.to_dict()
    assert "keinen Termin" in report["errors"][0]["message"]


def big_calendar(events: int) -> bytes:
    head = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\n"
    one = ("BEGIN:VEVENT\r\nUID:e{i}@example.org\r\nDTSTART:20260301T090000Z\r\n"
           "SUMMARY:Kurs {i}\r\nEND:VEVENT\r\n")
    return head + "".join(one.format(i=i) for i in range(events)).encode() + \
        b"END:VCALENDAR\r\n"


def test_100000_events_are_refused_quickly_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "riesig.ics"
    path.write_bytes(big_calendar(100_000))
    assert path.stat().st_size < Limits().max_bytes  # the event limit, not the size, refuses
    started = time.perf_counter()
    report = validate(path).report.to_dict()
    assert time.perf_counter() - started < 2
    assert [e["code"] for e in report["errors"]] == ["too-many-rows"]
    assert "100.000 Termine" in report["errors"][0]["message"]
    assert "höchstens 20.000" in report["errors"][0]["message"]


def test_dates_of_expanded_series_count_against_the_limit() -> None:
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:s@x\r\n"
            b"DTSTART:20260301T090000Z\r\nRRULE:FREQ=DAILY;COUNT=30\r\nSUMMARY:Kurs\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    report = validate(data, filename="s.ics", limits=Limits(max_events=20)).report.to_dict()
    assert [e["code"] for e in report["errors"]] == ["too-many-rows"]


def test_endless_series_is_cut_at_the_horizon_with_a_warning() -> None:
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:s@x\r\n"
            b"DTSTART;TZID=Europe/Berlin:20260105T190000\r\nRRULE:FREQ=WEEKLY\r\n"
            b"SUMMARY:Offener Chor\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    calendar = read_calendar(data, max_events=20_000, today=date(2026, 1, 1))
    assert 70 < len(calendar.rows) - 1 < 82  # weekly for about 18 months
    (warning,) = [e for e in calendar.errors if e.code == "ignored-element"]
    assert warning.value == "Offener Chor" and "übernommen wurden" in warning.message()


def test_floating_times_are_berlin_time() -> None:
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:f@x\r\n"
            b"DTSTART:20260701T180000\r\nDTEND:20260701T193000\r\nSUMMARY:Lesung\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    row = dict(zip(HEADER, read_calendar(data, max_events=10).rows[1][1], strict=True))
    assert pick(row, "beginn_datum", "uhrzeit_von", "uhrzeit_bis") == (
        "2026-07-01", "18:00", "19:30")


def test_presets_are_checked_like_upload_cells() -> None:
    assert check_ics_default("preis", "45,00") is None
    assert "kein Preis" in (check_ics_default("preis", "billig") or "")
    assert check_ics_default("lebensphase", "erwachsenenbildung|senioren") is None
    assert check_ics_default("lernform", "irgendwie") is not None


def one_event(*lines: str) -> bytes:
    body = "\r\n".join(("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:a@x",
                        "SUMMARY:Nähkurs", "DESCRIPTION:Nähen lernen.", *lines, "END:VEVENT",
                        "END:VCALENDAR"))
    return (body + "\r\n").encode()


def test_unreadable_values_and_rules_are_errors_at_their_place() -> None:
    cases = {"DTSTART:2026-13-45": "ungültigen Zeitpunkt oder eine ungültige Dauer",
             "DTSTART:20260301T100000\r\nRRULE:FREQ=SOMETIMES": "Wiederholungsregel"}
    for line, words in cases.items():
        report = validate(one_event(line), filename="k.ics", defaults=PRESETS).report.to_dict()
        errors = [e for e in report["errors"] if e["severity"] == "error"]
        assert [e["place"] for e in errors] == ["VEVENT 1 (UID a@x)"], line
        assert words in errors[0]["message"], line


def test_windows_1252_and_utf16_calendars_are_read() -> None:
    text = one_event("DTSTART:20260301T100000").decode()
    for data in (text.encode("cp1252"), text.encode("utf-16")):
        rows = read_calendar(data, max_events=5).rows
        assert rows[1][1][HEADER.index("titel")] == "Nähkurs"


def test_zones_by_iana_name_and_windows_name_without_vtimezone() -> None:
    cases = {"DTSTART;TZID=America/New_York:20260301T120000": ("2026-03-01", "18:00"),
             'DTSTART;TZID="W. Europe Standard Time":20260701T120000': ("2026-07-01", "12:00"),
             "DTSTART:20260701T120000Z": ("2026-07-01", "14:00")}
    for line, expected in cases.items():
        row = dict(zip(HEADER, read_calendar(one_event(line), max_events=5).rows[1][1],
                       strict=True))
        assert pick(row, "beginn_datum", "uhrzeit_von") == expected, line
