"""`bildungsdaten export openqcat SLUG`: a provider's offers as an open-Qcat file for KURSNET."""
from __future__ import annotations

from pathlib import Path

import click

from ..offers.kursnet import provider_catalog
from . import HubCLIError, open_database


def register(cli: click.Group) -> None:
    cli.add_command(export)


@click.group()
def export() -> None:
    """Angebote in Fremdformaten ausgeben."""


@export.command("openqcat")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Datei statt Standardausgabe.")
def openqcat(slug: str, output: Path | None) -> None:
    """Die Angebote des Anbieters SLUG, die KURSNET annimmt (berufliche Weiterbildung), als
    open-Qcat-XML für den XML-Upload in KURSNET."""
    with open_database() as db:
        body = provider_catalog(db.engine, slug)
    if body is None:
        raise HubCLIError(f"Es gibt keinen Anbieter mit dem Kürzel „{slug}“.")
    if output is None:
        click.echo(body, nl=False)
    else:
        output.write_bytes(body)
        click.echo(f"{output}: open-Qcat für {slug} geschrieben ({len(body)} Byte).", err=True)
