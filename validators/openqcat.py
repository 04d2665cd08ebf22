"""open-Qcat in: KURSNET's XML catalogue read as rows of the upload template. Pure.

The XML is parsed with defusedxml (no DTD, no entities, no external references: an XML bomb
or an XXE attempt is refused before anything expands). Every SERVICE of the catalogue is one
element; its EDUCATION says what it is:
- `type="true"`: an Angebot (course-level fields: title, description, classification, …);
- `type="false"`: a Veranstaltung, a dated run, whose COURSE_ID is its Angebot's PRODUCT_ID.
Each run becomes one row of the template (its own non-empty fields over its Angebot's: KURSNET's
export leaves the runs' titles empty). An Angebot without runs becomes one row itself (the
"single dated entry" shape, or an undated offer). The same validators then check the rows, so
the report is the CSV path's; its row is the SERVICE's position in the file (1 = first), and
`places` names it with its PRODUCT_ID.

open-Qcat has no life phase: KURSNET takes only vocational further education, so every offer
gets `lebensphase=ausbildung_beruf` (LIFE_PHASE_RULE), and the report says so in a warning.
Clock times have no element either: a time span such as "08.00 - 15.00 Uhr" in the remarks
becomes uhrzeit_von/uhrzeit_bis.
"""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from bildungsdaten.vocab.columns import COLUMNS

HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)
LIFE_PHASE_RULE = "ausbildung_beruf"  # KURSNET lists vocational further education only
ROOTS = ("OPENQCAT", "BMECAT")
# Elements a file may have: KURSNET's own export has about 100 per SERVICE, so 20 MB of it
# hold some 400,000. A tree costs ~150 bytes an element: 20 MB of "<a/>" (5 million) would
# take a gigabyte, so building stops at this bound (about 200 MB).
MAX_ELEMENTS = 1_000_000
# A run's own schedule: never taken from its Angebot (which repeats only the first run's date).
SCHEDULE = ("beginn_datum", "ende_datum", "uhrzeit_von", "uhrzeit_bis", "termin_hinweis")

# INSTRUCTION_FORM@type (unterrichtsform.dat) -> lernform, as offer-columns.md pairs them.
MODES = {"101": "praesenz", "102": "praesenz", "103": "praesenz", "104": "praesenz",
         "105": "praesenz", "201": "online_live", "202": "online_live", "203": "online_live",
         "204": "online_selbstlern", "205": "online_live", "206": "online_selbstlern",
         "301": "blended", "302": "blended", "303": "hybrid", "304": "blended",
         "401": "fernunterricht", "402": "fernunterricht", "403": "fernunterricht"}
MODE_TYPES = {"praesenz": "101", "online_live": "201", "online_selbstlern": "204",
              "blended": "301", "hybrid": "303", "fernunterricht": "401"}
MODE_LABELS = {"101": "Präsenzunterricht", "201": "Virtuelles Klassenzimmer",
               "204": "Selbstlernmodul", "301": "Blended Learning", "303": "Hybrid Learning",
               "401": "Fernunterricht"}
TIME_FORMS = {"1": "vollzeit", "2": "teilzeit"}
# DEGREE_EXAM@type is free text (≤ 255): the hub writes these and reads them back.
CREDENTIAL_EXAMS = {"kammerpruefung": "Kammerprüfung", "staatlich_anerkannt":
                    "Staatlich anerkannte Prüfung", "zertifikat_extern": "Externes Zertifikat",
                    "zertifikat_anbieter": "Zertifikat des Anbieters",
                    "schulabschluss": "Schulabschluss", "hochschulabschluss": "Hochschulabschluss",
                    "teilnahmebescheinigung": "Teilnahmebescheinigung"}
# FUNDING_TYPES_FEDERAL / _REGIONAL @type (foerderartenbund.dat, foerderartenland.dat).
FUNDING_FEDERAL = {"1": "aufstiegs_bafoeg", "2": "bildungsgutschein", "3": "avgs"}
FUNDING_REGIONAL = {"32": "aufstiegspraemie_hessen"}
# TEACHING_LANGUAGES (ISO 639-2/B as the agency's list) -> ISO 639-1 of the hub.
LANGUAGES = {"deu": "de", "ger": "de", "eng": "en", "fra": "fr", "fre": "fr", "spa": "es",
             "ita": "it", "rus": "ru", "tur": "tr", "ara": "ar", "pol": "pl", "ukr": "uk",
             "dgs": "gsg", "gsg": "gsg", "por": "pt", "nld": "nl", "dut": "nl"}
