"""A small constructed provider whose quality score is computed by hand (tests of the provider
workspace and the office's quality overview).

Provider "probe", relative to `today`:
- "voll" (all 6 groups, accessibility known) ends today + 10: expires soon;
- "halb" (contact, prices, coordinates: 3 of 6; accessibility "unbekannt") ended yesterday;
- "weit" (all 6 groups) ends today + 100;
- "weg" (a tombstone): counts nowhere.
Uploads: an import 60 days ago; a refused upload 5 days ago (10 rows, 1 error, 2 warnings);
a failed one 2 days ago and a dry run (5 errors) yesterday, which the score passes over.

By hand: V = (6 + 3 + 6) / 18, B = 2 / 3, A = (180 − 60) / 150 = 0.8,
M = 1 − (1 + 2/4) / 10 = 0.85; score = 40·15/18 + 20·2/3 + 20·0.8 + 20·0.85
= 33.33 + 13.33 + 16 + 17 = 79.67 -> 80.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bildungsdaten.hub.models import Offer, Upload
from bildungsdaten.hub.offers.store import ensure_provider, tombstone_offers, write_offers
from bildungsdaten.vocab.records import InstanceRecord, OfferRecord, ProviderRecord, VenueRecord

PROBE = ProviderRecord(slug="probe", name="Probe-Bildungswerk", type="bildungswerk_verband")
OTHER = ProviderRecord(slug="andere", name="Anderer Träger", type="verein")
EXPECTED_SCORE = 80
ROOM = VenueRecord(venue_name="Haus am Markt", street="Am Markt 1", postal_code="64646",
                   locality="Heppenheim (Bergstraße)", ags="06431011",
                   lat=Decimal("49.640700"), lon=Decimal("8.636700"), venue_accessible="ja")
HALL = VenueRecord(venue_name="Alte Halle", street="Hallenweg 2", postal_code="64625",
                   locality="Bensheim", ags="06431002", lat=Decimal("49.680000"),
                   lon=Decimal("8.620000"), venue_accessible="unbekannt")


def _offer(provider: ProviderRecord, angebot_id: str, title: str, end: date,
           complete: bool) -> OfferRecord:
    start = end - timedelta(days=7)
    instance = InstanceRecord(
        termin_id=f"{angebot_id}-1", start_date=start, end_date=end, start_time=time(18, 0),
        end_time=time(20, 0), mode="praesenz", venue=ROOM if complete else HALL,
        price=Decimal("45.00") if complete else None,
        price_kind="betrag" if complete else "kostenlos")
    return OfferRecord(
        angebot_id=angebot_id, title=title, description=f"Beschreibung von {title}.",
        provider=provider, life_phases=["erwachsenenbildung"], topic="sprachen",
        contact_email="info@probe.example",
        prerequisites="Keine" if complete else None,
        funding=["bildungsurlaub_hessen"] if complete else [], instances=[instance])


def probe_offers(today: date, provider: ProviderRecord = PROBE) -> list[OfferRecord]:
    return [_offer(provider, "voll", "Englisch kompakt", today + timedelta(days=10), True),
            _offer(provider, "halb", "Töpfern für alle", today - timedelta(days=1), False),
            _offer(provider, "weit", "Französisch Grundkurs", today + timedelta(days=100), True),
            _offer(provider, "weg", "Abgesagter Kurs", today + timedelta(days=30), False)]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0))


def _upload(provider_id: int, day: date, status: str, dry_run: bool, rows: int, errors: int,
            warnings: int) -> Upload:
    report = {"valid": errors == 0, "truncated": False, "errors": [],
              "stats": {"rows": rows, "offers": rows, "errors": errors, "warnings": warnings}}
    return Upload(provider_id=provider_id, filename=f"{status}-{day}.csv", status=status,
                  dry_run=dry_run, report=report, stats={"created": 0}, created_at=_at(day),
                  finished_at=_at(day), source="page")


def store_probe(engine: Engine, today: date) -> dict[str, Any]:
    """The probe provider (and another with one offer and one upload); their ids."""
    with Session(engine) as session, session.begin():
        pid = ensure_provider(session, PROBE)
        write_offers(session, pid, probe_offers(today))
        gone = session.execute(sa.select(Offer.id).where(
            Offer.provider_id == pid, Offer.angebot_id == "weg")).scalar_one()
        tombstone_offers(session, [gone])
        session.add_all([
            _upload(pid, today - timedelta(days=60), "done", False, 12, 0, 0),
            _upload(pid, today - timedelta(days=5), "invalid", False, 10, 1, 2),
            _upload(pid, today - timedelta(days=2), "failed", False, 0, 0, 0),
            _upload(pid, today - timedelta(days=1), "invalid", True, 10, 5, 0),
        ])
        other = ensure_provider(session, OTHER)
        write_offers(session, other, [_offer(OTHER, "fremd", "Fremdes Angebot",
                                             today + timedelta(days=20), True)])
        foreign = _upload(other, today - timedelta(days=3), "invalid", False, 4, 2, 0)
        session.add(foreign)
        session.flush()
        return {"probe": pid, "other": other, "foreign_upload": foreign.id}
