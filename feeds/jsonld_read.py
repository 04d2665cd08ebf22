"""schema.org Course JSON-LD -> OfferRecord: the inverse of feeds.jsonld, pure.

Reads the hub's own documents back exactly (offer_to_jsonld -> read_offer gives the same
record) and is tolerant of other schema.org shapes a neighbour may send: "schema:" or full
https://schema.org/ keys, language maps and @value objects for texts, a single node where we
write a list, a CourseInstance with the course in `instanceOf`/`superEvent`, dates with times.
Codes are taken only when the code list knows them (an unknown code is left out, not stored).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from ..vocab.codelists import codelist
from ..vocab.columns import COLUMNS
from ..vocab.records import (
    PRICE_AMOUNT,
    PRICE_FREE,
    PRICE_ON_REQUEST,
    InstanceRecord,
    OfferRecord,
    ProviderRecord,
    VenueRecord,
)
from ..vocab.terms import VOCAB_NS

_PREFIXES = ("https://schema.org/", "http://schema.org/", "schema:", VOCAB_NS, "bd:")
_PRICE_KINDS = {f"{VOCAB_NS}preisart/{k}": k for k in (PRICE_AMOUNT, PRICE_FREE,
                                                       PRICE_ON_REQUEST)}
_MAX_LENGTH = {c.field: c.max_length for c in COLUMNS if c.max_length}
MAX_ID_LENGTH = 50  # hub.models.Offer.angebot_id


class ReadError(ValueError):
    """A document that cannot become an offer; `reason` says why, in German."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _bare(key: str) -> str:
    if ":" not in key:  # the hub's own compact keys: most of them
        return key
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def _unprefixed(value: Any) -> Any:
    """The document with every key unprefixed (schema:name, https://schema.org/name -> name)."""
    if isinstance(value, dict):
        return {(_bare(k) if not k.startswith("@") else k): _unprefixed(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_unprefixed(v) for v in value]
    return value


def _node(value: Any) -> dict[str, Any]:
    """A node (read as it is, never changed by the reader), or {} for anything else."""
    return value if isinstance(value, dict) else {}


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _nodes(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []


def _text(value: Any) -> str | None:
    """A plain text of a string, a number, a language map ({"de": …}) or an @value object."""
    if type(value) is str:  # the common case first
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, list):
        texts = [_text(v) for v in value]
        german = [t for v, t in zip(value, texts, strict=True)
                  if isinstance(v, dict) and v.get("@language") == "de" and t]
        found = german or [t for t in texts if t]
        return found[0] if found else None
    if isinstance(value, dict):
        if "@value" in value:
            return _text(value["@value"])
        if "@id" in value and len(value) == 1:
            return _text(value["@id"])
        for lang in ("de", "en"):
            if lang in value:
                return _text(value[lang])
        return None
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None


def _iri(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("@id") or value.get("url") or _node(value).get("url"))
    return _text(value)


def _date(value: Any, what: str) -> date | None:
    if value is None:  # most optional values are absent: no call further
        return None
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ReadError(f"{what} „{text[:40]}“ ist kein Datum (JJJJ-MM-TT).") from None


def _time(value: Any) -> time | None:
    if value is None:
        return None
    text = _text(value)
    if text is None:
        return None
    if "T" in text:
        text = text.split("T", 1)[1]
    try:
        return time.fromisoformat(text[:8]).replace(tzinfo=None)
    except ValueError:
        raise ReadError(f"Uhrzeit „{text[:20]}“ ist ungültig (HH:MM).") from None


def _decimal(value: Any, what: str) -> Decimal | None:
    if value is None:
        return None
    text = _text(value)
    if text is None:
        return None
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ReadError(f"{what} „{text[:20]}“ ist keine Zahl.") from None
    if not number.is_finite() or abs(number) >= 10**8:
        raise ReadError(f"{what} „{text[:20]}“ liegt außerhalb des Wertebereichs.")
    return number


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    number = _decimal(value, what)
    if number is None:
        return None
    if number != number.to_integral_value() or not 0 <= number < 10**6:
        raise ReadError(f"{what} „{value}“ ist keine ganze Zahl im Wertebereich.")
    return int(number)


@cache
def _scheme_iri(scheme: str) -> str:
    return codelist(scheme).iri


@cache
def _known(scheme: str) -> frozenset[str]:
    codes = frozenset(codelist(scheme).codes)
    # _code's shortcut relies on it: a known code is its own text (no spaces, not an IRI)
    assert all(c and c == c.strip() and not c.startswith("http") for c in codes), scheme
    return codes


def _code(term: Any, scheme: str) -> str | None:
    """The code of a DefinedTerm (or a bare code / concept IRI) if `scheme` knows it."""
    if type(term) is dict:  # shortcut for the hub's own terms: a termCode the list knows
        found = term.get("termCode")
        if type(found) is str and found in _known(scheme):
            return found
    node = _node(term)
    candidates = [_text(node.get("termCode")), _text(node.get("@id"))] if node else [_text(term)]
    for text in candidates:
        if not text:
            continue
        code = text.rsplit("/", 1)[-1] if text.startswith("http") else text
        if code in _known(scheme):
            return code
    return None


def _codes(terms: Any, scheme: str) -> list[str]:
    out: list[str] = []
    for term in _many(terms):
        code = _code(term, scheme)
        if code is not None and code not in out:
            out.append(code)
    return out


def _in_scheme(term: dict[str, Any], scheme: str) -> bool:
    return _iri(term.get("inDefinedTermSet")) == _scheme_iri(scheme)


@cache
def _reverse(scheme: str, key: str) -> dict[str, str]:
    """A code list's mapping (e.g. schema) read backwards: mapped value -> code."""
    return {str(c.mappings[key]): c.code for c in codelist(scheme).concepts
            if c.mappings.get(key)}


def _mapped_code(value: Any, scheme: str, key: str) -> str | None:
    text = _text(value)
    return None if text is None else _reverse(scheme, key).get(_bare(text))


def read_offer(data: dict[str, Any]) -> OfferRecord:
    """The OfferRecord of a schema:Course node (or of a CourseInstance pointing at its course).

    The provider's `slug` is its `identifier` (the hub's own documents), else None-safe text
    of its name; the caller namespaces both it and `angebot_id`. Raises ReadError."""
    # Keys are unprefixed in one pass when the document uses prefixes at all (the hub's own
    # documents never do: they are read as they are).
    node = _unprefixed(data) if any(":" in k for k in data) else _node(data)
    types = {_bare(t) for t in map(str, _many(node.get("@type")))}
    if "Course" not in types and types & {"CourseInstance", "Event"}:
        course = dict(_node(node.get("instanceOf") or node.get("superEvent")))
        if not course:
            raise ReadError("Der Termin (CourseInstance) nennt keinen Kurs (instanceOf).")
        course.setdefault("hasCourseInstance", [{k: v for k, v in node.items()
                                                 if k not in ("instanceOf", "superEvent")}])
        node = course
    elif "Course" not in types:
        raise ReadError(f"Typ {sorted(types) or 'fehlt'} ist kein schema:Course.")
    title = _text(node.get("name"))
    if not title:
        raise ReadError("Das Angebot hat keinen Titel (name).")
    angebot_id = _text(node.get("courseCode")) or _text(node.get("identifier"))
    if angebot_id is None and node.get("@id"):
        angebot_id = str(node["@id"]).rstrip("/").rsplit("/", 1)[-1]
    if not angebot_id:
        raise ReadError("Das Angebot hat keine Kennung (courseCode oder @id).")
    record = OfferRecord(angebot_id=angebot_id, title=title,
                         description=_text(node.get("description")) or "",
                         provider=_provider(node))
    _course_fields(record, node)
    record.instances = [_instance(i) for i in _nodes(node.get("hasCourseInstance"))]
    _check_lengths(record)
    return record


def _provider(node: dict[str, Any]) -> ProviderRecord:
    p = _node(node.get("provider") or node.get("organizer"))
    name = _text(p.get("name"))
    if not name:
        raise ReadError("Das Angebot nennt keinen Anbieter (provider.name).")
    slug = _text(p.get("identifier")) or name
    return ProviderRecord(slug=slug, name=name[:200], url=_iri(p.get("url")),
                          email=_text(p.get("email")), telephone=_text(p.get("telephone")),
                          type=_code(p.get("providerType"), "anbieter_typ"),
                          licence=_iri(node.get("license")))


def _course_fields(record: OfferRecord, node: dict[str, Any]) -> None:
    keywords = node.get("keywords")
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    record.keywords = [t for t in map(_text, _many(keywords)) if t]
    record.url = _iri(node.get("url"))
    record.image_url = _iri(node.get("image"))
    contact = _node(node.get("contactPoint"))
    record.contact_email = _text(contact.get("email"))
    record.contact_phone = _text(contact.get("telephone"))
    for term in _nodes(node.get("educationalLevel")):
        if _in_scheme(term, "niveau") or (not _in_scheme(term, "lebensphase")
                                          and _code(term, "niveau")):
            record.level = record.level or _code(term, "niveau")
        else:
            record.life_phases.extend(c for c in _codes(term, "lebensphase")
                                      if c not in record.life_phases)
    for term in _nodes(node.get("about")):
        if _iri(term.get("inDefinedTermSet")) == VOCAB_NS + "kursnet_systematik":
            record.kursnet_code = _text(term.get("termCode"))
        elif record.topic is None:
            record.topic = _code(term, "themenbereich")
    record.offer_form = _code(node.get("learningResourceType"), "angebotsform")
    audience = (_nodes(node.get("audience")) or [{}])[0]
    record.audience = _text(audience.get("audienceType"))
    record.audience_codes = _codes(audience.get("targetGroup"), "zielgruppe")
    record.min_age = _int(audience.get("suggestedMinAge"), "Mindestalter")
    record.max_age = _int(audience.get("suggestedMaxAge"), "Höchstalter")
    record.languages = [t for t in map(_text, _many(node.get("inLanguage"))) if t]
    record.prerequisites = _text(node.get("coursePrerequisites"))
    aid = _nodes(node.get("financialAidEligible"))
    record.funding = _codes(aid, "foerderung")
    record.funding_note = next((t for t in (_text(a.get("description")) for a in aid) if t), None)
    for ident in _nodes(node.get("identifier")):
        if _text(ident.get("propertyID")) == "AZAV-Maßnahmenummer":
            record.azav_number = _text(ident.get("value"))
    credential = (_nodes(node.get("educationalCredentialAwarded")) or [{}])[0]
    record.credential_type = _code(credential.get("credentialCategory"), "abschlussart")
    record.credential_name = _text(credential.get("name"))
    record.examining_body = _text(_node(credential.get("recognizedBy")).get("name"))
    record.ects = _decimal(node.get("numberOfCredits"), "Leistungspunkte")
    record.date_modified = _date(node.get("dateModified"), "Änderungsdatum")


def _instance(node: dict[str, Any]) -> InstanceRecord:
    inst = InstanceRecord(termin_id=_text(node.get("identifier")),
                          start_date=_date(node.get("startDate"), "Beginn"),
                          end_date=_date(node.get("endDate"), "Ende"))
    schedule = (_nodes(node.get("courseSchedule")) or [{}])[0]
    start = _text(node.get("startDate")) or ""
    inst.start_time = _time(schedule.get("startTime")) or (_time(start) if "T" in start else None)
    inst.end_time = _time(schedule.get("endTime"))
    inst.weekdays = [c for c in (_mapped_code(d, "wochentag", "schema")
                                 for d in _many(schedule.get("byDay"))) if c]
    inst.rhythm = _mapped_code(schedule.get("repeatFrequency"), "rhythmus", "schema")
    inst.sessions = _int(schedule.get("repeatCount"), "Anzahl der Termine")
    inst.schedule_note = _text(schedule.get("description"))
    inst.mode = _code(node.get("learningMode"), "lernform")
    inst.time_forms = _codes(node.get("timeForm"), "zeitform")
    inst.status = _code(node.get("status"), "status")
    for location in _nodes(node.get("location")):
        types = {_bare(str(t)) for t in _many(location.get("@type"))}
        if "VirtualLocation" in types:
            inst.online_url = _iri(location.get("url"))
        elif inst.venue is None:
            inst.venue = _venue(location)
    _prices(inst, _nodes(node.get("offers")), node.get("isAccessibleForFree") is True)
    inst.max_participants = _int(node.get("maximumAttendeeCapacity"), "Höchstzahl")
    inst.min_participants = _int(node.get("minimumAttendeeCapacity"), "Mindestzahl")
    inst.teaching_units = _decimal(node.get("teachingUnits"), "Unterrichtseinheiten")
    rolling = node.get("rollingEntry")
    inst.rolling_entry = rolling if isinstance(rolling, bool) else None
    inst.accessibility_features = _codes(node.get("accessibilityCode"), "barriere_merkmal")
    inst.accessibility_note = _text(node.get("accessibilitySummary"))
    return inst


def _venue(place: dict[str, Any]) -> VenueRecord:
    address = _node(place.get("address"))
    geo = _node(place.get("geo"))
    area = _node(place.get("containedInPlace"))
    venue = VenueRecord(venue_name=_text(place.get("name")),
                        street=_text(address.get("streetAddress")),
                        postal_code=_text(address.get("postalCode")),
                        locality=_text(address.get("addressLocality")),
                        lat=_decimal(geo.get("latitude"), "Breitengrad"),
                        lon=_decimal(geo.get("longitude"), "Längengrad"),
                        venue_accessible=_code(place.get("venueAccessibility"), "barrierefrei"))
    ags = _text(area.get("identifier"))
    venue.ags = ags if ags and ags.isdigit() and len(ags) == 8 else None
    if venue.postal_code and not (venue.postal_code.isdigit() and len(venue.postal_code) == 5):
        venue.postal_code = None  # the hub stores German postal codes only
    for name in ("lat", "lon"):
        value = getattr(venue, name)
        if value is not None:
            setattr(venue, name, value.quantize(Decimal("0.000001")))
    return venue


def _prices(inst: InstanceRecord, offers: Iterable[dict[str, Any]], free: bool) -> None:
    for offer in offers:
        price = _decimal(offer.get("price"), "Preis")
        if _text(offer.get("name")) == "ermäßigt":
            inst.reduced_price = price
            continue
        if inst.price_kind is not None:
            continue
        kind = _PRICE_KINDS.get(_iri(offer.get("priceKind")) or "")
        if kind is None and price is not None:
            kind = PRICE_FREE if price == 0 else PRICE_AMOUNT
        inst.price_kind = kind
        inst.price = price if kind == PRICE_AMOUNT else Decimal(0) if kind == PRICE_FREE else None
        inst.price_note = _text(offer.get("description"))
        inst.registration_deadline = _date(offer.get("availabilityEnds"), "Anmeldeschluss")
    if inst.price_kind is None and free:
        inst.price_kind, inst.price = PRICE_FREE, Decimal(0)


def _check_lengths(record: OfferRecord) -> None:
    """Texts longer than the hub stores are refused, not cut (a cut text would be wrong)."""
    if len(record.angebot_id) > MAX_ID_LENGTH:
        raise ReadError(f"Die Kennung ist länger als {MAX_ID_LENGTH} Zeichen.")
    _check_limits(record, _COURSE_LIMITS)
    for inst in record.instances:
        _check_limits(inst, _INSTANCE_LIMITS)
        if inst.venue is not None:
            _check_limits(inst.venue, _VENUE_LIMITS)


def _limits(record_type: type) -> tuple[tuple[str, int], ...]:
    """(field, longest length) of the limited fields a record type has, in _MAX_LENGTH order."""
    names = {f.name for f in fields(record_type)}
    return tuple((name, limit) for name, limit in _MAX_LENGTH.items() if name in names)


_COURSE_LIMITS = _limits(OfferRecord)
_INSTANCE_LIMITS = _limits(InstanceRecord)
_VENUE_LIMITS = _limits(VenueRecord)


def _check_limits(record: Any, limits: tuple[tuple[str, int], ...]) -> None:
    for name, limit in limits:
        value = getattr(record, name)
        if isinstance(value, str) and len(value) > limit:
            raise ReadError(f"„{name}“ ist länger als {limit} Zeichen.")
