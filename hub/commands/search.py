"""`bildungsdaten search reindex`: build the full-text index of live offers anew."""
from __future__ import annotations

import time

import click

from ..cli import require_current_database
from ..db import begin_write, make_engine, make_sessionmaker, transaction
from ..search.index import rebuild_index
from ..settings import load_settings


def register(cli: click.Group) -> None:
    cli.add_command(search)


@click.group()
def search() -> None:
    """Volltextsuche der Angebote."""


@search.command("reindex")
def reindex() -> None:
    """Baut den Suchindex aller aktuellen Angebote neu auf (etwa nach einem Update des
    Wortstamm-Verfahrens); eine Transaktion, die Suche antwortet währenddessen wie vorher."""
    settings = load_settings()
    require_current_database(settings.database_url)
    engine = make_engine(settings.database_url)
    start = time.perf_counter()
    try:
        with transaction(make_sessionmaker(engine)) as session:
            begin_write(session)
            count = rebuild_index(session)
    finally:
        engine.dispose()
    click.echo(f"Suchindex neu aufgebaut: {count} Angebote in {time.perf_counter() - start:.1f} s.")
