"""Helpers for the upload and import tests: providers, tokens, offer snapshots, CSV files."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.tokens import create_token
from bildungsdaten.hub.models import Offer, OfferInstance, Provider, Upload

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def add_provider(engine: Engine, slug: str, name: str | None = None) -> int:
    with Session(engine) as session, session.begin():
        provider = Provider(slug=slug, name=name or f"Anbieter {slug}", type="vhs")
        session.add(provider)
        session.flush()
        return int(provider.id)


def add_token(engine: Engine, provider_id: int, label: str | None = None) -> str:
    with Session(engine) as session, session.begin():
        token, _row = create_token(session, provider_id, label)
        return token


def add_upload(engine: Engine, provider_id: int, original: bytes = b"x",
               filename: str = "a.csv") -> int:
    """A finished (invalid) upload row of the provider, stored as before compression."""
    with Session(engine) as session, session.begin():
        row = Upload(provider_id=provider_id, filename=filename, size=len(original),
                     original=original, status="invalid",
                     report={"valid": False, "stats": {}, "errors": [], "truncated": False})
        session.add(row)
        session.flush()
        return int(row.id)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def offers_snapshot(engine: Engine, provider_id: int | None = None) -> list[tuple[Any, ...]]:
    """Every offer and instance as plain tuples: equal snapshots mean nothing changed."""
    with engine.connect() as conn:
        query = sa.select(Offer.feed_id, Offer.modified, Offer.deleted, Offer.content_hash,
                          Offer.title).order_by(Offer.feed_id)
        inst = (sa.select(Offer.feed_id, OfferInstance.instance_key, OfferInstance.start_date,
                          OfferInstance.price, OfferInstance.venue_id)
                .join(Offer, Offer.id == OfferInstance.offer_id)
                .order_by(Offer.feed_id, OfferInstance.position))
        if provider_id is not None:
            query = query.where(Offer.provider_id == provider_id)
            inst = inst.where(Offer.provider_id == provider_id)
        return [tuple(r) for r in conn.execute(query)] + [tuple(r) for r in conn.execute(inst)]


def live_offers(engine: Engine, provider_id: int) -> dict[str, int]:
    """angebot_id -> modified of a provider's live (not deleted) offers."""
    with engine.connect() as conn:
        return {r.angebot_id: r.modified for r in conn.execute(
            sa.select(Offer.angebot_id, Offer.modified).where(
                Offer.provider_id == provider_id, Offer.deleted.is_(False)))}


def uploads(engine: Engine, provider_id: int) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(Upload).where(Upload.provider_id == provider_id)
                                 .order_by(Upload.id)))


# A valid row of the offers CSV; {i} makes angebot_id unique. Columns in template order.
HEADER = ("angebot_id;termin_id;titel;beschreibung;lebensphase;themenbereich;angebotsform;"
          "anbieter_name;beginn_datum;ende_datum;uhrzeit_von;uhrzeit_bis;wochentage;lernform;"
          "ort_name;strasse;plz;ort;preis")
ROW = ("K{i};K{i}-A;{title} {i};Beschreibung des Kurses {i};erwachsenenbildung;sprachen;kurs;"
       "Kreisvolkshochschule Bergstraße;08.09.2026;15.12.2026;18:30;20:00;Mo;praesenz;"
       "vhs-Haus, Raum 3;Beispielstraße 1;64646;Heppenheim (Bergstraße);{price}")


def offers_csv(ids: range | list[int], title: str = "Englisch A2", price: str = "89,00",
               encoding: str = "utf-8") -> bytes:
    """A valid semicolon CSV with one row (= one offer) per id."""
    lines = [HEADER] + [ROW.format(i=i, title=title, price=price) for i in ids]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def iter_big_csv(rows: int) -> Iterator[bytes]:
    yield (HEADER + "\r\n").encode()
    for i in range(rows):
        yield (ROW.format(i=i, title="Englisch A2", price="89,00") + "\r\n").encode()
