"""`bildungsdaten search reindex`: build the full-text index of live offers anew."""
from __future__ import annotations

import time

import click

from ..db import begin_write, transaction
from ..search.index import rebuild_index
from . import open_database


def register(cli: click.Group) -> None:
    cli.add_command(search)


@click.group()
def search() -> None:
    """Volltextsuche der Angebote."""


@search.command("reindex")
def reindex() -> None:
    """Baut den Suchindex aller aktuellen Angebote neu auf (etwa nach einem Update des
    Wortstamm-Verfahrens); eine Transaktion, die Suche antwortet währenddessen wie vorher."""
    start = time.perf_counter()
    with open_database() as db, transaction(db.sessions) as session:
        begin_write(session)
        count = rebuild_index(session)
    click.echo(f"Suchindex neu aufgebaut: {count} Angebote in {time.perf_counter() - start:.1f} s.")
