"""`bildungsdaten monitoring snapshot`: store today's indicator values (once per day);
`bildungsdaten monitoring bedarf`: check the need mapping against the published tables."""
from __future__ import annotations

from datetime import date, datetime

import click

from ..monitoring.need import NeedMapError, need_coverage
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

    @monitoring.command("bedarf")
    def need() -> None:
        """Prüft die Datei MONITORING_BEDARF gegen die veröffentlichten Tabellen der Befragung
        und zeigt, wie viele Bedarfswerte (davon gesperrt) jede Tabelle ergibt."""
        with open_database() as db:
            if not db.settings.monitoring_bedarf:
                raise click.ClickException("MONITORING_BEDARF ist nicht gesetzt: es gibt keinen "
                                           "Bedarfsvergleich.")
            try:
                with db.sessions() as session:
                    coverage = need_coverage(session, db.settings)
            except NeedMapError as exc:
                raise click.ClickException(str(exc)) from None
        for c in coverage:
            if c.version is None:
                click.echo(f"{c.survey}/{c.table}: keine veröffentlichte Tabelle mit Werten "
                           "(nicht veröffentlicht, oder keine Antwort ist zugeordnet).")
            else:
                click.echo(f"{c.survey}/{c.table} (Veröffentlichung {c.version}): {c.values} "
                           f"Bedarfswerte, davon {c.suppressed} gesperrt.")
