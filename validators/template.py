"""The upload template: CSV (UTF-8 with BOM, `;`, CRLF) and XLSX (drop-downs for code lists,
required columns marked, a legend and a sheet of values); the example row is dated from today."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, time, timedelta
from typing import Any

from bildungsdaten.vocab.codelists import codelist
from bildungsdaten.vocab.columns import COLUMN_NAMES, COLUMNS

from .rows import ADDRESS_MODES, AZAV_FUNDING, ONLINE_MAYBE_PRIVATE_MODES, ONLINE_MODES

# The example row of the reference (../shared/reference/offer-columns.md), one value a column;
# its dates (and the course number's term) are set relative to the day the template is made.
_EXAMPLE_TEXT: dict[str, str] = {
    "titel": "Englisch A2 – Auffrischung",
    "beschreibung": "Wir wiederholen Grundstrukturen und erweitern den Wortschatz für Alltag "
                    "und Reisen.",
    "schlagworte": "Englisch|Sprachen|Auffrischung",
    "bild_url": "",
    "lebensphase": "erwachsenenbildung",
    "themenbereich": "sprachen",
    "angebotsform": "kurs",
    "kursnet_systematik": "",
    "anbieter_name": "Kreisvolkshochschule Bergstraße",
    "anbieter_typ": "vhs",
    "anbieter_url": "https://www.kvhs-bergstrasse.de",
    "kontakt_email": "info@example.org",
    "kontakt_telefon": "06252 12345",
    "uhrzeit_von": "18:30",
    "uhrzeit_bis": "20:00",
    "wochentage": "Mo",
    "rhythmus": "woechentlich",
    "anzahl_termine": "12",
    "unterrichtseinheiten": "24",
    "laufender_einstieg": "nein",
    "status": "geplant",
    "lernform": "praesenz",
    "zeitform": "abends",
    "ort_name": "vhs-Haus Heppenheim, Raum 3",
    "strasse": "Beispielstraße 1",
    "plz": "64646",
    "ort": "Heppenheim (Bergstraße)",
    "gemeinde_ags": "06431011",
    "lat": "49,6407",
    "lon": "8,6367",
    "online_url": "",
    "barrierefrei_ort": "teilweise",
    "barriere_merkmale": "aufzug|induktive_hoeranlage",
    "barrierefreiheit_hinweis": "Aufzug vorhanden, Gebärdensprachdolmetschung auf Anfrage",
    "zielgruppe": "Erwachsene mit Vorkenntnissen",
    "zielgruppe_codes": "erwachsene",
    "alter_von": "16",
    "alter_bis": "",
    "niveau": "A2",
    "sprache": "de|en",
    "voraussetzungen": "Grundkenntnisse (A1)",
    "teilnehmende_min": "6",
    "teilnehmende_max": "14",
    "preis": "89,00",
    "preis_ermaessigt": "62,30",
    "preis_hinweis": "zzgl. 15 € Lehrbuch",
    "foerderung": "bildungsurlaub_hessen",
    "azav_massnahmenummer": "",
    "foerderung_hinweis": "als Bildungsurlaub nach HBUG anerkannt",
    "abschlussart": "teilnahmebescheinigung",
    "abschluss_bezeichnung": "telc English A2",
    "pruefende_stelle": "",
    "ects": "",
}
_TIMES = {"uhrzeit_von": time(18, 30), "uhrzeit_bis": time(20, 0)}


def example_dates(today: date) -> dict[str, date]:
    """The example's dates: a Monday four to five weeks ahead, 14 weeks long, registration
    a week before, "stand" today."""
    start = today + timedelta(days=28 + (7 - today.weekday()) % 7)
    return {"beginn_datum": start, "ende_datum": start + timedelta(weeks=14),
            "anmeldeschluss": start - timedelta(days=7), "stand": today}


def example_values(today: date | None = None) -> dict[str, str]:
    """The example row as texts, dated relative to `today` (default: the current day)."""
    dates = example_dates(today or date.today())
    start = dates["beginn_datum"]
    # A vhs course number: two-digit year and term (F spring, H autumn, into January).
    term_year = start.year - 1 if start.month == 1 else start.year
    course = f"{term_year % 100:02d}{'F' if 2 <= start.month <= 7 else 'H'}-10102"
    return {
        "angebot_id": course, "termin_id": f"{course}-A",
        "url": f"https://www.kvhs-bergstrasse.de/kurs/{course}",
        **_EXAMPLE_TEXT,
        **{name: f"{day:%d.%m.%Y}" for name, day in dates.items()},
        "termin_hinweis": f"nicht am {start + timedelta(weeks=3):%d.%m.}",
    }


# The example as the module was imported (tests and benchmarks build rows from it).
EXAMPLE: dict[str, str] = example_values()


def example_row(today: date | None = None) -> list[str]:
    """The example row in column order."""
    values = example_values(today)
    return [values.get(name, "") for name in COLUMN_NAMES]


def template_csv(today: date | None = None, rows: Iterable[Sequence[str]] | None = None
                 ) -> bytes:
    """Header plus example row, or plus `rows` (texts in column order, e.g. a provider's
    current offers): UTF-8 with BOM (Excel opens it right), `;`, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerows([example_row(today)] if rows is None else rows)
    return buffer.getvalue().encode("utf-8-sig")


