"""The one message catalogue of the validators: German first, English second.

Keys are an error code, optionally refined by a detail (``type-error.date``). Templates use
``str.format`` fields filled from the error's params (``{value}``, ``{column}``, …).
"""
from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # file level
    "encoding-error": (
        "Die Zeile enthält Zeichen, die nicht als UTF-8 lesbar sind (gemischte Kodierung). "
        "Bitte die Datei als „CSV UTF-8“ speichern.",
        "The row contains characters that are not valid UTF-8 (mixed encoding). "
        "Please save the file as “CSV UTF-8”."),
    "unsupported-format": (
        "Dieses Dateiformat wird nicht unterstützt. Bitte laden Sie eine CSV- oder XLSX-Datei "
        "hoch (Vorlage auf der Upload-Seite).",
        "This file format is not supported. Please upload a CSV or XLSX file "
        "(template on the upload page)."),
    "unsupported-format.empty": (
        "Die Datei ist leer (0 Byte). Bitte die Datei mit Kopfzeile und Angeboten hochladen.",
        "The file is empty (0 bytes). Please upload the file with a header row and offers."),
    "unsupported-format.no-header": (
        "Die Datei enthält keine Kopfzeile und keine Daten.",
        "The file contains no header row and no data."),
    "unsupported-format.pdf": (
        "Das ist eine PDF-Datei. Bitte die Angebote als CSV oder Excel-Datei (.xlsx) "
        "exportieren; die Vorlage hilft dabei.",
        "This is a PDF file. Please export the offers as CSV or Excel (.xlsx); "
        "the template helps."),
    "unsupported-format.docx": (
        "Das ist ein Word-Dokument. Bitte die Angebote in die Vorlage (CSV oder .xlsx) "
        "übertragen.",
        "This is a Word document. Please copy the offers into the template (CSV or .xlsx)."),
    "unsupported-format.xls": (
        "Das ist eine alte Excel- oder Office-Datei (.xls/.doc). Bitte in Excel „Speichern unter“ "
        "→ „Excel-Arbeitsmappe (.xlsx)“ oder „CSV UTF-8“ wählen.",
        "This is an old Excel or Office file (.xls/.doc). Please use “Save as” → "
        "“Excel workbook (.xlsx)” or “CSV UTF-8”."),
    "unsupported-format.ods": (
        "Das ist eine OpenDocument-Datei. Bitte in LibreOffice als .xlsx oder CSV speichern.",
        "This is an OpenDocument file. Please save it in LibreOffice as .xlsx or CSV."),
    "unsupported-format.image": (
        "Das ist eine Bilddatei. Bitte die Angebote als CSV oder .xlsx hochladen.",
        "This is an image file. Please upload the offers as CSV or .xlsx."),
    "unsupported-format.zip": (
        "Das ist ein ZIP-Archiv, aber keine Excel-Arbeitsmappe. Bitte die CSV- oder XLSX-Datei "
        "selbst hochladen.",
        "This is a ZIP archive but no Excel workbook. Please upload the CSV or XLSX file itself."),
    "unsupported-format.xlsx-broken": (
        "Die Excel-Datei ist beschädigt oder kann nicht gelesen werden ({detail}).",
        "The Excel file is damaged or cannot be read ({detail})."),
    "unsupported-format.binary": (
        "Die Datei ist keine Textdatei (sie enthält Binärdaten). Bitte als CSV oder .xlsx "
        "speichern.",
        "The file is not a text file (it contains binary data). Please save it as CSV or .xlsx."),
    "unsupported-format.markup": (
        "Das ist eine HTML- oder XML-Datei. Bitte als CSV oder .xlsx speichern.",
        "This is an HTML or XML file. Please save it as CSV or .xlsx."),
    "unsupported-format.csv-broken": (
        "Die CSV-Datei ist ab hier nicht lesbar ({detail}); vermutlich fehlt ein schließendes "
        "Anführungszeichen.",
        "The CSV file cannot be read from here on ({detail}); probably a closing quote "
        "is missing."),
    "unsupported-format.csv-binary": (
        "Ab dieser Zeile enthält die Datei Binärdaten (NUL-Bytes) und kann nicht weiter gelesen "
        "werden. Bitte die Datei neu als CSV exportieren.",
        "From this row on the file contains binary data (NUL bytes) and cannot be read further. "
        "Please export the file as CSV again."),
    "survey-export": (
        "Das ist ein Export einer Umfrage, keine Angebotsdatei. Umfragedaten gehören nicht in "
        "den Angebots-Upload; die Datei wird nicht gespeichert.",
        "This is a survey export, not an offers file. Survey data does not belong in the offers "
        "upload; the file is not kept."),
    "survey-export.responses": (
        "Das ist ein Antwortexport einer Umfrage (LimeSurvey: Spalten wie „submitdate“, "
        "„lastpage“ oder Fragecodes wie „Q2[SQ001]“), keine Angebotsdatei. Die Antworten sind "
        "personenbezogen und gehören nicht in den Angebots-Upload; die Datei wird nicht "
        "gespeichert. Für Angebote bitte die Vorlage der Upload-Seite verwenden.",
        "This is a survey responses export (LimeSurvey: columns such as “submitdate”, "
        "“lastpage” or question codes such as “Q2[SQ001]”), not an offers file. The responses "
        "are personal data and do not belong in the offers upload; the file is not kept. "
        "For offers please use the template of the upload page."),
    "survey-export.structure": (
        "Das ist die Struktur einer LimeSurvey-Umfrage (.lss), keine Angebotsdatei; die Datei "
        "wird nicht gespeichert. Für Angebote bitte die Vorlage der Upload-Seite verwenden.",
        "This is the structure of a LimeSurvey survey (.lss), not an offers file; the file is "
        "not kept. For offers please use the template of the upload page."),
    "survey-export.archive": (
        "Das ist ein LimeSurvey-Umfragearchiv (.lsa, mit Struktur und Antworten), keine "
        "Angebotsdatei. Die Antworten sind personenbezogen und gehören nicht in den "
        "Angebots-Upload; die Datei wird nicht gespeichert.",
        "This is a LimeSurvey survey archive (.lsa, with structure and responses), not an "
        "offers file. The responses are personal data and do not belong in the offers upload; "
        "the file is not kept."),
    "unsupported-format.xml-broken": (
        "Die XML-Datei ist nicht wohlgeformt und kann nicht gelesen werden ({detail}).",
        "The XML file is not well-formed and cannot be read ({detail})."),
    "unsupported-format.xml-forbidden": (
        "Die XML-Datei enthält eine DTD, Entitäten oder externe Verweise ({detail}). Aus "
        "Sicherheitsgründen (XML-Bombe, XXE) werden solche Dateien nicht gelesen; bitte als "
        "open-Qcat ohne DOCTYPE exportieren.",
        "The XML file contains a DTD, entities or external references ({detail}). For "
        "security (XML bomb, XXE) such files are not read; please export open-Qcat without "
        "a DOCTYPE."),
    "unsupported-format.not-openqcat": (
        "Diese XML-Datei ist kein open-Qcat-Katalog (Wurzelelement <{detail}>, erwartet "
        "<OPENQCAT>). Bitte open-Qcat (KURSNET), CSV oder .xlsx hochladen.",
        "This XML file is no open-Qcat catalogue (root element <{detail}>, expected "
        "<OPENQCAT>). Please upload open-Qcat (KURSNET), CSV or .xlsx."),
    "unsupported-format.ics-broken": (
        "Die Kalenderdatei (iCalendar, .ics) ist beschädigt und kann nicht gelesen werden "
        "({detail}). Bitte den Kalender erneut exportieren.",
        "The calendar file (iCalendar, .ics) is damaged and cannot be read ({detail}). Please "
        "export the calendar again."),
    "unsupported-format.not-ics": (
        "Die Datei heißt .ics, ist aber kein Kalender (sie beginnt nicht mit BEGIN:VCALENDAR). "
        "Bitte den Kalender als iCalendar-Datei exportieren oder CSV/.xlsx hochladen.",
        "The file is named .ics but is no calendar (it does not start with BEGIN:VCALENDAR). "
        "Please export the calendar as an iCalendar file or upload CSV/.xlsx."),
    "unsupported-format.ics-empty": (
        "Die Kalenderdatei enthält keinen Termin (VEVENT). Eine leere Lieferung würde alle "
        "Angebote löschen; sie wird nicht übernommen.",
        "The calendar file holds no event (VEVENT). An empty delivery would delete every "
        "offer; it is not taken."),
    "file-too-large": (
        "Die Datei ist zu groß ({size} Byte; erlaubt sind {limit} Byte).",
        "The file is too large ({size} bytes; the limit is {limit} bytes)."),
    "file-too-large.inflated": (
        "Die Excel-Datei ist entpackt zu groß ({size} Byte; erlaubt sind {limit} Byte).",
        "The Excel file is too large when unpacked ({size} bytes; the limit is {limit} bytes)."),
    "file-too-large.strings": (
        "Die Texte der Excel-Datei (sharedStrings.xml) sind entpackt zu groß ({size} Byte; "
        "erlaubt sind {limit} Byte).",
        "The texts of the Excel file (sharedStrings.xml) are too large when unpacked "
        "({size} bytes; the limit is {limit} bytes)."),
    "file-too-large.part": (
        "Der Teil „{part}“ der Excel-Datei ist entpackt zu groß ({size} Byte; erlaubt sind "
        "{limit} Byte).",
        "The part “{part}” of the Excel file is too large when unpacked ({size} bytes; "
        "the limit is {limit} bytes)."),
    "too-many-rows.ics": (
        "Die Kalenderdatei enthält {count} Termine; angenommen werden höchstens {limit}. Die "
        "Datei wird nicht gelesen; bitte einen kürzeren Zeitraum exportieren oder aufteilen.",
        "The calendar file holds {count} events; at most {limit} are accepted. The file is not "
        "read; please export a shorter period or split it."),
    "too-many-cells": (
        "Die Datei hat mehr Zellen, als eine Angebotstabelle haben kann (höchstens {limit}).",
        "The file has more cells than an offers table can have (at most {limit})."),
    "too-many-cells.xml": (
        "Die XML-Datei hat mehr als {limit} Elemente; so viele hat kein open-Qcat-Katalog "
        "(KURSNETs Export: etwa 100 je Angebot). Die Datei wird nicht gelesen; bitte aufteilen.",
        "The XML file has more than {limit} elements; no open-Qcat catalogue has that many "
        "(KURSNET's export: about 100 per offer). The file is not read; please split it."),
    "too-many-cells.row": (
        "Die Zeile hat mehr als {limit} Zellen (mehr Spalten, als Excel kennt); die Datei wird "
        "ab hier nicht gelesen. Bitte das Trennzeichen und die Datei prüfen.",
        "The row has more than {limit} cells (more columns than Excel has); the file is not "
        "read from here on. Please check the delimiter and the file."),
    "too-many-cells.sheet": (
        "Das Tabellenblatt „{sheet}“ hat mehr als {limit} Zellen; so viele kann keine "
        "Angebotsdatei brauchen. Bitte leere Zeilen und Spalten löschen oder die Datei aufteilen.",
        "The sheet “{sheet}” has more than {limit} cells; no offers file needs that many. "
        "Please delete empty rows and columns or split the file."),
    "too-many-cells.rows": (
        "Das Tabellenblatt reicht über Zeile {limit} hinaus (mehr Zeilen, als Excel kennt).",
        "The sheet goes beyond row {limit} (more rows than Excel has)."),
    "too-many-cells.strings": (
        "Die Excel-Datei enthält mehr als {limit} verschiedene Texte (sharedStrings.xml); so "
        "viele kann keine Angebotsdatei brauchen.",
        "The Excel file contains more than {limit} distinct texts (sharedStrings.xml); no "
        "offers file needs that many."),
    "too-many-rows": (
        "Die Datei hat mehr als {limit} Datenzeilen; bitte in mehrere Dateien aufteilen.",
        "The file has more than {limit} data rows; please split it into several files."),
    # header
    "blank-label": (
        "Die Spalte Nr. {position} hat keine Überschrift.",
        "Column no. {position} has no header."),
    "duplicate-label": (
        "Die Spalte „{column}“ kommt doppelt vor (schon in Spalte Nr. {first}); "
        "die zweite wird nicht gelesen.",
        "The column “{column}” appears twice (first in column no. {first}); "
        "the second is not read."),
    "missing-label": (
        "Die Pflichtspalte „{name}“ fehlt.",
        "The required column “{name}” is missing."),
    "extra-label": (
        "Die Spalte „{column}“ ist unbekannt und wird nicht übernommen.",
        "The column “{column}” is unknown and is not imported."),
    # rows and cells
    "blank-row": (
        "Leere Zeile; sie wird übersprungen.",
        "Blank row; it is skipped."),
    "missing-cell": (
        "Die Zeile endet vor der Spalte „{column}“.",
        "The row ends before the column “{column}”."),
    "extra-cell": (
        "Die Zeile hat mehr Zellen als die Kopfzeile (Spalte Nr. {position}).",
        "The row has more cells than the header (column no. {position})."),
    "required-error": (
        "„{column}“ muss ausgefüllt sein.",
        "“{column}” must be filled in."),
    "required-error.start-date": (
        "Beginn fehlt: bitte ein Datum angeben oder „laufender_einstieg“ auf „ja“ setzen.",
        "Start date missing: give a date or set “laufender_einstieg” to “ja”."),
    "required-error.address": (
        "Für die Lernform „{mode}“ ist „{column}“ (Adresse des Veranstaltungsorts) Pflicht.",
        "For the learning mode “{mode}” “{column}” (venue address) is required."),
    "required-error.online-url": (
        "Für die Lernform „{mode}“ ist ein Online-Zugang (online_url) Pflicht.",
        "For the learning mode “{mode}” an online URL (online_url) is required."),
    "required-error.ics-start": (
        "Der Termin hat keinen Beginn (DTSTART fehlt) und kann nicht übernommen werden.",
        "The event has no start (DTSTART is missing) and cannot be taken."),
    "required-error.ics-default": (
        "„{column}“ steht in keinem Kalendereintrag und ist nicht als Voreinstellung des "
        "Anbieters gesetzt ({count} Termine ohne Wert). Bitte auf der Upload-Seite unter "
        "„Voreinstellungen für Kalender-Dateien“ festlegen.",
        "“{column}” is in no calendar entry and not set as the provider's default ({count} "
        "dates without a value). Please set it on the upload page under the calendar "
        "defaults."),
    "recommended-missing.ics-default": (
        "„{column}“ steht in keinem Kalendereintrag und ist nicht als Voreinstellung des "
        "Anbieters gesetzt ({count} Termine ohne Wert); bitte möglichst unter "
        "„Voreinstellungen für Kalender-Dateien“ ergänzen.",
        "“{column}” is in no calendar entry and not set as the provider's default ({count} "
        "dates without a value); please add it under the calendar defaults if possible."),
    "type-error.ics-timezone": (
        "Die Zeitzone „{value}“ ist unbekannt: weder ein IANA-Name wie Europe/Berlin noch ein "
        "Windows-Name wie „W. Europe Standard Time“, und die Datei beschreibt sie nicht "
        "(VTIMEZONE). Der Termin kann zeitlich nicht eingeordnet werden.",
        "The time zone “{value}” is unknown: neither an IANA name such as Europe/Berlin nor a "
        "Windows name such as “W. Europe Standard Time”, and the file does not describe it "
        "(VTIMEZONE). The event cannot be placed in time."),
    "type-error.ics-value": (
        "Der Termin hat einen ungültigen Zeitpunkt oder eine ungültige Dauer ({value}).",
        "The event has an invalid time or duration ({value})."),
    "type-error.ics-rrule": (
        "Die Wiederholungsregel der Serie kann nicht gelesen werden ({value}).",
        "The series' recurrence rule cannot be read ({value})."),
    "recommended-missing": (
        "„{column}“ ist leer; bitte ausfüllen, wenn möglich.",
        "“{column}” is empty; please fill it in if possible."),
    "recommended-missing.online-url": (
        "Für die Lernform „{mode}“ fehlt der Online-Zugang (online_url). Ist der Link "
        "öffentlich, bitte angeben; wird er nur an Teilnehmende verschickt, darf die Zelle leer "
        "bleiben.",
        "For the learning mode “{mode}” the online URL (online_url) is missing. If the link is "
        "public, please give it; if it is sent to participants only, the cell may stay empty."),
    "required-error.azav": (
        "Mit der Förderung „{funding}“ ist die AZAV-Maßnahmenummer Pflicht.",
        "With the funding “{funding}” the AZAV measure number is required."),
    "type-error": (
        "„{value}“ ist kein gültiger Wert.",
        "“{value}” is not a valid value."),
    "type-error.date": (
        "„{value}“ ist kein gültiges Datum (z. B. 08.09.2025 oder 2025-09-08).",
        "“{value}” is not a valid date (e.g. 08.09.2025 or 2025-09-08)."),
    "type-error.time": (
        "„{value}“ ist keine gültige Uhrzeit (z. B. 18:30, 18.30 Uhr oder 19 Uhr).",
        "“{value}” is not a valid time (e.g. 18:30, 18.30 Uhr or 19 Uhr)."),
    "type-error.int": (
        "„{value}“ ist keine ganze Zahl.",
        "“{value}” is not a whole number."),
    "type-error.decimal": (
        "„{value}“ ist keine Zahl (z. B. 24 oder 12,5).",
        "“{value}” is not a number (e.g. 24 or 12,5)."),
    "type-error.price": (
        "„{value}“ ist kein Preis (z. B. 89,00, 89 €, 1.250,00, kostenlos oder auf Anfrage).",
        "“{value}” is not a price (e.g. 89,00, 89 €, 1.250,00, kostenlos or auf Anfrage)."),
    "type-error.reduced-price": (
        "„{value}“ ist kein Preis (z. B. 62,30, 62,30 €, 1.250,00 oder kostenlos).",
        "“{value}” is not a price (e.g. 62,30, 62,30 €, 1.250,00 or kostenlos)."),
    "type-error.bool": (
        "„{value}“ ist weder „ja“ noch „nein“.",
        "“{value}” is neither “ja” nor “nein”."),
    "type-error.url": (
        "„{value}“ ist keine gültige Internetadresse (beginnt mit https://).",
        "“{value}” is not a valid web address (starts with https://)."),
    "type-error.email": (
        "„{value}“ ist keine gültige E-Mail-Adresse.",
        "“{value}” is not a valid e-mail address."),
    "type-error.postal_code": (
        "„{value}“ ist keine Postleitzahl (5 Ziffern).",
        "“{value}” is not a postal code (5 digits)."),
    "type-error.ags": (
        "„{value}“ ist kein Gemeindeschlüssel (8 Ziffern, z. B. 06431011).",
        "“{value}” is not a municipality key (8 digits, e.g. 06431011)."),
    "type-error.phone": (
        "„{value}“ ist keine Telefonnummer.",
        "“{value}” is not a telephone number."),
    "constraint-error": (
        "„{value}“ ist hier nicht zulässig.",
        "“{value}” is not allowed here."),
    "constraint-error.code": (
        "„{value}“ ist kein zulässiger Wert für „{column}“.{hint}",
        "“{value}” is not an allowed value for “{column}”.{hint}"),
    "constraint-error.max-length": (
        "Der Text ist {length} Zeichen lang; erlaubt sind höchstens {limit}.",
        "The text is {length} characters long; at most {limit} are allowed."),
    "constraint-error.minimum": (
        "„{value}“ ist zu klein (mindestens {limit}).",
        "“{value}” is too small (at least {limit})."),
    "constraint-error.range": (
        "„{value}“ liegt außerhalb des gültigen Bereichs ({low} bis {high}).",
        "“{value}” is outside the valid range ({low} to {high})."),
    "constraint-error.min-max": (
        "„{column}“ ist kleiner als „{other}“.",
        "“{column}” is less than “{other}”."),
    "constraint-error.course-differs": (
        "Dasselbe Angebot „{angebot_id}“ hat in Zeile {first} einen anderen Wert für „{column}“ "
        "(„{first_value}“). Angaben zum Kurs müssen in allen Zeilen eines Angebots gleich sein.",
        "The same offer “{angebot_id}” has a different “{column}” in row {first} "
        "(“{first_value}”). Course details must be equal in all rows of an offer."),
    "unique-error": (
        "Der Termin „{key}“ des Angebots „{angebot_id}“ steht schon in Zeile {first}.",
        "The session “{key}” of offer “{angebot_id}” is already in row {first}."),
    "date-order-error": (
        "Das Ende ({value}) liegt vor dem Beginn ({start}).",
        "The end ({value}) is before the start ({start})."),
    "date-order-error.time": (
        "Die Endzeit ({value}) liegt vor der Anfangszeit ({start}).",
        "The end time ({value}) is before the start time ({start})."),
    "out-of-district": (
        "Der Veranstaltungsort „{value}“ liegt nicht im Kreis; bitte prüfen.",
        "The venue “{value}” is outside the district; please check."),
    "filled-by-rule": (
        "Die Spalte {column} fehlt im Format open-Qcat; sie wurde in {count} Zeile(n) nach der "
        "Regel „KURSNET-Angebote sind berufliche Weiterbildung“ auf „{value}“ gesetzt. Bitte "
        "prüfen, ob das für alle Angebote stimmt.",
        "The column {column} does not exist in open-Qcat; it was set to “{value}” in {count} "
        "rows by the rule “KURSNET offers are vocational further education”. Please check "
        "that this holds for every offer."),
    "ignored-element": (
        "Löscheintrag (UPDATE_CATALOG/DELETE) für „{value}“ nicht übernommen: Angebote "
        "verschwinden, wenn der vollständige Katalog im Modus „ersetzen“ hochgeladen wird.",
        "Deletion entry (UPDATE_CATALOG/DELETE) for “{value}” not taken: offers disappear "
        "when the full catalogue is uploaded in “replace” mode."),
    "ignored-element.ics-series": (
        "Die Serie „{value}“ wiederholt sich weiter (ohne Ende oder mit sehr vielen Terminen); "
        "übernommen wurden {count} Termine bis {until}. Bitte das Ende der Serie im Kalender "
        "setzen.",
        "The series “{value}” goes on (without end or with very many dates); {count} dates "
        "up to {until} were taken. Please set the series' end in the calendar."),
    "formula-injection": (
        "Die Zelle beginnt mit „{char}“ und könnte in Excel als Formel ausgeführt werden; "
        "sie wird mit vorangestelltem Apostroph gespeichert.",
        "The cell starts with “{char}” and could run as a formula in Excel; "
        "it is stored with a leading apostrophe."),
}

HINTS: dict[str, tuple[str, str]] = {
    "did-you-mean": (" Meinten Sie „{suggestion}“?", " Did you mean “{suggestion}”?"),
    "allowed": (" Erlaubt: {allowed}.", " Allowed: {allowed}."),
}


def render(key: str, lang: str, params: dict[str, Any]) -> str:
    """The message for `key` in `lang` ("de" default, "en"), falling back to the bare code."""
    templates = MESSAGES.get(key) or MESSAGES[key.split(".", 1)[0]]
    template = templates[1] if lang == "en" else templates[0]
    if "{hint}" in template:
        params = {**params, "hint": _hint_for(lang, params)}
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        # A missing param must never break a report; show the template's code instead.
        return template


def _hint_for(lang: str, params: dict[str, Any]) -> str:
    """ "Meinten Sie …?" when there is a suggestion, else the allowed values when few."""
    if params.get("suggestion"):
        key = "did-you-mean"
    elif params.get("allowed"):
        key = "allowed"
    else:
        return ""
    de, en = HINTS[key]
    return (en if lang == "en" else de).format(**params)
