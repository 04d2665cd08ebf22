"""CLI commands: one module per area, each exposing `register(cli)`; hub.cli lists them.

The plumbing every command shares lives here: the error type that prints a German message
instead of a traceback, the "database is current" check, and one way to open the database.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from ..db import make_engine, make_sessionmaker
from ..settings import Settings, load_settings


class HubCLIError(click.ClickException):
    """A clear message for the user instead of a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Fehler: {self.format_message()}", err=True)


def require_current_database(database_url: str) -> None:
    """Stop with a clear message when the database is missing or not migrated."""
    from ..migrate import current_revision, head_revision

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


@dataclass
class HubDatabase:
    """The configured, migrated database of a command: settings, engine, sessions."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


@contextmanager
def open_database() -> Iterator[HubDatabase]:
    """The settings and the current database of the environment; the engine is disposed on
    exit. Stops with a German message when the database is missing or not migrated."""
    settings = load_settings()
    require_current_database(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield HubDatabase(settings, engine, make_sessionmaker(engine))
    finally:
        engine.dispose()
