"""open-Qcat out: a provider's offers as the XML catalogue KURSNET's upload takes. Pure.

Records in, bytes out (UTF-8). Structure as KURSNET's own export (standards/openqcat.md):
for every offer one Angebot (`EDUCATION type="true"`, PRODUCT_ID = angebot_id, with the first
date repeated as KURSNET does) and one Veranstaltung per dated instance (`type="false"`,
PRODUCT_ID = termin_id or angebot_id + start date, COURSE_ID = the Angebot's PRODUCT_ID).
An offer without dates (rolling entry) is an Angebot with FLEXIBLE_START only.
Rules of today's schema: COURSE_TYPE always; LOCATION NAME and STREET at most 30 characters,
CITY 36 (longer names are cut, the rest of a name goes to NAME2); PRICE_AMOUNT with a decimal
point; START_DATE/END_DATE as date-times (midnight in Europe/Berlin); clock times, which have no
element, as "08.00 - 15.00 Uhr" in INSTRUCTION_REMARKS (validators.openqcat reads them back).

Which offers KURSNET accepts (`kursnet_accepts`): only vocational further education. An offer
is exported when it is vocational – it has a KURSNET classification (kursnet_systematik), or
the life phase ausbildung_beruf, or a vocational credential (chamber exam, state-recognised,
external certificate), or vocational funding (Bildungsgutschein, AVGS, Aufstiegs-BAföG,
Qualifizierungsscheck, Aufstiegsprämie) – and is not for children, pupils or seniors (life phase
or audience) and not a single lecture (angebotsform vortrag).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, tostring
from zoneinfo import ZoneInfo

from ..validators.openqcat import CREDENTIAL_EXAMS, LANGUAGE_CODES, MODE_LABELS, MODE_TYPES
from ..vocab.records import (
    PRICE_AMOUNT,
    PRICE_FREE,
    PRICE_ON_REQUEST,
    InstanceRecord,
    OfferRecord,
    ProviderRecord,
)

OPENQCAT_MEDIA_TYPE = "application/xml"
BERLIN = ZoneInfo("Europe/Berlin")
NAME_MAX, STREET_MAX, CITY_MAX = 30, 30, 36

VOCATIONAL_CREDENTIALS = frozenset({"kammerpruefung", "staatlich_anerkannt", "zertifikat_extern"})
VOCATIONAL_FUNDING = frozenset({"bildungsgutschein", "avgs", "aufstiegs_bafoeg",
                                "qualifizierungsscheck_hessen", "aufstiegspraemie_hessen"})
NOT_KURSNET_PHASES = frozenset({"fruehe_kindheit", "schule", "senioren"})
NOT_KURSNET_AUDIENCES = frozenset({"kinder", "jugendliche", "senioren"})
_FUNDING_TYPES = {"aufstiegs_bafoeg": ("FUNDING_TYPES_FEDERAL", "1"),
                  "bildungsgutschein": ("FUNDING_TYPES_FEDERAL", "2"),
                  "avgs": ("FUNDING_TYPES_FEDERAL", "3"),
                  "aufstiegspraemie_hessen": ("FUNDING_TYPES_REGIONAL", "32")}
_TIME_FORM_TYPES = {"vollzeit": "1", "teilzeit": "2"}
_EDUCATION_TYPES = {"103": "Gesetzlich/gesetzesähnlich geregelte Fortbildung/Qualifizierung",
                    "104": "Fortbildung/Qualifizierung", "108": "Studienangebot - weiterführend"}
_INSTITUTIONS = {"schule": ("100", "Allgemeinbildende Schule/Einrichtung"),
                 "berufliche_schule": ("102", "Berufsbildende Schule/Einrichtung"),
                 "hochschule": ("106", "Fachhochschule / Hochschule für angewandte "
                                       "Wissenschaften")}


def kursnet_accepts(record: OfferRecord) -> bool:
    """True for vocational further education KURSNET lists (the rule of the module doc)."""
    vocational = bool(record.kursnet_code or "ausbildung_beruf" in record.life_phases
                      or record.credential_type in VOCATIONAL_CREDENTIALS
                      or VOCATIONAL_FUNDING.intersection(record.funding))
    excluded = (record.offer_form == "vortrag"
                or bool(NOT_KURSNET_AUDIENCES.intersection(record.audience_codes))
                or (bool(NOT_KURSNET_PHASES.intersection(record.life_phases))
                    and "ausbildung_beruf" not in record.life_phases))
    return vocational and not excluded


def offers_to_openqcat(provider: ProviderRecord, batches: Iterable[Iterable[OfferRecord]],
                       generated: datetime, catalog_id: str | None = None) -> bytes:
    """The catalogue of the accepted offers among `batches` (all of one provider)."""
    root = Element("OPENQCAT", {"version": "1.1"})
    header = SubElement(root, "HEADER")
    catalog = SubElement(header, "CATALOG")
    _add(catalog, "LANGUAGE", "deu")
    _add(catalog, "CATALOG_ID", catalog_id or f"{provider.slug}-{generated:%Y%m%d%H%M%S}")
    _add(catalog, "CATALOG_VERSION", "1.0")
    _add(catalog, "CATALOG_NAME", f"Bildungsdaten-Hub: {provider.name}"[:100])
    _add(catalog, "GENERATION_DATE", generated.astimezone(BERLIN).isoformat(timespec="seconds"))
    supplier = SubElement(header, "SUPPLIER")
    _add(supplier, "SUPPLIER_ID", provider.slug, type="supplier_specific")
    _add(supplier, "SUPPLIER_NAME", provider.name)
    address = SubElement(supplier, "ADDRESS")
    _add(address, "NAME", provider.name[:NAME_MAX])
    _add(address, "PHONE", _phone(provider.telephone))
    if provider.email:
        _add(SubElement(address, "EMAILS"), "EMAIL", provider.email)
    _add(address, "URL", provider.url)
    # Required, with input_type (0 as in KURSNET's own export); its children are optional.
    SubElement(supplier, "EXTENDED_INFO", {"input_type": "0"})
    services = SubElement(root, "NEW_CATALOG", {"FULLCATALOG": "true"})
    for batch in batches:
        for record in batch:
            if record.deleted or not kursnet_accepts(record):
                continue
            dated = [i for i in record.instances if i.start_date is not None]
            first = dated[0] if dated else (record.instances[0] if record.instances else None)
            _service(services, provider, record, first, angebot=True)
            for inst in dated:
                _service(services, provider, record, inst, angebot=False)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def product_id(record: OfferRecord, inst: InstanceRecord) -> str:
    """The Veranstaltung's PRODUCT_ID: the termin_id, else angebot_id and start date."""
    if inst.termin_id:
        return inst.termin_id
    start = inst.start_date.isoformat() if inst.start_date else "laufend"
    return f"{record.angebot_id}-{start}"