LANGUAGE_CODES = {v: k for k, v in LANGUAGES.items() if k not in ("ger", "fre", "dut", "gsg")}

_TIME_SPAN = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:]([0-5]\d))?\s*(?:Uhr\s*)?"
                        r"(?:-|–|bis)\s*([01]?\d|2[0-3])(?:[.:]([0-5]\d))?\s*Uhr")
_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/ul|/ol|/h\d|/tr)\b[^>]*>", re.I)
_LIST_ITEM = re.compile(r"<\s*li\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


class OpenQcatBroken(Exception):
    """The file cannot be read as open-Qcat; `detail` is the message key's refinement
    (xml-broken, xml-forbidden, not-openqcat) and `reason` the parser's words."""

    def __init__(self, detail: str, reason: str = "") -> None:
        super().__init__(reason or detail)
        self.detail = detail
        self.reason = reason


class TooManyElements(Exception):
    """The file has more than `limit` elements (reading stopped there)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass
class Catalog:
    """The rows (header first, as the table readers give them), each row's place, and how
    many rows got the life phase by rule."""

    rows: list[tuple[int, list[str]]]
    places: dict[int, str] = field(default_factory=dict)
    life_phase_filled: int = 0
    # SERVICEs under UPDATE_CATALOG/DELETE: (position, PRODUCT_ID)
    deletions: list[tuple[int, str]] = field(default_factory=list)


def looks_like_openqcat(head: bytes) -> bool:
    """True when the start of a file is an open-Qcat/BMEcat document (any of its encodings)."""
    text = _head_text(head)
    return any(f"<{root}" in text for root in ROOTS)


def _head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "ignore")
    if head[:2] in (b"<\x00", b"\x00<"):  # UTF-16 without a byte order mark
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", "ignore")
    return head.decode("latin-1")


def parse(data: bytes, max_elements: int = MAX_ELEMENTS) -> Element:
    """The document's root element; raises OpenQcatBroken (never expands entities) or
    TooManyElements."""
    root: Element | None = None
    count = 0
    try:
        for _event, element in iterparse(io.BytesIO(data), events=("start",), forbid_dtd=True,
                                         forbid_entities=True, forbid_external=True):
            root = element if root is None else root
            count += 1
            if count > max_elements:
                raise TooManyElements(max_elements)
    except DefusedXmlException as exc:
        raise OpenQcatBroken("xml-forbidden", exc.__class__.__name__) from None
    except ParseError as exc:
        raise OpenQcatBroken("xml-broken", str(exc)) from None
    except (ValueError, LookupError) as exc:  # an unknown encoding name in the declaration
        raise OpenQcatBroken("xml-broken", str(exc)) from None
    if root is None:
        raise OpenQcatBroken("xml-broken", "leer")
    if _local(root.tag) not in ROOTS:
        raise OpenQcatBroken("not-openqcat", _local(root.tag))
    return root


def read_catalog(data: bytes, max_rows: int) -> Catalog:
    """The rows of the template for an open-Qcat file (at most `max_rows` + 1 rows are mapped:
    one more lets the row limit be reported as for a CSV)."""
    root = _strip_namespaces(parse(data))
    supplier = _supplier(root)
    services = list(root.iter("SERVICE"))  # the tree is whole already (file size bounded)
    # A differential delivery's deletions name offers to remove, not offers: left out (and
    # reported); positions still count every SERVICE, so places match the file.
    deleted = {id(s) for section in root.iter("DELETE") for s in section.iter("SERVICE")}
    angebote: dict[str, tuple[int, Element]] = {}
    runs_of: dict[str, int] = {}
    for position, service in enumerate(services, 1):
        if id(service) in deleted:
            continue
        if _is_angebot(service):
            angebote.setdefault(_text(service, "PRODUCT_ID"), (position, service))
        else:
            course = _text(service, "SERVICE_DETAILS/SERVICE_MODULE/EDUCATION/COURSE_ID")
            runs_of[course] = runs_of.get(course, 0) + 1
    catalog = Catalog(rows=[(0, list(HEADER))])
    for position, service in enumerate(services, 1):
        if len(catalog.rows) > max_rows + 1:  # header + one row past the limit
            break
        product_id = _text(service, "PRODUCT_ID")
        if id(service) in deleted:
            catalog.deletions.append((position, product_id))
            catalog.places[position] = f"SERVICE {position} (PRODUCT_ID {product_id or '–'})"
            continue
        if _is_angebot(service):
            if runs_of.get(product_id):
                continue  # its runs carry it (KURSNET repeats the first date on the Angebot)
            values = _fields(service, supplier)
            values["angebot_id"] = product_id
        else:
            course_id = _text(service, "SERVICE_DETAILS/SERVICE_MODULE/EDUCATION/COURSE_ID")
            parent = angebote.get(course_id)
            values = _fields(parent[1], supplier) if parent else dict(supplier)
            for name in SCHEDULE:
                values.pop(name, None)
            own = _fields(service, {})
            values.update({k: v for k, v in own.items() if v})
            values["angebot_id"] = course_id or product_id
            values["termin_id"] = product_id
        if not values.get("lebensphase"):
            values["lebensphase"] = LIFE_PHASE_RULE
            catalog.life_phase_filled += 1
        catalog.rows.append((position, [values.get(name, "") for name in HEADER]))
        catalog.places[position] = f"SERVICE {position} (PRODUCT_ID {product_id or '–'})"
    return catalog


def _strip_namespaces(root: Element) -> Element:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = _local(element.tag)
    return root


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _is_angebot(service: Element) -> bool:
    education = service.find("SERVICE_DETAILS/SERVICE_MODULE/EDUCATION")
    # No EDUCATION or no type: a self-contained entry, read as an Angebot.
    return education is None or (education.get("type") or "true").strip().lower() != "false"


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _all(element: Element, path: str) -> list[Element]:
    return element.findall(path)


def _supplier(root: Element) -> dict[str, str]:
    """The provider's fields from HEADER/SUPPLIER (the same for every row)."""
    supplier = root.find("HEADER/SUPPLIER")
    if supplier is None:
        return {}
    return {"anbieter_name": _text(supplier, "SUPPLIER_NAME"),
            "anbieter_url": _text(supplier, "ADDRESS/URL"),
            "kontakt_email": _text(supplier, "ADDRESS/EMAILS/EMAIL"),
            "kontakt_telefon": _phone(_text(supplier, "ADDRESS/PHONE"))}


def _fields(service: Element, base: dict[str, str]) -> dict[str, str]:
    """The template's cells of one SERVICE (empty where the file has nothing)."""
    values = dict(base)
    details = service.find("SERVICE_DETAILS")
    education = service.find("SERVICE_DETAILS/SERVICE_MODULE/EDUCATION")
    course = education.find("MODULE_COURSE") if education is not None else None
    info = education.find("EXTENDED_INFO") if education is not None else None
    location = course.find("LOCATION") if course is not None else None
    values["titel"] = _text(details, "TITLE")
    contact = details.find("CONTACT") if details is not None else None
    # A named person's address is personal data: only a function contact (no name) is taken.
    if contact is not None and not (_text(contact, "FIRST_NAME") or _text(contact, "LAST_NAME")):
        values["kontakt_email"] = _text(contact, "EMAILS/EMAIL") or values.get("kontakt_email", "")
        values["kontakt_telefon"] = (_phone(_text(contact, "PHONE"))
                                     or values.get("kontakt_telefon", ""))
    values["beschreibung"] = plain_text(_text(details, "DESCRIPTION_LONG"))
    if details is not None:
        values["schlagworte"] = "|".join(
            k for k in dict.fromkeys((e.text or "").strip() for e in _all(details, "KEYWORD")) if k)
    values["url"] = (_text(service, "MIME_INFO/MIME_ELEMENT/MIME_SOURCE")
                     or _text(education, "MIME_INFO/MIME_ELEMENT/MIME_SOURCE"))
    values["kursnet_systematik"] = _text(service, "SERVICE_CLASSIFICATION/FEATURE/FNAME")
    values["beginn_datum"] = _date(_text(details, "SERVICE_DATE/START_DATE"))
    values["ende_datum"] = _date(_text(details, "SERVICE_DATE/END_DATE"))
    date_remarks = plain_text(_text(details, "SERVICE_DATE/DATE_REMARKS"))
    instruction = plain_text(_text(course, "INSTRUCTION_REMARKS"))
    span = _TIME_SPAN.search(f"{instruction}\n{date_remarks}")
    if span and not _TIME_SPAN.sub("", instruction).strip():
        instruction = ""  # only the clock times (as the hub's export writes them)
    values["termin_hinweis"] = "\n".join(t for t in (date_remarks, instruction) if t)
    if span:
        h1, m1, h2, m2 = span.groups()
        values["uhrzeit_von"] = f"{int(h1):02d}:{m1 or '00'}"
        values["uhrzeit_bis"] = f"{int(h2):02d}:{m2 or '00'}"
    flexible = _text(course, "FLEXIBLE_START").lower()
    values["laufender_einstieg"] = {"true": "ja", "1": "ja", "false": "nein", "0": "nein"}.get(
        flexible, "")
    values["anmeldeschluss"] = _date(_text(education, "REGISTRATION_DATE"))
    form = info.find("INSTRUCTION_FORM") if info is not None else None
    values["lernform"] = MODES.get((form.get("type") or "").strip(), "") if form is not None else ""
    if not values["lernform"] and location is not None and _text(location, "STREET"):
        values["lernform"] = "praesenz"  # a street address and no form: held there
    time_form = info.find("INSTRUCTION_TIME") if info is not None else None
    values["zeitform"] = (TIME_FORMS.get((time_form.get("type") or "").strip(), "")
                          if time_form is not None else "")
    values["ort_name"] = _text(location, "NAME") + _text(location, "NAME2")
    values["strasse"] = _text(location, "STREET")
    values["plz"] = _text(location, "ZIP")
    values["ort"] = _text(location, "CITY")
    barrier = _text(location, "BARRIER_FREE_LOCATION").lower()
    values["barrierefrei_ort"] = {"true": "ja", "false": "nein"}.get(barrier, "")
    values["zielgruppe"] = plain_text(_text(details, "TARGET_GROUP/TARGET_GROUP_TEXT"))
    values["voraussetzungen"] = plain_text(_text(details, "REQUIREMENTS"))
    if info is not None:
        languages = [(e.text or "").strip().lower() for e in _all(info, "TEACHING_LANGUAGES")]
        values["sprache"] = "|".join(dict.fromkeys(LANGUAGES.get(code, code)
                                                   for code in languages if code))
        funding = [FUNDING_FEDERAL.get(e.get("type") or "")
                   for e in _all(info, "FUNDING_TYPES_FEDERAL")]
        funding += [FUNDING_REGIONAL.get(e.get("type") or "")
                    for e in _all(info, "FUNDING_TYPES_REGIONAL")]
        values["foerderung"] = "|".join(dict.fromkeys(f for f in funding if f))
        values["azav_massnahmenummer"] = _text(info, "MEASURE_NUMBER")
    values["teilnehmende_min"] = _text(course, "MIN_PARTICIPANTS")
    values["teilnehmende_max"] = _text(course, "MAX_PARTICIPANTS")
    values["preis"] = _price(_text(service, "SERVICE_PRICE_DETAILS/SERVICE_PRICE/PRICE_AMOUNT"))
    values["preis_hinweis"] = plain_text(_text(service, "SERVICE_PRICE_DETAILS/REMARKS"))
    if not values["preis"] and values["preis_hinweis"].lower() == "auf anfrage":
        values["preis"], values["preis_hinweis"] = "auf Anfrage", ""
    values["abschluss_bezeichnung"] = _text(education, "DEGREE/DEGREE_TITLE")
    values["pruefende_stelle"] = _text(education, "DEGREE/DEGREE_EXAM/EXAMINER")
    exam = education.find("DEGREE/DEGREE_EXAM") if education is not None else None
    exam_type = (exam.get("type") or "").strip() if exam is not None else ""
    values["abschlussart"] = next((code for code, label in CREDENTIAL_EXAMS.items()
                                   if label == exam_type), "")
    return values


def plain_text(text: str) -> str:
    """HTML of a description as plain text: line breaks kept, tags dropped, entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    text = _LIST_ITEM.sub("\n- ", _BLOCK_TAGS.sub("\n", text))
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _date(text: str) -> str:
    """The date part of an xs:date/xs:dateTime ("2026-11-06T00:00:00.000+01:00")."""
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", text)
    return match.group(1) if match else text


def _price(text: str) -> str:
    """PRICE_AMOUNT (decimal point) as the template writes it (decimal comma)."""
    if not text:
        return ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text  # the validator reports it at its place
    return f"{amount:.2f}".replace(".", ",")


def _phone(text: str) -> str:
    """"+49.6252.12345" (open-Qcat) -> "+49 6252 12345"."""
    return text.replace(".", " ") if text.startswith("+") else text
