"""Sample offers for the API and round-trip tests: one fully filled row, and a small district."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, tombstone_offers, write_offers
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord

KVHS = ProviderRecord(slug="kvhs-bergstrasse", name="Kreisvolkshochschule Bergstraße", type="vhs",
                      url="https://www.kvhs-bergstrasse.example/", email="info@kvhs.example",
                      telephone="+49 6252 12345",
                      licence="http://dcat-ap.de/def/licenses/dl-by-de/2.0")
MUSIK = ProviderRecord(slug="musikschule-bensheim", name="Musikschule Bensheim", type="musikschule")
LEER = ProviderRecord(slug="verein-ohne-angebote", name="Verein ohne Angebote", type="verein")

HEPPENHEIM = VenueRecord(venue_name="vhs-Haus Heppenheim, Raum 3", street="Beispielstraße 1",
                         postal_code="64646", locality="Heppenheim (Bergstraße)", ags="06431011",
                         lat=Decimal("49.640700"), lon=Decimal("8.636700"),
                         venue_accessible="teilweise")
BENSHEIM = VenueRecord(venue_name="Musikschule, Saal", street="Am Markt 2", postal_code="64625",
                       locality="Bensheim", ags="06431002", venue_accessible="ja")


def full_offer() -> OfferRecord:
    """Every column of offer-columns.md filled (the round-trip sample row)."""
    return OfferRecord(
        angebot_id="25H-10102", title="Englisch A2 – Auffrischung",
        description="Wir wiederholen Grundstrukturen.\nMit Übungen für den Alltag.",
        provider=KVHS, keywords=["Englisch", "Sprachen", "Auffrischung"],
        url="https://www.kvhs-bergstrasse.example/kurs/25H-10102",
        image_url="https://www.kvhs-bergstrasse.example/bild/englisch.jpg",
        life_phases=["erwachsenenbildung", "senioren"], topic="sprachen", offer_form="kurs",
        kursnet_code="C 1435-10-10", contact_email="englisch@kvhs.example",
        contact_phone="06252 12345-6", audience="Erwachsene mit Vorkenntnissen",
        audience_codes=["erwachsene", "senioren"], min_age=16, max_age=99, level="A2",
        languages=["en", "de"], prerequisites="Grundkenntnisse (A1)",
        funding=["bildungsgutschein", "bildungsurlaub_hessen"], azav_number="962/123/25",
        funding_note="als Bildungsurlaub nach HBUG anerkannt",
        credential_type="zertifikat_extern", credential_name="telc English A2",
        examining_body="telc gGmbH", ects=Decimal("5.0"), date_modified=date(2025, 6, 20),
        instances=[InstanceRecord(
            termin_id="25H-10102-A", start_date=date(2025, 9, 8), end_date=date(2025, 12, 15),
            start_time=time(18, 30), end_time=time(20, 0), weekdays=["Mo", "Mi"],
            rhythm="woechentlich", sessions=12, teaching_units=Decimal("24.50"),
            schedule_note="nicht am 03.10.", rolling_entry=False,
            registration_deadline=date(2025, 9, 1), status="geplant", mode="hybrid",
            time_forms=["abends", "teilzeit"],
            online_url="https://meet.kvhs-bergstrasse.example/englisch-a2",
            accessibility_features=["aufzug", "induktive_hoeranlage"],
            accessibility_note="Aufzug vorhanden, Gebärdensprachdolmetschung auf Anfrage",
            min_participants=6, max_participants=14, price=Decimal("89.00"), price_kind="betrag",
            reduced_price=Decimal("62.30"), price_note="zzgl. 15 € Lehrbuch", venue=HEPPENHEIM)],
    )


def _offer(provider: ProviderRecord, angebot_id: str, title: str, **kw: Any) -> OfferRecord:
    instances = kw.pop("instances", None)
    if instances is None:
        instances = [InstanceRecord(mode="praesenz", start_date=date(2025, 3, 1),
                                    end_date=date(2025, 3, 31), price_kind="kostenlos",
                                    price=Decimal(0), venue=HEPPENHEIM)]
    return OfferRecord(angebot_id=angebot_id, title=title, description=kw.pop("description", ""),
                       provider=provider, life_phases=kw.pop("life_phases", ["erwachsenenbildung"]),
                       instances=instances, **kw)


def district_offers() -> dict[str, list[OfferRecord]]:
    """A few offers per provider that each filter of the API picks differently."""
    kvhs = [
        _offer(KVHS, "k1", "Töpfern für Einsteiger", description="Ton, Drehscheibe und Glasur."),
        _offer(KVHS, "k2", "ÜBUNGEN am PC", description="Tabellen_kalkulation mit 100% Praxis",
               life_phases=["senioren"], instances=[InstanceRecord(
                   mode="online_live", start_date=date(2025, 6, 1), end_date=date(2025, 6, 30),
                   price_kind="betrag", price=Decimal(40))]),
        _offer(KVHS, "k3", "Deutsch im Alltag (laufender Einstieg)", life_phases=["alle"],
               instances=[InstanceRecord(mode="praesenz", rolling_entry=True,
                                         price_kind="auf_anfrage", venue=BENSHEIM)]),
        _offer(KVHS, "k4", "Yoga ab Januar", instances=[InstanceRecord(
            mode="praesenz", start_date=date(2026, 1, 10), rolling_entry=True,
            price_kind="betrag", price=Decimal(60), venue=HEPPENHEIM)]),
        _offer(KVHS, "k5", "Vortragsreihe ohne Termine", instances=[]),
        _offer(KVHS, "k6", "Zwei Semester", instances=[
            InstanceRecord(termin_id="k6-a", mode="praesenz", start_date=date(2025, 1, 10),
                           end_date=date(2025, 1, 20), venue=HEPPENHEIM),
            InstanceRecord(termin_id="k6-b", mode="hybrid", start_date=date(2025, 9, 1),
                           end_date=date(2025, 9, 20), venue=BENSHEIM)]),
        _offer(KVHS, "gone", "Abgesagter Kurs"),
    ]
    musik = [
        _offer(MUSIK, f"m{n:02d}", f"Musikalische Früherziehung {n}", life_phases=[
            "fruehe_kindheit"], instances=[InstanceRecord(
                mode="praesenz", start_date=date(2025, 4, n), price_kind="betrag",
                price=Decimal("12.50"), venue=BENSHEIM)])
        for n in range(1, 9)
    ]
    return {KVHS.slug: kvhs, MUSIK.slug: musik, LEER.slug: []}


def store_district(engine: Engine) -> None:
    """Write the district offers; "kvhs-bergstrasse/gone" ends as a tombstone."""
    sessions = make_sessionmaker(engine)
    providers = {KVHS.slug: KVHS, MUSIK.slug: MUSIK, LEER.slug: LEER}
    with transaction(sessions) as session:
        for slug, records in district_offers().items():
            pid = ensure_provider(session, providers[slug])
            write_offers(session, pid, records)
    with transaction(sessions) as session:
        gone = session.execute(sa.text("SELECT id FROM offers WHERE feed_id = :f"),
                               {"f": "kvhs-bergstrasse/gone"}).scalar_one()
        tombstone_offers(session, [gone])


def store_offer(engine: Engine, record: OfferRecord) -> None:
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        write_offers(session, ensure_provider(session, record.provider), [record])