def _service(parent: Element, provider: ProviderRecord, record: OfferRecord,
             inst: InstanceRecord | None, *, angebot: bool) -> None:
    service = SubElement(parent, "SERVICE", {"mode": "new"})
    pid = record.angebot_id if angebot or inst is None else product_id(record, inst)
    _add(service, "PRODUCT_ID", pid)
    _add(service, "COURSE_TYPE", _course_type(record))
    _add(service, "SUPPLIER_ID_REF", provider.slug, type="supplier_specific")
    details = SubElement(service, "SERVICE_DETAILS")
    _add(details, "TITLE", record.title)
    if angebot:
        _add(details, "DESCRIPTION_LONG", record.description)
        if record.contact_email or record.contact_phone:
            contact = SubElement(details, "CONTACT")  # a function contact, no person's name
            _add(contact, "CONTACT_ROLE", "Ansprechpartner", type="1")
            _add(contact, "PHONE", _phone(record.contact_phone))
            if record.contact_email:
                _add(SubElement(contact, "EMAILS"), "EMAIL", record.contact_email)
        _add(details, "REQUIREMENTS", record.prerequisites)
    if inst is not None and inst.start_date is not None:
        when = SubElement(details, "SERVICE_DATE")
        _add(when, "START_DATE", _datetime(inst.start_date))
        _add(when, "END_DATE", _datetime(inst.end_date or inst.start_date))
        _add(when, "DATE_REMARKS", inst.schedule_note)
    if angebot:
        for keyword in record.keywords:
            _add(details, "KEYWORD", keyword)
        if record.audience:
            _add(SubElement(details, "TARGET_GROUP"), "TARGET_GROUP_TEXT", record.audience)
    module = SubElement(details, "SERVICE_MODULE")
    education = SubElement(module, "EDUCATION", {"type": "true" if angebot else "false"})
    _add(education, "COURSE_ID", record.angebot_id)
    if angebot and (record.credential_name or record.examining_body or record.credential_type):
        degree = SubElement(education, "DEGREE", {"type": "0"})
        _add(degree, "DEGREE_TITLE", record.credential_name)
        if record.examining_body or record.credential_type:
            exam = SubElement(degree, "DEGREE_EXAM", {"type": CREDENTIAL_EXAMS.get(
                record.credential_type or "", "Prüfung")})  # the type is required
            _add(exam, "EXAMINER", record.examining_body)
    if inst is not None and inst.registration_deadline is not None:
        _add(education, "REGISTRATION_DATE", _datetime(inst.registration_deadline))
    _extended_info(education, provider, record, inst, angebot)
    if inst is not None:
        _module_course(education, inst)
    if angebot and record.kursnet_code:
        classification = SubElement(service, "SERVICE_CLASSIFICATION")
        _add(classification, "REFERENCE_CLASSIFICATION_SYSTEM_NAME", "Kurssystematik")
        feature = SubElement(classification, "FEATURE")
        _add(feature, "FNAME", record.kursnet_code)
        _add(feature, "FVALUE", record.kursnet_code)  # required; the hub has no label for it
    if inst is not None and inst.price_kind is not None:
        prices = SubElement(service, "SERVICE_PRICE_DETAILS")
        if inst.price_kind in (PRICE_AMOUNT, PRICE_FREE):
            price = SubElement(prices, "SERVICE_PRICE")
            amount = inst.price if inst.price_kind == PRICE_AMOUNT and inst.price is not None \
                else Decimal(0)
            _add(price, "PRICE_AMOUNT", f"{amount:.2f}")  # decimal point, as the schema wants
            _add(price, "PRICE_CURRENCY", "EUR")
        # No amount "on request": the remark says so (validators.openqcat reads it back).
        _add(prices, "REMARKS", inst.price_note or (
            "auf Anfrage" if inst.price_kind == PRICE_ON_REQUEST else None))
    if angebot and record.url:
        _add(SubElement(SubElement(service, "MIME_INFO"), "MIME_ELEMENT"), "MIME_SOURCE",
             record.url)


