"""`bildungsdaten sources add|list|harvest|remove|enable|disable`: neighbours' RPDE feeds."""
from __future__ import annotations

from datetime import datetime

import click

from ..auth.audit import cli_actor
from ..sources.models import Source
from ..sources.service import (
    SourceError,
    add_source,
    harvest,
    harvest_due,
    list_sources,
    live_counts,
    remove_source,
    set_enabled,
)
from . import HubCLIError, open_database


def _when(value: datetime | None) -> str:
    return value.strftime("%d.%m.%Y %H:%M UTC") if value else "nie"


def health_line(source: Source, live: int) -> str:
    """One source's health in German words (every state in words, not only a colour)."""
    state = "aktiv" if source.enabled else "abgeschaltet"
    if source.last_error_code and source.last_error_code != "skipped-items":
        health = f"FEHLER {source.last_error_code}: {source.last_error_message}"
    elif source.last_error_code:
        health = f"mit Hinweisen: {source.last_error_message}"
    elif source.last_success_at:
        health = "in Ordnung"
    else:
        health = "noch nicht geerntet"
    return (f"{source.name}  {state}, alle {source.interval_minutes} min  {source.rpde_url}\n"
            f"  Zustand: {health}\n"
            f"  letzter Versuch: {_when(source.last_attempt_at)}, letzter Erfolg: "
            f"{_when(source.last_success_at)}\n"
            f"  Angebote: {live}, Einträge gelesen: {source.items_seen}, Seiten: "
            f"{source.pages_read}")


@click.group("sources")
def sources() -> None:
    """Quellen: RPDE-Feeds benachbarter Hubs, die dieser Hub erntet."""


@sources.command("add")
@click.argument("name")
@click.option("--rpde", "rpde_url", required=True, help="Adresse des RPDE-Feeds der Quelle.")
@click.option("--licence", default=None, help="Lizenz-IRI der Daten (dcat-ap.de-Liste).")
@click.option("--attribution", default=None, help="Text der Namensnennung (z. B. dl-de/by).")
@click.option("--interval", "interval", type=int, default=60, show_default=True,
              help="Minuten zwischen zwei Ernten.")
def add(name: str, rpde_url: str, licence: str | None, attribution: str | None,
        interval: int) -> None:
    """Legt die Quelle NAME an (Kleinbuchstaben, Ziffern, Bindestriche)."""
    with open_database() as db:
        try:
            new = add_source(db.sessions, db.settings, name, rpde_url, licence=licence,
                             attribution=attribution, interval_minutes=interval,
                             actor=cli_actor())
        except SourceError as exc:
            raise HubCLIError(f"{exc.message} ({exc.code}, --{exc.field})") from None
    if new.note:
        click.echo(new.note, err=True)
    click.echo(f"Quelle „{name}“ angelegt; `bildungsdaten sources harvest {name}` erntet sie.")


@sources.command("list")
def list_() -> None:
    """Zeigt die Quellen mit ihrem Zustand."""
    with open_database() as db, db.sessions() as session:
        rows = list_sources(session)
        counts = live_counts(session)
    if not rows:
        click.echo("Keine Quellen. `bildungsdaten sources add NAME --rpde URL` legt eine an.")
    for source in rows:
        click.echo(health_line(source, counts.get(source.id, 0)))


@sources.command("harvest")
@click.argument("name", required=False)
def harvest_cmd(name: str | None) -> None:
    """Erntet die Quelle NAME (ohne NAME: alle fälligen, aktiven Quellen)."""
    with open_database() as db:
        try:
            outcomes = ([harvest(db.sessions, db.settings, name)] if name
                        else harvest_due(db.sessions, db.settings))
        except SourceError as exc:
            raise HubCLIError(exc.message) from None
        except Exception as exc:  # recorded in the source's health; the log has the trace
            raise HubCLIError(f"Die Ernte brach mit einem internen Fehler ab "
                              f"({exc.__class__.__name__}); `bildungsdaten sources list` zeigt "
                              "den Zustand.") from None
    failed = False
    for outcome in outcomes:
        c = outcome.counts
        click.echo(f"{outcome.source}: {outcome.status}; {c.pages} Seiten, {c.items} Einträge: "
                   f"{c.created} neu, {c.updated} geändert, {c.unchanged} unverändert, "
                   f"{c.deleted} gelöscht, {c.skipped} übersprungen")
        if outcome.error_message:
            click.echo(f"  {outcome.error_code}: {outcome.error_message}", err=True)
        failed = failed or outcome.status == "failed"
    if failed:
        raise SystemExit(1)


@sources.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Entfernt die Quelle NAME; ihre Angebote werden als gelöscht gemeldet."""
    with open_database() as db:
        try:
            withdrawn = remove_source(db.sessions, name, actor=cli_actor())
        except SourceError as exc:
            raise HubCLIError(exc.message) from None
    click.echo(f"Quelle „{name}“ entfernt; {withdrawn} Angebote zurückgezogen.")


@sources.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Schaltet die Quelle NAME ab (ihre Angebote bleiben)."""
    _enable(name, False)


@sources.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Schaltet die Quelle NAME wieder ein."""
    _enable(name, True)


def _enable(name: str, on: bool) -> None:
    with open_database() as db:
        try:
            set_enabled(db.sessions, name, on, actor=cli_actor())
        except SourceError as exc:
            raise HubCLIError(exc.message) from None
    click.echo(f"Quelle „{name}“ {'eingeschaltet' if on else 'abgeschaltet'}.")


def register(cli: click.Group) -> None:
    cli.add_command(sources)
