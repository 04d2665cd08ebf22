"""Marshmallow schemas of the read-only JSON API (/api/v1): what goes out, and the query
parameters that come in. The OpenAPI document (hub.api.openapi) is generated from these.

Field names are the record field names of vocab.records. Decimals (prices, teaching units,
coordinates, ECTS) are JSON strings such as "89.00" so no amount is rounded by a float.
Dates are ISO 8601 (YYYY-MM-DD), times HH:MM:SS (local time, Europe/Berlin).
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from ...vocab.codelists import codelist

AGS_PATTERN = r"^\d{8}$"
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def _text(doc: str, **kw: Any) -> fields.String:
    return fields.String(allow_none=True, metadata={"description": doc}, **kw)


def _code(name: str, doc: str) -> fields.String:
    # The codes of the list are documented as an enum in the OpenAPI document.
    return fields.String(allow_none=True, metadata={"description": doc, "codelist": name})


def _codes(name: str, doc: str) -> fields.List:
    return fields.List(fields.String(metadata={"codelist": name}),
                       metadata={"description": doc})


def _decimal(doc: str) -> fields.Decimal:
    return fields.Decimal(as_string=True, allow_none=True, metadata={"description": doc})


class ProviderSchema(Schema):
    """A provider (Träger) as embedded in an offer."""

    slug = fields.String(required=True, metadata={"description": "Kurzname des Anbieters im Hub"})
    name = fields.String(required=True, metadata={"description": "anbieter_name"})
    type = _code("anbieter_typ", "anbieter_typ")
    url = _text("anbieter_url")
    email = _text("E-Mail des Anbieters")
    telephone = _text("Telefon des Anbieters")
    licence = _text("Lizenz der Daten (dcat-ap.de-IRI); leer = Standardlizenz des Kreises")


class ProviderListItemSchema(ProviderSchema):
    """A provider in the provider list, with its number of live offers."""

    offer_count = fields.Integer(required=True, metadata={"description": "Anzahl aktueller Angebote"})
    offers = fields.String(required=True, metadata={"description": "Link auf seine Angebote",
                                                    "format": "uri"})


class ProviderListSchema(Schema):
    items = fields.List(fields.Nested(ProviderListItemSchema), required=True)


class VenueSchema(Schema):
    """Where an instance takes place."""

    venue_name = _text("ort_name")
    street = _text("strasse")
    postal_code = _text("plz")
    locality = _text("ort")
    ags = fields.String(allow_none=True, metadata={"description": "gemeinde_ags",
                                                   "pattern": AGS_PATTERN})
    lat = _decimal("lat (WGS84)")
    lon = _decimal("lon (WGS84)")
    venue_accessible = _code("barrierefrei", "barrierefrei_ort")


class InstanceSchema(Schema):
    """One dated run of the course (schema:CourseInstance)."""

    termin_id = _text("termin_id")
    start_date = fields.Date(allow_none=True, metadata={"description": "beginn_datum"})
    end_date = fields.Date(allow_none=True, metadata={"description": "ende_datum"})
    start_time = fields.Time(allow_none=True, metadata={"description": "uhrzeit_von"})
    end_time = fields.Time(allow_none=True, metadata={"description": "uhrzeit_bis"})
    weekdays = _codes("wochentag", "wochentage")
    rhythm = _code("rhythmus", "rhythmus")
    sessions = fields.Integer(allow_none=True, metadata={"description": "anzahl_termine"})
    teaching_units = _decimal("unterrichtseinheiten (UE à 45 Minuten)")
    schedule_note = _text("termin_hinweis")
    rolling_entry = fields.Boolean(allow_none=True, metadata={"description": "laufender_einstieg"})
    registration_deadline = fields.Date(allow_none=True, metadata={"description": "anmeldeschluss"})
    status = _code("status", "status")
    mode = _code("lernform", "lernform")
    time_forms = _codes("zeitform", "zeitform")
    online_url = _text("online_url")
    accessibility_features = _codes("barriere_merkmal", "barriere_merkmale")
    accessibility_note = _text("barrierefreiheit_hinweis")
    min_participants = fields.Integer(allow_none=True, metadata={"description": "teilnehmende_min"})
    max_participants = fields.Integer(allow_none=True, metadata={"description": "teilnehmende_max"})
    price = _decimal("preis in Euro (bei price_kind = betrag; 0.00 bei kostenlos)")
    price_kind = fields.String(allow_none=True, metadata={
        "description": "Art des Preises", "enum": ["betrag", "kostenlos", "auf_anfrage"]})
    reduced_price = _decimal("preis_ermaessigt in Euro")
    price_note = _text("preis_hinweis")
    venue = fields.Nested(VenueSchema, allow_none=True, metadata={"description": "Veranstaltungsort"})


class SourceSchema(Schema):
    """Where a harvested offer came from (another hub's RPDE feed)."""

    name = fields.String(required=True, metadata={"description": "Name der Quelle im Hub"})
    url = fields.String(required=True, metadata={
        "description": "IRI des Originals (sonst die Adresse des Feeds der Quelle)",
        "format": "uri"})
    item_id = fields.String(required=True, metadata={"description": "id des RPDE-Eintrags"})
    modified = fields.Integer(required=True, metadata={
        "description": "modified des RPDE-Eintrags, aus dem das Angebot zuletzt geschrieben wurde"})


class OfferSchema(Schema):
    """A course of one provider (schema:Course) with its dated instances."""

    id = fields.String(required=True, attribute="feed_id",
                       metadata={"description": "Kennung im Hub: <Anbieter>/<angebot_id>"})
    self_link = fields.String(required=True, data_key="self",
                              metadata={"description": "Link auf dieses Angebot", "format": "uri"})
    modified = fields.Integer(required=True, metadata={"description": "Änderungsstempel"})
    angebot_id = fields.String(required=True, metadata={"description": "angebot_id"})
    title = fields.String(required=True, metadata={"description": "titel"})
    description = fields.String(required=True, metadata={"description": "beschreibung"})
    keywords = fields.List(fields.String(), metadata={"description": "schlagworte"})
    url = _text("url")
    image_url = _text("bild_url")
    life_phases = _codes("lebensphase", "lebensphase")
    topic = _code("themenbereich", "themenbereich")
    offer_form = _code("angebotsform", "angebotsform")
    kursnet_code = _text("kursnet_systematik")
    contact_email = _text("kontakt_email")
    contact_phone = _text("kontakt_telefon")
    audience = _text("zielgruppe")
    audience_codes = _codes("zielgruppe", "zielgruppe_codes")
    min_age = fields.Integer(allow_none=True, metadata={"description": "alter_von"})
    max_age = fields.Integer(allow_none=True, metadata={"description": "alter_bis"})
    level = _code("niveau", "niveau")
    languages = _codes("sprache", "sprache")
    prerequisites = _text("voraussetzungen")
    funding = _codes("foerderung", "foerderung")
    azav_number = _text("azav_massnahmenummer")
    funding_note = _text("foerderung_hinweis")
    credential_type = _code("abschlussart", "abschlussart")
    credential_name = _text("abschluss_bezeichnung")
    examining_body = _text("pruefende_stelle")
    ects = _decimal("ects")
    date_modified = fields.Date(allow_none=True, metadata={"description": "stand"})
    provider = fields.Nested(ProviderSchema, required=True)
    instances = fields.List(fields.Nested(InstanceSchema), required=True,
                            metadata={"description": "Termine (Durchführungen)"})
    source = fields.Nested(SourceSchema, allow_none=True, metadata={
        "description": "Herkunft eines geernteten Angebots (null: direkt bei diesem Hub)"})


class OfferPageSchema(Schema):
    """One page of offers; `next` is the absolute URL of the following page, or null."""

    items = fields.List(fields.Nested(OfferSchema), required=True)
    next = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    total = fields.Integer(metadata={"description": "Nur mit facets=true: Zahl aller Treffer"})
    facets = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={"description": "Nur mit facets=true: je Filter (life_phase, municipality, "
                                 "topic, mode, language, funding) und Wert die Zahl der "
                                 "Angebote, die dieselbe Suche mit diesem Wert dazu ergibt"})
    suggestion = fields.String(metadata={"description": "Nur bei einer Textsuche ohne "
                                                        "Treffer: ein Suchtext aus bekannten "
                                                        "Wörtern, der Treffer hat"})


class ProblemSchema(Schema):
    """An error (RFC 9457 problem details)."""

    type = fields.String(required=True, metadata={"format": "uri"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stabiler Fehlercode"})
    detail = fields.String()
    parameter = fields.String(metadata={"description": "der fehlerhafte Parameter"})
    allowed = fields.List(fields.String(), metadata={"description": "erlaubte Werte"})


def _one_of(name: str) -> validate.OneOf:
    codes = codelist(name).codes
    return validate.OneOf(codes, error="Unbekannter Code „{input}“. Erlaubt: {choices}.")
