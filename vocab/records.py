"""Typed offer records: the plain data that validators produce, the hub stores and feeds read.

Field names follow `vocab.columns` (`Column.field`). Code-list values are codes (str), list
columns are lists, dates/times/decimals are Python types; None means "not given".
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, time
from decimal import Decimal

PRICE_AMOUNT = "betrag"
PRICE_FREE = "kostenlos"
PRICE_ON_REQUEST = "auf_anfrage"


@dataclass
class ProviderRecord:
    """A provider (Träger) of offers."""

    slug: str
    name: str
    type: str | None = None
    url: str | None = None
    email: str | None = None
    telephone: str | None = None
    licence: str | None = None  # dcat-ap.de licence IRI; None = the district default


@dataclass
class VenueRecord:
    """Where an instance takes place."""

    venue_name: str | None = None
    street: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    ags: str | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    venue_accessible: str | None = None
    # The key the hub stored the venue under (hub.models.Venue.venue_key), set when loaded
    # from the database; not a column, so outside VENUE_FIELDS, comparisons and is_empty.
    key: str | None = field(default=None, compare=False, repr=False)

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in VENUE_FIELDS)


@dataclass
class InstanceRecord:
    """One dated run of a course (schema:CourseInstance), one CSV row."""

    termin_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    weekdays: list[str] = field(default_factory=list)
    rhythm: str | None = None
    sessions: int | None = None
    teaching_units: Decimal | None = None
    schedule_note: str | None = None
    rolling_entry: bool | None = None
    registration_deadline: date | None = None
    status: str | None = None
    mode: str | None = None
    time_forms: list[str] = field(default_factory=list)
    online_url: str | None = None
    accessibility_features: list[str] = field(default_factory=list)
    accessibility_note: str | None = None
    min_participants: int | None = None
    max_participants: int | None = None
    price: Decimal | None = None
    price_kind: str | None = None  # PRICE_AMOUNT, PRICE_FREE or PRICE_ON_REQUEST
    reduced_price: Decimal | None = None
    price_note: str | None = None
    venue: VenueRecord | None = None

    @property
    def key(self) -> str:
        """The instance's identity within its course: termin_id, else the start date."""
        if self.termin_id:
            return self.termin_id
        return self.start_date.isoformat() if self.start_date else "laufend"


@dataclass(frozen=True)
class SourceRecord:
    """Where a harvested offer came from (PROV): the source's name, the original's IRI (else
    the source's feed URL), the RPDE item id and the item's `modified`."""

    name: str
    url: str
    item_id: str
    modified: int


@dataclass
class OfferRecord:
    """A course (schema:Course) of one provider with its dated instances."""

    angebot_id: str
    title: str
    description: str
    provider: ProviderRecord
    keywords: list[str] = field(default_factory=list)
    url: str | None = None
    image_url: str | None = None
    life_phases: list[str] = field(default_factory=list)
    topic: str | None = None
    offer_form: str | None = None
    kursnet_code: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    audience: str | None = None
    audience_codes: list[str] = field(default_factory=list)
    min_age: int | None = None
    max_age: int | None = None
    level: str | None = None
    languages: list[str] = field(default_factory=list)
    prerequisites: str | None = None
    funding: list[str] = field(default_factory=list)
    azav_number: str | None = None
    funding_note: str | None = None
    credential_type: str | None = None
    credential_name: str | None = None
    examining_body: str | None = None
    ects: Decimal | None = None
    date_modified: date | None = None
    instances: list[InstanceRecord] = field(default_factory=list)
    # Set by the hub for stored offers: the feed identity, change stamp and tombstone flag.
    modified: int | None = None
    deleted: bool = False
    # Set by the hub for a harvested offer: its provenance (hub.sources).
    source: SourceRecord | None = None

    @property
    def feed_id(self) -> str:
        """The offer's identity in every feed: "<provider slug>/<angebot_id>"."""
        return f"{self.provider.slug}/{self.angebot_id}"


COURSE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(OfferRecord)
    if f.name not in ("angebot_id", "provider", "instances", "modified", "deleted", "source")
)
INSTANCE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(InstanceRecord) if f.name != "venue")
VENUE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(VenueRecord) if f.name != "key")

