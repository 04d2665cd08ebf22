"""Offers for the German full-text and place searches: inflected forms, umlauts, words in
title, description, keywords, provider and place, at venues with and without coordinates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bildungsdaten.hub.db import make_sessionmaker, transaction
from bildungsdaten.hub.offers.store import ensure_provider, tombstone_offers, write_offers
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord

VHS = ProviderRecord(slug="kvhs", name="Kreisvolkshochschule Bergstraße", type="vhs")
FAMILIE = ProviderRecord(slug="familienbildung", name="Familienbildungsstätte Lampertheim",
                         type="familienbildung")

# Own coordinates (Heppenheim, Marktplatz) / only a municipality (Bensheim's centre is used)
HEPPENHEIM = VenueRecord(venue_name="vhs-Haus am Marktplatz", postal_code="64646",
                         locality="Heppenheim (Bergstraße)", ags="06431011",
                         lat=Decimal("49.642000"), lon=Decimal("8.638000"),
                         venue_accessible="ja")
BENSHEIM = VenueRecord(venue_name="Bürgerhaus Kronepark", postal_code="64625",
                       locality="Bensheim", ags="06431002")
LAMPERTHEIM = VenueRecord(venue_name="Familienzentrum", postal_code="68623",
                          locality="Lampertheim", ags="06431013")
VIERNHEIM = VenueRecord(venue_name="Kulturscheune", postal_code="68519", locality="Viernheim",
                        ags="06431020", lat=Decimal("49.540300"), lon=Decimal("8.578200"))


def _offer(provider: ProviderRecord, angebot_id: str, title: str, description: str = "",
           venues: tuple[VenueRecord | None, ...] = (HEPPENHEIM,), day: int = 1,
           inst: dict[str, Any] | None = None, **kw: Any) -> OfferRecord:
    given = {"mode": "praesenz", "price_kind": "betrag", "price": Decimal(40), **(inst or {})}
    instances = [InstanceRecord(termin_id=f"{angebot_id}-{n}", start_date=date(2026, 3, day + n),
                                venue=venue, **given)
                 for n, venue in enumerate(venues)]
    return OfferRecord(angebot_id=angebot_id, title=title, description=description,
                       provider=provider, life_phases=kw.pop("life_phases", ["erwachsenenbildung"]),
                       instances=instances, **kw)


FREE = {"price_kind": "kostenlos", "price": None}


def search_offers() -> list[OfferRecord]:
    return [
        _offer(VHS, "pc1", "Computerkurs für Senioren", "Grundlagen am PC, in Ruhe erklärt.",
               day=10, inst=FREE, life_phases=["senioren"], topic="arbeit_beruf_it",
               languages=["de"], funding=["bildungsgutschein"]),
        _offer(VHS, "pc2", "Computerkurse am Abend", "Textverarbeitung und E-Mail.",
               venues=(BENSHEIM,), day=3, topic="arbeit_beruf_it", languages=["de"]),
        _offer(VHS, "foto", "Fotografie mit dem Smartphone",
               "Wie in unseren Computerkursen: Bilder bearbeiten und teilen.", day=20,
               life_phases=["alle"], topic="kultur_gestalten"),
        _offer(VHS, "fuehr", "Führungen durch die Altstadt", "Treffpunkt am Rathaus.",
               venues=(HEPPENHEIM, BENSHEIM), day=5, inst=FREE, topic="kultur_gestalten",
               languages=["de", "en"]),
        _offer(VHS, "stadt", "Stadtgeschichte erleben", "Eine FÜHRUNG mit Zeitzeugen.",
               venues=(VIERNHEIM,), day=1, life_phases=["senioren", "erwachsenenbildung"],
               topic="politik_gesellschaft_umwelt"),
        _offer(VHS, "engl", "Englisch A2", "Auffrischung", keywords=["Sprachen", "Reisen"],
               venues=(None,), day=12, inst={"mode": "online_live"}, topic="sprachen",
               languages=["en", "de"], funding=["bildungsurlaub_hessen", "bildungsgutschein"]),
        _offer(FAMILIE, "yoga", "Yoga für Schwangere", "Sanfte Übungen 100% entspannt.",
               venues=(LAMPERTHEIM, HEPPENHEIM), day=2, topic="gesundheit",
               inst={"mode": "hybrid"}),
        _offer(FAMILIE, "gone", "Computerkurs (gelöscht)", "Abgesagt.", inst=FREE,
               topic="arbeit_beruf_it"),
    ]


def store_search_offers(engine: Engine) -> None:
    """Write the offers; "familienbildung/gone" ends as a tombstone."""
    sessions = make_sessionmaker(engine)
    records = search_offers()
    with transaction(sessions) as session:
        for provider in (VHS, FAMILIE):
            write_offers(session, ensure_provider(session, provider),
                         [r for r in records if r.provider is provider])
    with transaction(sessions) as session:
        gone = session.execute(sa.text("SELECT id FROM offers WHERE feed_id = :f"),
                               {"f": "familienbildung/gone"}).scalar_one()
        tombstone_offers(session, [gone])
