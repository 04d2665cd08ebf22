"""`bildungsdaten providers create|list`: the admin's list of providers."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from ...validators import ICS_DEFAULT_COLUMNS
from ...vocab.codelists import codelist
from ..auth.audit import cli_actor, record
from ..db import transaction
from ..fetch_guard import FetchRefused, precheck_url
from ..models import ApiToken, Offer, Provider
from ..offers.defaults import check_defaults, save_defaults, stored_defaults
from ..settings import Settings, load_settings
from . import HubCLIError, open_database

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


@contextmanager
def hub_database() -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    """Settings and sessions of the configured, migrated database (for admin commands)."""
    with open_database() as db:
        yield db.settings, db.sessions


def provider_by_slug(session: Session, slug: str) -> Provider:
    provider = session.execute(sa.select(Provider).where(Provider.slug == slug)).scalar()
    if provider is None:
        raise HubCLIError(f"Anbieter „{slug}“ gibt es nicht. Vorhandene Anbieter zeigt "
                          "`bildungsdaten providers list`.")
    return provider


def _source_url(value: str | None) -> str | None:
    """The source_url as the fetch guard will see it: refused now rather than every hour."""
    if not value:
        return value
    try:
        note = precheck_url(value, load_settings().fetch_allow_hosts)
    except (FetchRefused, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--source-url") from None
    if note:
        click.echo(note, err=True)
    return value.strip()


def _provider_type(value: str | None) -> str | None:
    if value is None:
        return None
    types = codelist("anbieter_typ")
    concept = types.lookup(value)
    if concept is None:
        hint = types.suggest(value)
        raise click.BadParameter(
            f"„{value}“ ist kein Anbietertyp" + (f" – meinten Sie „{hint}“?" if hint else "")
            + f" Erlaubt: {', '.join(types.codes)}", param_hint="--type")
    return concept.code


@click.group("providers")
def providers() -> None:
    """Anbieter anlegen, ändern und auflisten."""


@providers.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Name des Anbieters")
@click.option("--type", "type_", help="Anbietertyp (Codeliste anbieter_typ, z. B. vhs)")
@click.option("--url", help="Webseite")
@click.option("--email", help="Kontaktadresse (Funktionsadresse)")
@click.option("--telephone", help="Telefon")
@click.option("--licence", help="Lizenz-IRI (leer = Standardlizenz des Hubs)")
@click.option("--source-url", help="Veröffentlichte Datei (CSV/XLSX, open-Qcat, Kalender .ics), die der Hub stündlich abholt")
def create(slug: str, name: str, type_: str | None, url: str | None, email: str | None,
           telephone: str | None, licence: str | None, source_url: str | None) -> None:
    """Legt einen Anbieter mit der Kennung SLUG an (z. B. kvhs-bergstrasse)."""
    if not SLUG.match(slug):
        raise click.BadParameter("nur Kleinbuchstaben, Ziffern und Bindestriche (2–64 Zeichen)",
                                 param_hint="SLUG")
    code = _provider_type(type_)
    source_url = _source_url(source_url)
    with hub_database() as (_settings, sessions), transaction(sessions) as session:
        if session.execute(sa.select(Provider.id).where(Provider.slug == slug)).scalar():
            raise HubCLIError(f"Anbieter „{slug}“ gibt es schon.")
        session.add(Provider(slug=slug, name=name, type=code, url=url, email=email,
                             telephone=telephone, licence=licence, source_url=source_url))
        record(session, "provider.created", slug, {"name": name, "typ": code,
                                                   "quelle": source_url}, actor=cli_actor())
    click.echo(f"Anbieter „{slug}“ angelegt. Token erzeugen: bildungsdaten tokens create {slug}")


@providers.command("update")
@click.argument("slug")
@click.option("--source-url", required=True,
              help="Veröffentlichte Datei (CSV/XLSX, open-Qcat, Kalender .ics), die der Hub stündlich abholt; leer = keine")
def update(slug: str, source_url: str) -> None:
    """Ändert die Quelle (--source-url) des Anbieters SLUG."""
    checked = _source_url(source_url) or None
    with hub_database() as (_settings, sessions), transaction(sessions) as session:
        provider = provider_by_slug(session, slug)
        record(session, "provider.source_changed", slug,
               {"vorher": provider.source_url, "nachher": checked}, actor=cli_actor())
        provider.source_url = checked
        # A new source starts without the old one's validators, so the first pull fetches it.
        provider.source_etag = provider.source_last_modified = None
    click.echo(f"Anbieter „{slug}“: Quelle {'entfernt' if checked is None else checked}.")


@providers.command("defaults", help=(
    "Zeigt oder ändert die Voreinstellungen des Anbieters SLUG für Kalender-Dateien (.ics). "
    "Sie füllen, was ein Kalender nicht sagt (Lebensphase, Preis, Lernform …); erlaubte "
    "Spalten: " + ", ".join(ICS_DEFAULT_COLUMNS) + "."))
@click.argument("slug")
@click.option("--set", "pairs", multiple=True, metavar="SPALTE=WERT",
              help="Voreinstellung setzen (leerer WERT löscht sie); mehrfach möglich")
def defaults(slug: str, pairs: tuple[str, ...]) -> None:
    changes: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name.strip() not in ICS_DEFAULT_COLUMNS:
            raise click.BadParameter(
                f"„{pair}“: erwartet SPALTE=WERT mit SPALTE aus {', '.join(ICS_DEFAULT_COLUMNS)}",
                param_hint="--set")
        changes[name.strip()] = value.strip()
    with hub_database() as (_settings, sessions), transaction(sessions) as session:
        provider = provider_by_slug(session, slug)
        values = {**stored_defaults(session, provider.id), **changes}
        problems = check_defaults(values)
        if problems:
            raise HubCLIError("Voreinstellungen nicht gespeichert: " + " ".join(
                message for _name, message in problems))
        if changes:
            save_defaults(session, provider.id, values)
        current = stored_defaults(session, provider.id)
    if changes:
        click.echo(f"Voreinstellungen von „{slug}“ gespeichert.")
    if not current:
        click.echo(f"„{slug}“ hat keine Voreinstellungen für Kalender-Dateien.")
    for name, value in current.items():
        click.echo(f"{name}\t{value}")


@providers.command("list")
def list_() -> None:
    """Zeigt alle Anbieter mit Zahl der Angebote und Tokens."""
    with hub_database() as (_settings, sessions), sessions() as session:
        live = (sa.select(sa.func.count()).select_from(Offer)
                .where(Offer.provider_id == Provider.id, Offer.deleted.is_(False))
                .scalar_subquery())
        tokens = (sa.select(sa.func.count()).select_from(ApiToken)
                  .where(ApiToken.provider_id == Provider.id, ApiToken.revoked_at.is_(None))
                  .scalar_subquery())
        rows = session.execute(sa.select(Provider.slug, Provider.name, Provider.type, live,
                                         tokens, Provider.source_url).order_by(Provider.slug)).all()
    if not rows:
        click.echo("Noch keine Anbieter. Anlegen: bildungsdaten providers create SLUG --name …")
        return
    for slug, name, type_, offers, active, source in rows:
        extra = f"  Quelle: {source}" if source else ""
        click.echo(f"{slug}\t{name}\t{type_ or '-'}\t{offers} Angebote\t{active} Tokens{extra}")


def register(cli: click.Group) -> None:
    cli.add_command(providers)
