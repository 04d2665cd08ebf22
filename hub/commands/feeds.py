"""`bildungsdaten feeds render [--all]`: pre-render the offers' JSON-LD documents."""
from __future__ import annotations

import time

import click

from ..offers.documents import render_target
from ..offers.queries import BATCH_SIZE, prerender_documents
from . import open_database


def register(cli: click.Group) -> None:
    cli.add_command(feeds)


@click.group()
def feeds() -> None:
    """Offene Feeds (JSON-LD, RPDE)."""


@feeds.command("render")
@click.option("--all", "everything", is_flag=True,
              help="Alle aktuellen Angebote neu erzeugen, nicht nur fehlende oder veraltete.")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=BATCH_SIZE,
              show_default=True, help="Angebote je Schreibvorgang.")
def render(everything: bool, batch_size: int) -> None:
    """Erzeugt das JSON-LD der Angebote vorab und speichert es, damit Abzug, RPDE-Feed und
    Angebotsseiten es nur noch ausliefern (sonst bei der ersten Anfrage)."""
    start = time.perf_counter()
    with open_database() as db:
        count = prerender_documents(db.engine, render_target(db.settings), everything=everything,
                                    batch_size=batch_size)
    click.echo(f"{count} JSON-LD-Dokumente erzeugt in {time.perf_counter() - start:.1f} s "
               f"(Basis {db.settings.hub_base_uri}).")
