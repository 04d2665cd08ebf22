"""The provider CSV columns, declared once (../shared/reference/offer-columns.md).

This list drives the upload template, the validators, the database model and the CSV feed.
`name` is the German header providers write; `field` is the attribute on the typed records.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

Level = Literal["course", "instance", "venue", "provider"]
Kind = Literal[
    "text", "url", "email", "code", "date", "time", "int", "decimal", "bool", "price",
    "postal_code", "ags", "phone",
]
Requirement = Literal["P", "E", "O", "B"]  # Pflicht, Empfohlen, Optional, Bedingt


@dataclass(frozen=True)
class Column:
    """One column of the offers CSV."""

    number: int
    name: str
    field: str
    kind: Kind
    requirement: Requirement
    level: Level
    is_list: bool = False
    codelist: str | None = None
    max_length: int | None = None
    aliases: tuple[str, ...] = dc_field(default_factory=tuple)
    label_de: str = ""
    label_en: str = ""

    @property
    def required(self) -> bool:
        """True when every row must fill the cell (Pflicht)."""
        return self.requirement == "P"


def _c(number: int, name: str, field: str, kind: Kind, requirement: Requirement, level: Level,
       label_de: str, label_en: str, *, is_list: bool = False, codelist: str | None = None,
       max_length: int | None = None, aliases: tuple[str, ...] = ()) -> Column:
    return Column(number, name, field, kind, requirement, level, is_list, codelist, max_length,
                  aliases, label_de, label_en)


COLUMNS: tuple[Column, ...] = (
    _c(1, "angebot_id", "angebot_id", "text", "P", "course", "Angebots-ID", "Offer ID",
       max_length=50, aliases=("offer_id", "course_id", "kursnummer", "kurs_nr", "course_code")),
    _c(2, "termin_id", "termin_id", "text", "O", "instance", "Termin-ID", "Session ID",
       max_length=50, aliases=("session_id", "instance_id", "event_id")),
    _c(3, "titel", "title", "text", "P", "course", "Titel", "Title", max_length=200,
       aliases=("title", "name", "kurstitel")),
    _c(4, "beschreibung", "description", "text", "P", "course", "Beschreibung", "Description",
       max_length=4000, aliases=("description", "kursbeschreibung")),
    _c(5, "schlagworte", "keywords", "text", "O", "course", "Schlagworte", "Keywords",
       is_list=True, aliases=("keywords", "stichworte", "tags")),
    _c(6, "url", "url", "url", "E", "course", "Webseite", "Web page",
       aliases=("link", "webseite", "website")),
    _c(7, "bild_url", "image_url", "url", "O", "course", "Bild-URL", "Image URL",
       aliases=("image_url", "image", "bild")),
    _c(8, "lebensphase", "life_phases", "code", "P", "course", "Lebensphase", "Life phase",
       is_list=True, codelist="lebensphase", aliases=("life_phase", "lebensphasen")),
    _c(9, "themenbereich", "topic", "code", "E", "course", "Themenbereich", "Topic",
       codelist="themenbereich", aliases=("topic", "programmbereich", "thema")),
    _c(10, "angebotsform", "offer_form", "code", "E", "course", "Angebotsform", "Offer form",
       codelist="angebotsform", aliases=("offer_form", "format", "veranstaltungsart")),
    _c(11, "kursnet_systematik", "kursnet_code", "text", "O", "course", "KURSNET-Systematik",
       "KURSNET classification", max_length=30, aliases=("kursnet", "kursnet_code")),
    _c(12, "anbieter_name", "provider_name", "text", "P", "provider", "Anbieter", "Provider",
       max_length=200, aliases=("provider_name", "anbieter", "provider", "traeger")),
    _c(13, "anbieter_typ", "provider_type", "code", "E", "provider", "Anbietertyp",
       "Provider type", codelist="anbieter_typ", aliases=("provider_type", "traegertyp")),
    _c(14, "anbieter_url", "provider_url", "url", "E", "provider", "Webseite des Anbieters",
       "Provider web page", aliases=("provider_url",)),
    _c(15, "kontakt_email", "contact_email", "email", "E", "course", "Kontakt-E-Mail",
       "Contact e-mail", aliases=("email", "e_mail", "contact_email", "kontakt_e_mail")),
    _c(16, "kontakt_telefon", "contact_phone", "phone", "O", "course", "Kontakt-Telefon",
       "Contact telephone", max_length=50, aliases=("telefon", "phone", "contact_phone")),
    _c(17, "beginn_datum", "start_date", "date", "B", "instance", "Beginn", "Start date",
       aliases=("start_date", "beginn", "startdatum", "datum_von")),
    _c(18, "ende_datum", "end_date", "date", "E", "instance", "Ende", "End date",
       aliases=("end_date", "ende", "enddatum", "datum_bis")),
    _c(19, "uhrzeit_von", "start_time", "time", "E", "instance", "Uhrzeit von", "Start time",
       aliases=("start_time", "von", "beginn_uhrzeit")),
    _c(20, "uhrzeit_bis", "end_time", "time", "E", "instance", "Uhrzeit bis", "End time",
       aliases=("end_time", "bis", "ende_uhrzeit")),
    _c(21, "wochentage", "weekdays", "code", "E", "instance", "Wochentage", "Weekdays",
       is_list=True, codelist="wochentag", aliases=("weekdays", "wochentag", "tage")),
    _c(22, "rhythmus", "rhythm", "code", "E", "instance", "Rhythmus", "Rhythm",
       codelist="rhythmus", aliases=("rhythm", "frequency", "turnus")),
    _c(23, "anzahl_termine", "sessions", "int", "E", "instance", "Anzahl Termine",
       "Number of sessions", aliases=("sessions", "termine", "number_of_sessions")),
    _c(24, "unterrichtseinheiten", "teaching_units", "decimal", "E", "instance",
       "Unterrichtseinheiten", "Teaching units", aliases=("teaching_units", "ue")),
    _c(25, "termin_hinweis", "schedule_note", "text", "O", "instance", "Terminhinweis",
       "Schedule note", max_length=1000, aliases=("schedule_note",)),
    _c(26, "laufender_einstieg", "rolling_entry", "bool", "O", "instance",
       "Laufender Einstieg", "Rolling entry", aliases=("rolling_entry", "einstieg_jederzeit")),
    _c(27, "anmeldeschluss", "registration_deadline", "date", "O", "instance",
       "Anmeldeschluss", "Registration deadline", aliases=("registration_deadline",)),
    _c(28, "status", "status", "code", "O", "instance", "Status", "Status", codelist="status",
       aliases=("event_status",)),
    _c(29, "lernform", "mode", "code", "P", "instance", "Lernform", "Learning mode",
       codelist="lernform", aliases=("mode", "course_mode", "learning_mode", "durchfuehrungsform")),
    _c(30, "zeitform", "time_forms", "code", "O", "instance", "Zeitform", "Time form",
       is_list=True, codelist="zeitform", aliases=("time_form", "zeitmodell")),
    _c(31, "ort_name", "venue_name", "text", "B", "venue", "Veranstaltungsort", "Venue",
       max_length=200, aliases=("venue", "venue_name", "veranstaltungsort", "location")),
    _c(32, "strasse", "street", "text", "B", "venue", "Straße", "Street", max_length=200,
       aliases=("street", "street_address", "adresse", "anschrift")),
    _c(33, "plz", "postal_code", "postal_code", "B", "venue", "PLZ", "Postal code",
       aliases=("postal_code", "postleitzahl", "zip")),
    _c(34, "ort", "locality", "text", "B", "venue", "Ort", "Locality", max_length=100,
       aliases=("city", "locality", "stadt", "gemeinde")),
    _c(35, "gemeinde_ags", "ags", "ags", "O", "venue", "Gemeindeschlüssel (AGS)",
       "Municipality key (AGS)", aliases=("ags", "municipality_key", "gemeindeschluessel")),
    _c(36, "lat", "lat", "decimal", "O", "venue", "Breitengrad", "Latitude",
       aliases=("latitude", "breite", "breitengrad")),
    _c(37, "lon", "lon", "decimal", "O", "venue", "Längengrad", "Longitude",
       aliases=("longitude", "lng", "laenge", "laengengrad")),
    _c(38, "online_url", "online_url", "url", "B", "instance", "Online-Zugang", "Online URL",
       aliases=("online_link", "online_zugang")),
    _c(39, "barrierefrei_ort", "venue_accessible", "code", "E", "venue", "Barrierefreier Ort",
       "Accessible venue", codelist="barrierefrei", aliases=("barrierefrei", "wheelchair_accessible")),
    _c(40, "barriere_merkmale", "accessibility_features", "code", "O", "instance",
       "Merkmale der Barrierefreiheit", "Accessibility features", is_list=True,
       codelist="barriere_merkmal", aliases=("accessibility_features",)),
    _c(41, "barrierefreiheit_hinweis", "accessibility_note", "text", "O", "instance",
       "Hinweis zur Barrierefreiheit", "Accessibility note", max_length=1000,
       aliases=("accessibility_note", "accessibility_summary")),
    _c(42, "zielgruppe", "audience", "text", "E", "course", "Zielgruppe", "Audience",
       max_length=500, aliases=("audience", "target_group")),
    _c(43, "zielgruppe_codes", "audience_codes", "code", "O", "course", "Zielgruppen (Codes)",
       "Audience codes", is_list=True, codelist="zielgruppe", aliases=("audience_codes",)),
    _c(44, "alter_von", "min_age", "int", "O", "course", "Alter von", "Minimum age",
       aliases=("min_age", "age_from", "mindestalter")),
    _c(45, "alter_bis", "max_age", "int", "O", "course", "Alter bis", "Maximum age",
       aliases=("max_age", "age_to", "hoechstalter")),
    _c(46, "niveau", "level", "code", "O", "course", "Niveau", "Level", codelist="niveau",
       aliases=("level", "stufe")),
    _c(47, "sprache", "languages", "code", "E", "course", "Sprache", "Language", is_list=True,
       codelist="sprache", aliases=("language", "languages", "sprachen", "unterrichtssprache")),
    _c(48, "voraussetzungen", "prerequisites", "text", "O", "course", "Voraussetzungen",
       "Prerequisites", max_length=1000, aliases=("prerequisites", "vorkenntnisse")),
    _c(49, "teilnehmende_min", "min_participants", "int", "O", "instance",
       "Teilnehmende mindestens", "Minimum participants",
       aliases=("min_participants", "teilnehmer_min")),
    _c(50, "teilnehmende_max", "max_participants", "int", "O", "instance",
       "Teilnehmende höchstens", "Maximum participants",
       aliases=("max_participants", "teilnehmer_max")),
    _c(51, "preis", "price", "price", "P", "instance", "Preis", "Price",
       aliases=("price", "gebuehr", "entgelt", "kosten")),
    _c(52, "preis_ermaessigt", "reduced_price", "decimal", "O", "instance", "Preis ermäßigt",
       "Reduced price", aliases=("reduced_price", "ermaessigt")),
    _c(53, "preis_hinweis", "price_note", "text", "O", "instance", "Preishinweis", "Price note",
       max_length=1000, aliases=("price_note",)),
    _c(54, "foerderung", "funding", "code", "O", "course", "Förderung", "Funding",
       is_list=True, codelist="foerderung", aliases=("funding", "foerdermoeglichkeiten")),
    _c(55, "azav_massnahmenummer", "azav_number", "text", "B", "course",
       "AZAV-Maßnahmenummer", "AZAV measure number", max_length=50,
       aliases=("azav", "azav_number", "massnahmenummer")),
    _c(56, "foerderung_hinweis", "funding_note", "text", "O", "course", "Förderhinweis",
       "Funding note", max_length=1000, aliases=("funding_note",)),
    _c(57, "abschlussart", "credential_type", "code", "E", "course", "Abschlussart",
       "Credential type", codelist="abschlussart", aliases=("credential", "credential_type", "abschluss")),
    _c(58, "abschluss_bezeichnung", "credential_name", "text", "O", "course",
       "Abschlussbezeichnung", "Credential name", max_length=200, aliases=("credential_name",)),
    _c(59, "pruefende_stelle", "examining_body", "text", "O", "course", "Prüfende Stelle",
       "Examining body", max_length=200, aliases=("examining_body", "pruefstelle")),
    _c(60, "ects", "ects", "decimal", "O", "course", "ECTS", "ECTS credits",
       aliases=("credits", "ects_punkte")),
    _c(61, "stand", "date_modified", "date", "O", "course", "Stand", "Last modified",
       aliases=("date_modified", "last_modified", "aktualisiert")),
)

COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
COLUMNS_BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
# Position of each record field in a typed upload row (the validators' rows, in COLUMNS order):
# the one layout validators and the hub's row mapper share.
FIELD_POSITIONS: dict[str, int] = {c.field: i for i, c in enumerate(COLUMNS)}