def _extended_info(education: Element, provider: ProviderRecord, record: OfferRecord,
                   inst: InstanceRecord | None, angebot: bool) -> None:
    info = SubElement(education, "EXTENDED_INFO")
    # INSTITUTION and INSTRUCTION_FORM are required (schulart.dat, unterrichtsform.dat).
    school = _INSTITUTIONS.get(provider.type or "", ("105", "Einrichtung der beruflichen "
                                                           "Weiterbildung"))
    _add(info, "INSTITUTION", school[1], type=school[0])
    form = MODE_TYPES.get(inst.mode or "" if inst is not None else "", "101")
    _add(info, "INSTRUCTION_FORM", MODE_LABELS[form], type=form)
    time_form = next((t for t in (inst.time_forms if inst else []) if t in _TIME_FORM_TYPES),
                     None)
    if time_form:
        _add(info, "INSTRUCTION_TIME", time_form, type=_TIME_FORM_TYPES[time_form])
    if angebot:
        for code in record.funding:
            if code in _FUNDING_TYPES:
                element, kind = _FUNDING_TYPES[code]
                _add(info, element, code, type=kind)
        for language in record.languages:
            _add(info, "TEACHING_LANGUAGES", LANGUAGE_CODES.get(language, language))
    # EDUCATION_TYPE is required (bildungsart.dat).
    kind_code = ("108" if record.offer_form == "studiengang" else "103"
                 if record.credential_type in ("kammerpruefung", "staatlich_anerkannt") else "104")
    _add(info, "EDUCATION_TYPE", _EDUCATION_TYPES[kind_code], type=kind_code)
    if angebot:
        _add(info, "MEASURE_NUMBER", record.azav_number)


def _module_course(education: Element, inst: InstanceRecord) -> None:
    course = SubElement(education, "MODULE_COURSE")
    _add(course, "MIN_PARTICIPANTS", inst.min_participants)
    _add(course, "MAX_PARTICIPANTS", inst.max_participants)
    venue = inst.venue
    if venue is not None and not venue.is_empty():
        location = SubElement(course, "LOCATION")
        name = venue.venue_name or ""
        _add(location, "NAME", name[:NAME_MAX])
        _add(location, "NAME2", name[NAME_MAX:NAME_MAX * 2])  # the rest of a long name
        _add(location, "STREET", (venue.street or "")[:STREET_MAX])
        _add(location, "ZIP", venue.postal_code)
        _add(location, "CITY", (venue.locality or "")[:CITY_MAX])
        if venue.venue_accessible in ("ja", "nein"):
            _add(location, "BARRIER_FREE_LOCATION",
                 "true" if venue.venue_accessible == "ja" else "false")
    if inst.start_time is not None:
        span = _clock(inst.start_time)
        if inst.end_time is not None:
            span += f" - {_clock(inst.end_time)}"
        _add(course, "INSTRUCTION_REMARKS", f"{span} Uhr")
    if inst.rolling_entry is not None:
        _add(course, "FLEXIBLE_START", "true" if inst.rolling_entry else "false")


def _course_type(record: OfferRecord) -> str:
    """COURSE_TYPE (required): 2 Studienangebot, 3 AVGS, else 1 Bildungsangebot."""
    if record.offer_form == "studiengang":
        return "2"
    if "avgs" in record.funding:
        return "3"
    return "1"


def _add(parent: Element, tag: str, value: object, **attrs: str) -> None:
    """A child with text, left out when the value is empty (the schema's optional elements)."""
    if value is None or value == "":
        return
    child = SubElement(parent, tag, attrs)
    child.text = str(value)


def _datetime(day: date) -> str:
    return datetime.combine(day, time(0), BERLIN).isoformat(timespec="seconds")


def _clock(value: time) -> str:
    return f"{value.hour:02d}.{value.minute:02d}"


def _phone(text: str | None) -> str | None:
    """"+49 6252 12345" -> "+49.6252.12345" (the form KURSNET's files use)."""
    if not text or not text.startswith("+"):
        return text
    return ".".join(text.replace("-", " ").replace("/", " ").split())
