"""Offer records for the feed tests, written through the real store."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord

KVHS = ProviderRecord(slug="kvhs", name="Kreisvolkshochschule Bergstraße", type="vhs",
                      url="https://www.kvhs-bergstrasse.de", email="info@kvhs.example")
MUSIK = ProviderRecord(slug="musikschule", name="Musikschule Bensheim", type="musikschule")

HEPPENHEIM = VenueRecord(venue_name="vhs-Haus Heppenheim, Raum 3", street="Beispielstraße 1",
                         postal_code="64646", locality="Heppenheim (Bergstraße)",
                         ags="06431011", lat=Decimal("49.6407"), lon=Decimal("8.6367"),
                         venue_accessible="teilweise")
BENSHEIM = VenueRecord(venue_name="Musikschule", street="Hauptstraße 5", postal_code="64625",
                       locality="Bensheim", ags="06431002", venue_accessible="ja")


def sample_offer(angebot_id: str = "25H-10102", provider: ProviderRecord = KVHS,
                 start: date | None = None, title: str = "Englisch A2 – Auffrischung",
                 venue: VenueRecord | None = HEPPENHEIM) -> OfferRecord:
    """A complete offer (every column filled) with two instances."""
    start = start or date.today() + timedelta(days=30)
    first = InstanceRecord(
        termin_id=f"{angebot_id}-A", start_date=start, end_date=start + timedelta(days=70),
        start_time=time(18, 30), end_time=time(20, 0), weekdays=["Mo"], rhythm="woechentlich",
        sessions=12, teaching_units=Decimal(24), schedule_note="nicht in den Herbstferien",
        rolling_entry=False, registration_deadline=start - timedelta(days=7), status="geplant",
        mode="praesenz", time_forms=["abends"], accessibility_features=["aufzug",
                                                                          "induktive_hoeranlage"],
        accessibility_note="Aufzug vorhanden", min_participants=6, max_participants=14,
        price=Decimal("89.00"), price_kind="betrag", reduced_price=Decimal("62.30"),
        price_note="zzgl. 15 € Lehrbuch", venue=venue)
    second = InstanceRecord(
        termin_id=f"{angebot_id}-B", start_date=start + timedelta(days=90), mode="online_live",
        online_url="https://meet.example.org/englisch", price=Decimal(0),
        price_kind="kostenlos",
        status="warteliste")
    return OfferRecord(
        angebot_id=angebot_id, title=title,
        description="Wir wiederholen Grundstrukturen.\nMit Übungen.", provider=provider,
        keywords=["Englisch", "Sprachen"], url="https://www.kvhs-bergstrasse.de/kurs/1",
        life_phases=["erwachsenenbildung"], topic="sprachen", offer_form="kurs",
        contact_email="info@kvhs.example", contact_phone="06252 12345",
        audience="Erwachsene mit Vorkenntnissen", audience_codes=["erwachsene"], min_age=16,
        level="A2", languages=["de", "en"], prerequisites="Grundkenntnisse (A1)",
        funding=["bildungsurlaub_hessen"], funding_note="als Bildungsurlaub anerkannt",
        credential_type="zertifikat_extern", credential_name="telc English A2",
        examining_body="telc gGmbH", date_modified=date(2025, 6, 20),
        instances=[first, second])


def simple_offer(angebot_id: str, provider: ProviderRecord = KVHS, title: str = "Kurs",
                 start: date | None = None, life_phase: str = "erwachsenenbildung",
                 venue: VenueRecord | None = HEPPENHEIM, price: str = "10.00") -> OfferRecord:
    """A small valid offer with one on-site instance."""
    start = start or date.today() + timedelta(days=10)
    return OfferRecord(
        angebot_id=angebot_id, title=title, description=f"Beschreibung von {title}",
        provider=provider, life_phases=[life_phase], topic="gesundheit", offer_form="kurs",
        contact_email="info@example.org", url="https://example.org/kurs",
        instances=[InstanceRecord(start_date=start, end_date=start, mode="praesenz",
                                  price=Decimal(price), price_kind="betrag", venue=venue,
                                  start_time=time(10, 0), end_time=time(12, 0))])


def write(engine: sa.engine.Engine, records: Sequence[OfferRecord],
          provider: ProviderRecord | None = None, replace: bool = False) -> None:
    """Write `records` of one provider in one transaction (the store's own code path)."""
    provider = provider or (records[0].provider if records else KVHS)
    with transaction(make_sessionmaker(engine)) as session:
        begin_write(session)
        pid = ensure_provider(session, provider)
        write_offers(session, pid, list(records), replace=replace)
