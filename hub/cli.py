"""The `bildungsdaten` command: serve, db upgrade, demo, … (areas add theirs in hub/commands)."""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import commands
from .db import make_engine
from .settings import load_settings


class HubCLIError(click.ClickException):
    """A clear message for the user instead of a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Fehler: {self.format_message()}", err=True)


def require_current_database(database_url: str) -> None:
    """Stop with a clear message when the database is missing or not migrated."""
    from .migrate import current_revision, head_revision

    engine = make_engine(database_url)
    try:
        current = current_revision(engine)
    except (OperationalError, ProgrammingError) as exc:
        raise HubCLIError(f"Datenbank nicht erreichbar ({exc.__class__.__name__}). "
                          "Prüfen Sie DATABASE_URL.") from None
    finally:
        engine.dispose()
    if current is None:
        raise HubCLIError("Die Datenbank ist leer. Bitte zuerst `bildungsdaten db upgrade` "
                          "ausführen.")
    if current != head_revision(engine):
        raise HubCLIError(f"Die Datenbank ist veraltet (Stand {current}). Bitte "
                          "`bildungsdaten db upgrade` ausführen.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(main)


_register_area_commands()
