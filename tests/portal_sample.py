"""Offers for the portal's pages: one offer whose dates carry every state, relative to today
so "next date" and registration deadlines stay meaningful whenever the tests run."""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy.engine import Engine

from bildungsdaten.vocab.records import InstanceRecord, OfferRecord
from tests.api_sample import BENSHEIM, HEPPENHEIM, KVHS, full_offer, store_district, store_offer

SOON = date.today() + timedelta(days=14)


def states_offer() -> OfferRecord:
    """Five dates: planned, cancelled, fully booked, waiting list, postponed."""
    def run(key: str, days: int, status: str | None, **kw: object) -> InstanceRecord:
        return InstanceRecord(termin_id=key, start_date=SOON + timedelta(days=days),
                              start_time=time(10, 0), end_time=time(11, 30), mode="praesenz",
                              status=status, price=Decimal("30.00"), price_kind="betrag",
                              venue=BENSHEIM, **kw)  # type: ignore[arg-type]
    return OfferRecord(
        angebot_id="senioren-pc", title="Computerkurs für Senioren",
        description="Schritt für Schritt ins Internet.\n\nMit viel Zeit für Fragen.",
        provider=KVHS, life_phases=["senioren"], topic="arbeit_beruf_it", offer_form="kurs",
        languages=["de"], min_age=60, level="einsteiger", prerequisites="Keine",
        contact_email="pc@kvhs.example",
        instances=[run("a", 0, "geplant", registration_deadline=date.today() - timedelta(days=1)),
                   run("b", 7, "abgesagt"), run("c", 14, "ausgebucht"),
                   run("d", 21, "warteliste"), run("e", 28, "verschoben")])


def free_offer() -> OfferRecord:
    return OfferRecord(
        angebot_id="lesecafe", title="Lesecafé für alle", description="Gemeinsam lesen <b>und</b> reden.",
        provider=KVHS, life_phases=["alle"],
        instances=[InstanceRecord(start_date=SOON, start_time=time(15, 0), end_time=time(16, 0),
                                  mode="praesenz", price=Decimal(0), price_kind="kostenlos",
                                  venue=HEPPENHEIM)])


def store_portal_sample(engine: Engine) -> None:
    """The API's small district plus the full sample row and the two offers above."""
    store_district(engine)
    for record in (full_offer(), states_offer(), free_offer()):
        store_offer(engine, record)