# What the required marks and the legend say per requirement of the reference.
REQUIREMENT_TEXT = {"P": "Pflicht", "B": "Bedingt Pflicht", "E": "Empfohlen", "O": "Optional"}
_HEADER_FILL = {"P": "1F4E79", "B": "9DC3E6"}  # dark blue: required; light blue: conditional
_HEADER_FONT = {"P": "FFFFFF", "B": "000000"}


def conditions() -> dict[str, str]:
    """When a conditional (B) column is required, from the rules the validator applies."""
    address = ", ".join(sorted(ADDRESS_MODES))
    online = " oder ".join(sorted(ONLINE_MODES))
    hybrid = " oder ".join(sorted(ONLINE_MAYBE_PRIVATE_MODES))
    return {
        "beginn_datum": "Pflicht, außer laufender_einstieg = ja.",
        **{name: f"Pflicht bei Lernform {address}." for name in
           ("ort_name", "strasse", "plz", "ort")},
        "online_url": (f"Pflicht bei Lernform {online}; bei {hybrid} Pflicht, falls der Link "
                       "öffentlich ist (sonst nur eine Warnung)."),
        "azav_massnahmenummer": ("Pflicht bei Förderung "
                                 + " oder ".join(sorted(AZAV_FUNDING)) + "."),
    }


