"""The `bildungsdaten` command: serve, db upgrade, demo, … (areas add theirs in hub/commands)."""
from __future__ import annotations

import inspect
import os
import re
import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from .commands import HubCLIError, require_current_database
from .db import make_engine
from .settings import SettingsError, load_settings


class HubGroup(click.Group):
    """Refused settings (e.g. a short ADMIN_TOKEN) end every command with their German message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise HubCLIError(str(exc)) from None


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Bildungsdaten-Hub: Bildungsangebote sammeln, prüfen und offen veröffentlichen."""


@main.group()
def db() -> None:
    """Datenbank: Migrationen."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migriert die Datenbank auf den neuesten Stand."""
    from .migrate import upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, revision)
    except OperationalError as exc:
        raise HubCLIError(f"Migration fehlgeschlagen: {exc.orig}") from None
    finally:
        engine.dispose()
    click.echo(f"Datenbank auf dem neuesten Stand ({settings.database_url.split('@')[-1]}).")


@db.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Setzt die Datenbank auf eine frühere Revision zurück (base = leer)."""
    from .migrate import downgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    downgrade(engine, revision)
    engine.dispose()
    click.echo(f"Datenbank auf Revision {revision} zurückgesetzt.")


@main.command()
@click.option("--host", default=None, help="Adresse (Standard: HOST bzw. 127.0.0.1)")
@click.option("--port", default=None, type=int, help="Port (Standard: PORT bzw. 8000)")
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Flask-Entwicklungsserver statt gunicorn")
def serve(host: str | None, port: int | None, workers: int, dev: bool) -> None:
    """Startet den Hub (gunicorn)."""
    settings = load_settings()
    require_current_database(settings.database_url)
    host = host or settings.host
    port = port or settings.port
    click.echo(f"Bildungsdaten-Hub läuft auf http://{host}:{port}/  (Beenden mit Strg+C)")
    if dev:
        from .app import create_app

        create_app(settings=settings).run(host=host, port=port)
        return
    conf = os.path.join(os.path.dirname(__file__), "gunicorn_conf.py")
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-c", conf,
                               "--bind", f"{host}:{port}", "--workers", str(workers),
                               "bildungsdaten.hub.wsgi:app"])


def _register_area_commands() -> None:
    """Each area's commands, listed here so `--help` shows exactly what exists."""
    from .commands import (
        dcat,
        demo,
        export,
        feeds,
        importing,
        monitoring,
        providers,
        scheduler,
        search,
        sources,
        survey,
        tokens,
        users,
    )
    from .commands import validate as validate_cmd

    for area in (providers, tokens, importing, validate_cmd, demo, feeds, search, dcat, survey,
                 monitoring, scheduler, export, users, sources):
        area.register(main)


# A dot after these ends no sentence (click's own short help stops at the first ". ", so
# "Legt einen Anbieter … an (z. B. kvhs)." was listed as "… an (z.").
_ABBREVIATIONS = frozenset({"bzw", "ca", "ggf", "inkl", "zzgl", "usw", "etc", "evtl", "vgl",
                            "nr", "bspw", "sog", "max", "min", "e.g", "i.e"})
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def first_sentence(text: str) -> str:
    """The first sentence of a help text: not cut at an abbreviation ("z. B.", "bzw.") nor
    inside parentheses."""
    paragraph = " ".join(inspect.cleandoc(text).split("\n\n")[0].split())
    for match in _SENTENCE_END.finditer(paragraph):
        head = paragraph[:match.end()]
        word = re.split(r"[\s(]", head[:-1])[-1]
        if len(word) <= 1 or word.casefold() in _ABBREVIATIONS:
            continue  # z. B. / d. h. / u. a. (one letter) and the common abbreviations
        if head.count("(") > head.count(")"):
            continue
        return head
    return paragraph


def fill_short_help(command: click.Command) -> None:
    """Give every command (and subcommand) without its own short help its first sentence."""
    if command.short_help is None and command.help:
        command.short_help = first_sentence(command.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            fill_short_help(sub)


_register_area_commands()
fill_short_help(main)
