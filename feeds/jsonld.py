"""Offers as schema.org JSON-LD (Course / CourseInstance / Offer / Place), pure and fast.

Plain dicts, no rdflib: the hub's @context (vocab/data/context.jsonld, served at
/vocab/context.jsonld) types dates, decimals and IRIs, and makes German the default
language, so the documents stay small and read like ordinary JSON.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, time
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote

import orjson

from ..vocab.codelists import codelist
from ..vocab.identity import venue_key
from ..vocab.records import (
    PRICE_AMOUNT,
    PRICE_FREE,
    PRICE_ON_REQUEST,
    InstanceRecord,
    OfferRecord,
    VenueRecord,
)
from ..vocab.terms import MUNICIPALITY_KEY_NS, VOCAB_NS
from .dcat.model import normalise_licence

JSONLD_MEDIA_TYPE = "application/ld+json"
# Bump whenever offer_to_jsonld's output changes: the hub keys its stored documents on it.
JSONLD_VERSION = "2"  # 2: provider/venue @ids, licence, numeric prices, one audience type
BERLIN = "Europe/Berlin"
# Price kinds as hub-vocabulary IRIs ("89,00", "kostenlos", "auf Anfrage" in the CSV).
_PRICE_KIND_IRI = {k: f"{VOCAB_NS}preisart/{k}" for k in (PRICE_AMOUNT, PRICE_FREE,
                                                          PRICE_ON_REQUEST)}


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _segment(text: str) -> str:
    """`text` as one percent-encoded IRI path segment (most ids need no encoding: fast path)."""
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="")


def offer_iri(base_uri: str, provider_slug: str, angebot_id: str) -> str:
    """The offer's data IRI: <HUB_BASE_URI>/offers/<provider>/<angebot_id>."""
    return f"{base_uri.rstrip('/')}/offers/{_segment(provider_slug)}/{_segment(angebot_id)}"


def provider_iri(base_uri: str, provider_slug: str) -> str:
    """The provider's data IRI: <HUB_BASE_URI>/anbieter/<slug> (its page on the hub)."""
    return f"{base_uri.rstrip('/')}/anbieter/{_segment(provider_slug)}"


def venue_iri(base_uri: str, provider_slug: str, venue: VenueRecord) -> str:
    """A venue's data IRI: <provider IRI>/orte/<venue_key>, the key the hub stores the venue
    under (unique per provider: hub.models.Venue); a record not loaded from the hub gets the
    key the hub would give it (vocab.identity.venue_key)."""
    return f"{provider_iri(base_uri, provider_slug)}/orte/{venue.key or venue_key(venue)}"


def licence_of(record: OfferRecord, default_licence: str | None) -> str | None:
    """The licence an offer is published under: its provider's, else `default_licence`, as the
    dcat-ap.de licence list spells it (None when neither is known)."""
    licence = record.provider.licence or default_licence
    return normalise_licence(licence) if licence else None


@cache
def defined_term(scheme: str, code: str) -> dict[str, Any]:
    """A code as schema:DefinedTerm with its vocab IRI and German + English names (cached)."""
    concept = codelist(scheme).get(code)
    if concept is None:  # an unknown code still round-trips as a plain term code
        return {"@type": "DefinedTerm", "termCode": code,
                "inDefinedTermSet": codelist(scheme).iri}
    return {"@id": concept.iri, "@type": "DefinedTerm", "termCode": code,
            "name": {"de": concept.label_de, "en": concept.label_en},
            "inDefinedTermSet": codelist(scheme).iri}


@cache
def _mapping(scheme: str, code: str, key: str) -> Any:
    concept = codelist(scheme).get(code)
    return None if concept is None else concept.mappings.get(key)