def template_xlsx(today: date | None = None, rows: Iterable[Sequence[str]] | None = None
                  ) -> bytes:
    """Sheet "Angebote": header (required columns marked by colour and a comment), an example
    row dated relative to `today` (PLZ/AGS as text, dates as date cells) and drop-down lists
    for the code-list columns; sheet "Legende": every column with letter, requirement and
    condition; sheet "Werte": the allowed values of every code list with German labels.

    With `rows` (texts in column order, as template_csv writes them) these replace the
    example row, every cell a text cell: the file re-imports exactly as written (but for
    control characters, which XLSX cannot hold)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    dates = example_dates(today or date.today())
    example = example_values(today)
    when = conditions()
    book = Workbook()
    sheet = book.active
    sheet.title = "Angebote"
    sheet.append(list(COLUMN_NAMES))
    if rows is None:
        sheet.append([dates.get(name) or _TIMES.get(name) or example.get(name) or None
                      for name in COLUMN_NAMES])
    else:
        _append_texts(sheet, rows)
    for position, column in enumerate(COLUMNS, start=1):
        head = sheet.cell(1, position)
        mark = column.requirement
        head.font = Font(bold=True, color=_HEADER_FONT.get(mark))
        if mark in _HEADER_FILL:
            head.fill = PatternFill("solid", fgColor=_HEADER_FILL[mark])
            note = (f"{REQUIREMENT_TEXT[mark]}: "
                    + ("in jeder Zeile ausfüllen." if mark == "P" else when[column.name])
                    + " Siehe Blatt „Legende“.")
            head.comment = Comment(note, "Bildungsdaten-Hub", width=260, height=90)
        cell = sheet.cell(2, position)
        if rows is not None:
            continue
        if column.name in dates:
            cell.number_format = "DD.MM.YYYY"
        elif column.name in _TIMES:
            cell.number_format = "HH:MM"
        elif isinstance(cell.value, str):
            cell.number_format = "@"  # text: keeps leading zeros of PLZ and AGS
    sheet.freeze_panes = "A2"
    values = book.create_sheet("Werte")
    values.append(["Spalte", "Wert", "Bezeichnung", "Mehrere Werte mit | trennen"])
    for position in range(1, 5):
        values.cell(1, position).font = Font(bold=True)
    for position, column in enumerate(COLUMNS, start=1):
        if column.codelist is None:
            continue
        first = values.max_row + 1
        for concept in codelist(column.codelist).concepts:
            values.append([column.name, concept.code, concept.label_de,
                           "ja" if column.is_list else ""])
        letter = get_column_letter(position)
        # A warning, not a stop: the validator also reads labels and synonyms, and list
        # columns take several codes joined by |.
        listing = DataValidation(
            type="list", formula1=f"=Werte!$B${first}:$B${values.max_row}", allow_blank=True,
            errorStyle="warning", showErrorMessage=True, showInputMessage=True,
            errorTitle="Wert nicht in der Liste",
            error=("Bitte einen Wert aus der Liste wählen (Blatt „Werte“)"
                   + ("; mehrere mit | trennen." if column.is_list else ".")),
            promptTitle=column.label_de[:32], prompt=("Auswahl aus der Liste"
                                                    + (", mehrere mit |" if column.is_list
                                                       else "")))
        listing.add(f"{letter}2:{letter}{MAX_TEMPLATE_ROW}")
        sheet.add_data_validation(listing)
    _legend(book.create_sheet("Legende", 1), when)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append_texts(sheet: Any, rows: Iterable[Sequence[str]]) -> None:
    """Rows of texts as text cells; empty texts stay empty cells. Control characters that
    XML (and so XLSX) cannot hold are left out (the CSV keeps them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for number, row in enumerate(rows, start=2):
        for position, text in enumerate(row, start=1):
            if text == "":
                continue
            cell = sheet.cell(number, position)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
            # openpyxl would store a text starting with "=" as a formula; it is text here.
            cell.data_type = "s"
            cell.number_format = "@"


MAX_TEMPLATE_ROW = 100_001  # the drop-downs reach as far as an upload may (header + rows)


def _legend(legend: Any, when: dict[str, str]) -> None:
    """One row per column: letter, name, label, requirement, condition, drop-down."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    legend.append(["Dunkelblaue Überschrift: Pflichtspalte (in jeder Zeile ausfüllen). "
                   "Hellblau: bedingt Pflicht (siehe Bedingung). Spalten mit Auswahlliste "
                   "bieten die erlaubten Werte an (Blatt „Werte“)."])
    legend.append(["Spalte", "Name", "Bezeichnung", "Angabe", "Bedingung", "Auswahlliste"])
    for position in range(1, 7):
        legend.cell(2, position).font = Font(bold=True)
    for position, column in enumerate(COLUMNS, start=1):
        legend.append([get_column_letter(position), column.name, column.label_de,
                       REQUIREMENT_TEXT[column.requirement], when.get(column.name, ""),
                       "ja" if column.codelist else ""])
        if column.requirement in _HEADER_FILL:
            name = legend.cell(legend.max_row, 2)
            name.fill = PatternFill("solid", fgColor=_HEADER_FILL[column.requirement])
            name.font = Font(bold=True, color=_HEADER_FONT[column.requirement])
