"""`bildungsdaten demo`: load the demo district into the configured database."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...vocab.records import OfferRecord
from ..db import begin_write, transaction
from ..demo.district import demo_records
from ..models import Offer
from ..offers.store import ensure_provider, tombstone_offers, write_offers
from . import HubCLIError, open_database

# Offers per transaction: large enough for bulk speed, small enough to keep the write lock short.
CHUNK = 2000


def register(cli: click.Group) -> None:
    cli.add_command(demo)


@click.command()
@click.option("--offers", default=1200, show_default=True, type=click.IntRange(min=0),
              help="Anzahl der Angebote")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Startwert des Zufallsgenerators (gleicher Wert = gleiche Daten)")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Stichtag JJJJ-MM-TT für die Termine (Standard: heute)")
@click.option("--if-empty", is_flag=True,
              help="Nichts tun, wenn die Datenbank schon Angebote enthält")
@click.option("--replace", is_flag=True,
              help="Angebote der Demo-Anbieter, die nicht mehr erzeugt werden, löschen")
def demo(offers: int, seed: int, today: datetime | None, if_empty: bool,
         replace: bool) -> None:
    """Lädt den Demo-Kreis: fiktive Anbieter und Angebote für alle Lebensphasen."""
    try:
        with open_database() as db:
            counts = _load_demo(db.sessions, offers, seed, today, if_empty, replace)
    except sa.exc.OperationalError as exc:
        raise HubCLIError(f"Laden des Demo-Kreises fehlgeschlagen: {exc.orig}") from None
    if counts is None:
        return
    click.echo(f"Demo-Kreis geladen: {counts['providers']} Anbieter, {counts['created']} neu, "
               f"{counts['updated']} geändert, {counts['unchanged']} unverändert, "
               f"{counts['deleted']} gelöscht.")


def _load_demo(sessions: sa.orm.sessionmaker[Session], offers: int, seed: int,
               today: datetime | None, if_empty: bool, replace: bool) -> dict[str, int] | None:
    """Load the demo district (None when `if_empty` and the database has offers)."""
    if if_empty:
        with sessions() as session:
            existing = session.execute(sa.select(sa.func.count()).select_from(Offer)
                                       .where(Offer.deleted.is_(False))).scalar_one()
        if existing:
            click.echo(f"Die Datenbank enthält schon {existing} Angebote; "
                       "der Demo-Kreis wird nicht geladen.")
            return None
    return _load(sessions, offers, seed, today.date() if today else None, replace)


def _load(sessions: sa.orm.sessionmaker[Session], offers: int, seed: int, today: date | None,
          replace: bool) -> dict[str, int]:
    counts = {"providers": 0, "created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    with click.progressbar(length=offers, label="Demo-Angebote", show_pos=True,
                           hidden=offers < 5000) as bar:
        for provider, records in demo_records(offers, seed, today):
            with transaction(sessions) as session:
                begin_write(session)
                provider_id = ensure_provider(session, provider)
            counts["providers"] += 1
            for start in range(0, len(records), CHUNK):
                chunk = records[start:start + CHUNK]
                with transaction(sessions) as session:
                    begin_write(session)
                    result = write_offers(session, provider_id, chunk)
                for key, value in result.as_dict().items():
                    counts[key] += value
                bar.update(len(chunk))
            if replace:
                counts["deleted"] += _drop_others(sessions, provider_id, records)
    return counts


def _drop_others(sessions: sa.orm.sessionmaker[Session], provider_id: int,
                 records: Sequence[OfferRecord]) -> int:
    """Tombstone the provider's live offers this demo run did not produce."""
    wanted = {r.angebot_id for r in records}
    with transaction(sessions) as session:
        begin_write(session)
        stale = [oid for oid, aid in session.execute(
            sa.select(Offer.id, Offer.angebot_id).where(Offer.provider_id == provider_id,
                                                        Offer.deleted.is_(False))
            .order_by(Offer.id)) if aid not in wanted]
        return tombstone_offers(session, stale)
