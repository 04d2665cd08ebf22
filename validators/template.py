"""The upload template: CSV (UTF-8 with BOM, `;`, CRLF) and XLSX (with a sheet of values)."""
from __future__ import annotations

import csv
import io
from datetime import date, time

from bildungsdaten.vocab.codelists import codelist
from bildungsdaten.vocab.columns import COLUMN_NAMES, COLUMNS

# The example row of the reference (../shared/reference/offer-columns.md), one value a column.
EXAMPLE: dict[str, str] = {
    "angebot_id": "25H-10102",
    "termin_id": "25H-10102-A",
    "titel": "Englisch A2 – Auffrischung",
    "beschreibung": "Wir wiederholen Grundstrukturen und erweitern den Wortschatz für Alltag "
                    "und Reisen.",
    "schlagworte": "Englisch|Sprachen|Auffrischung",
    "url": "https://www.kvhs-bergstrasse.de/kurs/25H-10102",
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
    "beginn_datum": "08.09.2025",
    "ende_datum": "15.12.2025",
    "uhrzeit_von": "18:30",
    "uhrzeit_bis": "20:00",
    "wochentage": "Mo",
    "rhythmus": "woechentlich",
    "anzahl_termine": "12",
    "unterrichtseinheiten": "24",
    "termin_hinweis": "nicht am 03.10.",
    "laufender_einstieg": "nein",
    "anmeldeschluss": "01.09.2025",
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
    "stand": "20.06.2025",
}

_XLSX_DATES = {"beginn_datum": date(2025, 9, 8), "ende_datum": date(2025, 12, 15),
               "anmeldeschluss": date(2025, 9, 1), "stand": date(2025, 6, 20)}
_XLSX_TIMES = {"uhrzeit_von": time(18, 30), "uhrzeit_bis": time(20, 0)}


def example_row() -> list[str]:
    """The example row in column order."""
    return [EXAMPLE.get(name, "") for name in COLUMN_NAMES]


def template_csv() -> bytes:
    """Header plus example row: UTF-8 with BOM (Excel opens it right), `;`, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow(example_row())
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """Sheet "Angebote" (header, example row; PLZ/AGS as text, dates as date cells) and
    sheet "Werte" with the allowed values of every code list and their German labels."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Angebote"
    sheet.append(list(COLUMN_NAMES))
    row: list[object] = []
    for name in COLUMN_NAMES:
        row.append(_XLSX_DATES.get(name) or _XLSX_TIMES.get(name) or EXAMPLE.get(name, ""))
    sheet.append([v if v != "" else None for v in row])
    for position, name in enumerate(COLUMN_NAMES, start=1):
        sheet.cell(1, position).font = Font(bold=True)
        cell = sheet.cell(2, position)
        if name in _XLSX_DATES:
            cell.number_format = "DD.MM.YYYY"
        elif name in _XLSX_TIMES:
            cell.number_format = "HH:MM"
        elif isinstance(cell.value, str):
            cell.number_format = "@"  # text: keeps leading zeros of PLZ and AGS
    sheet.freeze_panes = "A2"
    values = book.create_sheet("Werte")
    values.append(["Spalte", "Wert", "Bezeichnung", "Mehrere Werte mit | trennen"])
    for position in range(1, 5):
        values.cell(1, position).font = Font(bold=True)
    for column in COLUMNS:
        if column.codelist is None:
            continue
        for concept in codelist(column.codelist).concepts:
            values.append([column.name, concept.code, concept.label_de,
                           "ja" if column.is_list else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
