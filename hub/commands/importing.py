"""`bildungsdaten import --provider SLUG FILE`: the admin's import, with a progress bar."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ...validators.report import column_place
from ..offers.importer import ImportFailed, ImportOutcome, import_file
from . import HubCLIError
from .providers import hub_database, provider_by_slug

PHASES = {"read": "Prüfen   ", "write": "Schreiben"}


class CliProgress:
    """Progress of the two phases: a bar on a terminal, plain lines in logs and pipes."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.phase: str | None = None
        self.bar: Any = None
        self.shown = 0
        self.next_line = 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase != self.phase:
            self.close()
            self.phase, self.shown, self.next_line = phase, 0, 0
            if self.interactive and total:
                self.bar = click.progressbar(length=total, label=PHASES[phase], file=sys.stderr,
                                             show_pos=True, show_percent=True)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(min(done, self.bar.length) - self.shown)
            self.shown = min(done, self.bar.length)
        elif done >= self.next_line or done == total:
            # Without a terminal: a line every 10,000 rows and one at the end of a phase.
            of = f"/{total}" if total else ""
            click.echo(f"{PHASES[phase].strip()}: {done}{of}", err=True)
            self.next_line = done + 10_000

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_report(outcome: ImportOutcome, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2))
        return
    report = outcome.report
    stats = report.get("stats", {})
    for err in report.get("errors", []):
        # open-Qcat and iCalendar: the element and its id (PRODUCT_ID, UID) name the place.
        where = err.get("place") or (f"Zeile {err['row']}" if err.get("row") is not None
                                     else "Datei")
        column = column_place(err.get("column"), err.get("column_letter"))
        if column:
            where += f", Spalte {column}"
        label = "Fehler" if err.get("severity") == "error" else "Warnung"
        click.echo(f"{label} ({err['code']}) {where}: {err['message']}")
    if report.get("truncated"):
        click.echo("… weitere Meldungen abgeschnitten.")
    click.echo(f"{stats.get('rows', 0)} Zeilen, {stats.get('offers', 0)} Angebote, "
               f"{stats.get('errors', 0)} Fehler, {stats.get('warnings', 0)} Warnungen.")
    if outcome.status == "invalid":
        click.echo(f"Die Datei enthält Fehler – nichts wurde geändert (Upload {outcome.upload_id}).")
        return
    c = outcome.counts or {}
    verb = "würden" if outcome.dry_run else "wurden"
    click.echo(f"{'Probelauf: ' if outcome.dry_run else ''}{c.get('created', 0)} Angebote {verb} "
               f"neu angelegt, {c.get('updated', 0)} geändert, {c.get('deleted', 0)} gelöscht, "
               f"{c.get('unchanged', 0)} unverändert (Upload {outcome.upload_id}).")


@click.command("import")
@click.option("--provider", "slug", required=True, help="Kennung des Anbieters (SLUG)")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["replace", "upsert"]), default="replace",
              show_default=True,
              help="replace: die Datei ist der vollständige Bestand (Fehlendes wird gelöscht); "
                   "upsert: nur anlegen und ändern")
@click.option("--dry-run", is_flag=True, help="nur prüfen und zeigen, was sich ändern würde")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
def import_(slug: str, file: Path, mode: str, dry_run: bool, fmt: str, lang: str) -> None:
    """Prüft FILE (CSV, XLSX, open-Qcat-XML oder Kalender .ics) und übernimmt die Angebote
    für den Anbieter SLUG. Einer Kalenderdatei fehlende Angaben kommen aus den
    Voreinstellungen des Anbieters (`bildungsdaten providers defaults SLUG`).

    Alles oder nichts: enthält die Datei einen Fehler, ändert sich nichts.
    Exit-Code 0 = übernommen (bzw. Probelauf ohne Fehler), 1 = Fehler in der Datei,
    2 = Datei nicht lesbar.
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"Fehler: Datei {file} nicht lesbar ({exc.strerror or exc}).", err=True)
        sys.exit(2)
    progress = CliProgress(interactive=sys.stderr.isatty())
    with hub_database() as (settings, sessions):
        with sessions() as session:
            provider_id = provider_by_slug(session, slug).id
        try:
            outcome = import_file(sessions, settings, provider_id, data, filename=file.name,
                                  mode=mode, dry_run=dry_run, source="cli", lang=lang,
                                  progress=progress)
        except ImportFailed as exc:
            raise HubCLIError(f"{exc} (Upload {exc.upload_id}); nichts wurde geändert.") from None
        finally:
            progress.close()
    _print_report(outcome, fmt)
    sys.exit(0 if outcome.status == "done" else 1)


def register(cli: click.Group) -> None:
    cli.add_command(import_)