def _dec(value: Decimal) -> str:
    """A decimal as xsd:decimal lexical form (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def _price(value: Decimal) -> int | float:
    """A price as a JSON number (OpenActive and schema.org consumers expect a number; the
    @context types it xsd:decimal). Cents survive: a double holds every Numeric(10, 2)."""
    cents = value.quantize(Decimal("0.01"))
    return int(cents) if cents == cents.to_integral() else float(cents)


def _pruned(node: dict[str, Any]) -> dict[str, Any]:
    """`node` without empty values (None, "", []); one pass instead of a test per field."""
    return {k: v for k, v in node.items() if v is not None and v != "" and v != []}


def _provider(record: OfferRecord, base_uri: str) -> dict[str, Any]:
    p = record.provider
    org_type = _mapping("anbieter_typ", p.type, "schema") if p.type else None
    node: dict[str, Any] = {"@id": provider_iri(base_uri, p.slug),
                            "@type": org_type or "Organization", "name": p.name,
                            "identifier": p.slug}
    node["url"] = p.url
    # Only the provider's own facts: the node has an @id now, and every offer repeats it.
    node["email"] = p.email
    node["telephone"] = p.telephone
    if p.type:
        node["providerType"] = defined_term("anbieter_typ", p.type)
    return _pruned(node)


def _place(venue: VenueRecord, iri: str) -> dict[str, Any]:
    place: dict[str, Any] = {"@id": iri, "@type": "Place"}
    place["name"] = venue.venue_name
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "DE"}
    address["streetAddress"] = venue.street
    address["postalCode"] = venue.postal_code
    address["addressLocality"] = venue.locality
    place["address"] = _pruned(address)
    if venue.lat is not None and venue.lon is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": _dec(venue.lat),
                        "longitude": _dec(venue.lon)}
    if venue.ags:
        place["containedInPlace"] = {"@id": MUNICIPALITY_KEY_NS + venue.ags,
                                     "@type": "AdministrativeArea", "identifier": venue.ags}
    if venue.venue_accessible:
        place["venueAccessibility"] = defined_term("barrierefrei", venue.venue_accessible)
        if venue.venue_accessible in ("ja", "nein"):
            place["amenityFeature"] = [{"@type": "LocationFeatureSpecification",
                                        "name": "barrierefrei",
                                        "value": venue.venue_accessible == "ja"}]
    return _pruned(place)


def _offers(record: OfferRecord, inst: InstanceRecord) -> list[dict[str, Any]]:
    offer: dict[str, Any] = {"@type": "Offer", "priceCurrency": "EUR"}
    if inst.price_kind == PRICE_FREE:
        offer["price"] = 0
    elif inst.price_kind == PRICE_AMOUNT and inst.price is not None:
        offer["price"] = _price(inst.price)
    if inst.price_kind:
        offer["priceKind"] = _PRICE_KIND_IRI.get(inst.price_kind, inst.price_kind)
    offer["description"] = inst.price_note
    offer["url"] = record.url
    offer["availabilityEnds"] = (inst.registration_deadline
                                 and inst.registration_deadline.isoformat())
    if inst.status:
        offer["availability"] = _mapping("status", inst.status, "availability")
    offers = [_pruned(offer)]
    if inst.reduced_price is not None:
        offers.append({"@type": "Offer", "name": "ermäßigt", "priceCurrency": "EUR",
                       "price": _price(inst.reduced_price)})
    return offers


def _schedule(inst: InstanceRecord) -> dict[str, Any] | None:
    schedule: dict[str, Any] = {}
    schedule["startTime"] = inst.start_time and inst.start_time.isoformat()
    schedule["endTime"] = inst.end_time and inst.end_time.isoformat()
    schedule["byDay"] = [_mapping("wochentag", d, "schema") or d for d in inst.weekdays]
    if inst.rhythm:
        schedule["repeatFrequency"] = _mapping("rhythmus", inst.rhythm, "schema")
    schedule["repeatCount"] = inst.sessions
    schedule["description"] = inst.schedule_note
    schedule = _pruned(schedule)
    if not schedule:
        return None
    schedule["@type"] = "Schedule"
    schedule["scheduleTimezone"] = BERLIN
    schedule["startDate"] = inst.start_date and inst.start_date.isoformat()
    schedule["endDate"] = inst.end_date and inst.end_date.isoformat()
    return _pruned(schedule)


def _instance(record: OfferRecord, iri: str, inst: InstanceRecord, base_uri: str
              ) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": f"{iri}#termin-{_segment(inst.key)}",
                            "@type": "CourseInstance"}
    if inst.termin_id:
        node["identifier"] = inst.termin_id
    if inst.start_date:
        node["startDate"] = inst.start_date.isoformat()
    if inst.end_date:
        node["endDate"] = inst.end_date.isoformat()
    schedule = _schedule(inst)
    if schedule:
        node["courseSchedule"] = schedule
    modes: list[str] = []
    if inst.mode:
        modes.extend((_mapping("lernform", inst.mode, "schema") or inst.mode).split())
        node["eventAttendanceMode"] = _mapping("lernform", inst.mode, "attendance")
        node["learningMode"] = defined_term("lernform", inst.mode)
    for form in inst.time_forms:
        mapped = _mapping("zeitform", form, "schema")
        if mapped and mapped not in modes:
            modes.append(mapped)
    node["courseMode"] = modes
    node["timeForm"] = [defined_term("zeitform", f) for f in inst.time_forms]
    if inst.status:
        node["eventStatus"] = _mapping("status", inst.status, "schema")
        node["status"] = defined_term("status", inst.status)
    locations: list[dict[str, Any]] = []
    if inst.venue is not None and not inst.venue.is_empty():
        locations.append(_place(inst.venue, venue_iri(base_uri, record.provider.slug,
                                                      inst.venue)))
    if inst.online_url:
        # "#online-…" cannot collide with a "#termin-…" of another instance.
        locations.append({"@id": f"{iri}#online-{_segment(inst.key)}",
                          "@type": "VirtualLocation", "url": inst.online_url})
    node["location"] = locations[0] if len(locations) == 1 else locations
    node["offers"] = _offers(record, inst)
    if inst.price_kind == PRICE_FREE:
        node["isAccessibleForFree"] = True
    node["maximumAttendeeCapacity"] = inst.max_participants
    node["minimumAttendeeCapacity"] = inst.min_participants
    if inst.teaching_units is not None:
        node["teachingUnits"] = _dec(inst.teaching_units)
        node["courseWorkload"] = f"{_dec(inst.teaching_units).replace('.', ',')} UE à 45 Min."
    if inst.rolling_entry is not None:
        node["rollingEntry"] = inst.rolling_entry
    features = [_mapping("barriere_merkmal", f, "schema") for f in inst.accessibility_features]
    node["accessibilityFeature"] = [f for f in features if f]
    node["accessibilityCode"] = [defined_term("barriere_merkmal", f)
                                 for f in inst.accessibility_features]
    node["accessibilitySummary"] = inst.accessibility_note
    return _pruned(node)


def offer_to_jsonld(record: OfferRecord, base_uri: str, context_url: str | None,
                    default_licence: str | None = None) -> dict[str, Any]:
    """One offer as a schema:Course JSON-LD node with its course instances.

    `context_url` is the hub's served @context; None leaves "@context" out (for nodes inside
    a document that declares it once, such as the snapshot's @graph). The course carries its
    provider's licence, else `default_licence` (licence_of), as schema:license.
    """
    iri = offer_iri(base_uri, record.provider.slug, record.angebot_id)
    node: dict[str, Any] = {}
    if context_url:
        node["@context"] = context_url
    node["@id"] = iri
    node["@type"] = "Course"
    node["courseCode"] = record.angebot_id
    node["name"] = record.title
    node["description"] = record.description
    node["keywords"] = record.keywords
    node["url"] = record.url
    node["image"] = record.image_url
    node["provider"] = _provider(record, base_uri)
    node["license"] = licence_of(record, default_licence)
    if record.source is not None:  # harvested: the original it was derived from (PROV)
        node["isBasedOn"] = record.source.url
        node["prov:wasDerivedFrom"] = {"@id": record.source.url}
    if record.contact_email or record.contact_phone:  # the course's own contact
        node["contactPoint"] = _pruned({"@type": "ContactPoint", "email": record.contact_email,
                                        "telephone": record.contact_phone})
    levels = [defined_term("lebensphase", p) for p in record.life_phases]
    if record.level:
        levels.append(defined_term("niveau", record.level))
    node["educationalLevel"] = levels
    about: list[dict[str, Any]] = []
    if record.topic:
        about.append(defined_term("themenbereich", record.topic))
    if record.kursnet_code:
        about.append({"@type": "DefinedTerm", "termCode": record.kursnet_code,
                      "inDefinedTermSet": VOCAB_NS + "kursnet_systematik"})
    node["about"] = about
    if record.offer_form:
        node["learningResourceType"] = defined_term("angebotsform", record.offer_form)
    audience: dict[str, Any] = {}
    audience["audienceType"] = record.audience
    audience["targetGroup"] = [defined_term("zielgruppe", c) for c in record.audience_codes]
    audience["suggestedMinAge"] = record.min_age
    audience["suggestedMaxAge"] = record.max_age
    audience = _pruned(audience)
    if audience:
        # One type: OpenActive's validator cannot read an array. PeopleAudience is an Audience
        # (audienceType) with ages; the target-group codes stay as bd:targetGroup terms.
        node["audience"] = {"@type": "PeopleAudience", **audience}
    node["inLanguage"] = record.languages
    node["coursePrerequisites"] = record.prerequisites
    if record.funding:
        aid = [dict(defined_term("foerderung", f)) for f in record.funding]
        if record.funding_note:
            for term in aid:
                term["description"] = record.funding_note
        node["financialAidEligible"] = aid
    if record.azav_number:
        node["identifier"] = {"@type": "PropertyValue", "propertyID": "AZAV-Maßnahmenummer",
                              "value": record.azav_number}
    if record.credential_type or record.credential_name or record.examining_body:
        credential: dict[str, Any] = {"@type": "EducationalOccupationalCredential"}
        if record.credential_type:
            credential["credentialCategory"] = defined_term("abschlussart",
                                                            record.credential_type)
        credential["name"] = record.credential_name
        if record.examining_body:
            credential["recognizedBy"] = {"@type": "Organization", "name": record.examining_body}
        node["educationalCredentialAwarded"] = _pruned(credential)
    node["numberOfCredits"] = record.ects is not None and _dec(record.ects) or None
    node["dateModified"] = record.date_modified and record.date_modified.isoformat()
    node = _pruned(node)
    node["hasCourseInstance"] = [_instance(record, iri, i, base_uri) for i in record.instances]
    return node


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _dec(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(node: Any) -> str:
    """Compact JSON text of a JSON-LD node (no ASCII escaping)."""
    return orjson.dumps(node, default=_default).decode()


def offer_document(record: OfferRecord, base_uri: str, default_licence: str | None = None) -> str:
    """The offer's JSON-LD as compact JSON text without "@context": the form the hub stores
    once per offer and the snapshot's @graph lists as it is."""
    return dumps(offer_to_jsonld(record, base_uri, None, default_licence))


