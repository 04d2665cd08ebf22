"""`bildungsdaten monitoring snapshot`: store today's indicator values (once per day)."""
from __future__ import annotations

from datetime import date, datetime

import click

from ..monitoring.store import store_snapshot
from ..offers.expiry import BERLIN
from . import open_database


def register(cli: click.Group) -> None:
    @cli.group()
    def monitoring() -> None:
        """Bildungsmonitoring: Kennzahlen je Gemeinde und Lebensphase."""

    @monitoring.command("snapshot")
    def snapshot() -> None:
        """Speichert die Kennzahlen des heutigen Tages; ein schon gespeicherter Tag bleibt unverändert."""
        day: date = datetime.now(BERLIN).date()
        with open_database() as db:
            result = store_snapshot(db.engine, db.settings, day)
        if result.created:
            click.echo(f"Stichtag {day.isoformat()} gespeichert: {result.values} Werte aus "
                       f"{result.live_offers} Angeboten.")
        else:
            click.echo(f"Stichtag {day.isoformat()} war schon gespeichert ({result.values} Werte); "
                       "vergangene Werte bleiben unverändert.")