def with_context(document: str, context_url: str | None) -> str:
    """A stored `offer_document` text with "@context" put first, byte for byte what
    dumps(offer_to_jsonld(record, base_uri, context_url)) gives (no parse, no re-encoding)."""
    if not context_url:
        return document
    return '{"@context":' + dumps(context_url) + "," + document[1:]


def stream_documents(batches: Iterable[Sequence[bytes]], context_url: str) -> Iterator[bytes]:
    """The JSON-LD snapshot {"@context", "@graph": [...]} from `offer_document` texts as UTF-8,
    in chunks, one per batch.

    Memory stays constant whatever the number of offers: each batch is joined, yielded and
    dropped before the next is read.
    """
    yield ('{"@context":' + dumps(context_url) + ',"@graph":[').encode()
    first = True
    for batch in batches:
        if not batch:
            continue
        # Later batches start with the separating comma, in the same single copy.
        yield b",".join(batch) if first else b",".join([b"", *batch])
        first = False
    yield b"]}"


def stream_snapshot(batches: Iterable[Iterable[OfferRecord]], base_uri: str,
                    context_url: str, default_licence: str | None = None) -> Iterator[bytes]:
    """The JSON-LD snapshot of offer records, rendered batch by batch (see stream_documents)."""
    return stream_documents(([offer_document(r, base_uri, default_licence).encode()
                              for r in batch] for batch in batches), context_url)
