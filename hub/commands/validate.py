"""`bildungsdaten validate FILE`: check an offers file offline (no database, no server).

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 the file cannot be read at all.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from bildungsdaten.validators import Limits, validate
from bildungsdaten.validators.report import column_place


def _limits_from_env() -> Limits:
    """The upload limits of the hub's settings (same environment variables), else defaults."""
    defaults = Limits()

    def number(name: str, default: int) -> int:
        raw = os.environ.get(name, "")
        return int(raw) if raw.isdigit() else default

    return Limits(max_bytes=number("UPLOAD_MAX_BYTES", defaults.max_bytes),
                  max_rows=number("UPLOAD_MAX_ROWS", defaults.max_rows),
                  max_inflated_bytes=number("UPLOAD_MAX_INFLATED_BYTES",
                                            defaults.max_inflated_bytes),
                  max_events=number("ICS_MAX_EVENTS", defaults.max_events))


def _text(report_dict: dict, path: Path, lang: str) -> str:
    stats = report_dict["stats"]
    en = lang == "en"
    lines = []
    for error in report_dict["errors"]:
        place = []
        if error.get("place"):
            place.append(error["place"])  # open-Qcat: the element and its PRODUCT_ID
        elif error["row"] is not None:
            place.append(f"{'row' if en else 'Zeile'} {error['row']}")
        column = column_place(error["column"], error.get("column_letter"))
        if column:
            place.append(f"{'column' if en else 'Spalte'} {column}")
        kind = error["severity"] if en else ("Fehler" if error["severity"] == "error" else "Warnung")
        where = ", ".join(place) or ("file" if en else "Datei")
        lines.append(f"{where}: {kind} [{error['code']}] {error['message']}")
    if report_dict["truncated"]:
        lines.append("… (truncated after 1,000 problems)" if en
                     else "… (nach 1.000 Problemen abgebrochen)")
    verdict = ("valid" if en else "gültig") if report_dict["valid"] else (
        "invalid" if en else "ungültig")
    lines.append(
        f"{path.name}: {verdict} – {stats['rows']} " + ("rows" if en else "Zeilen")
        + f", {stats['offers']} " + ("offers" if en else "Angebote")
        + f", {stats['errors']} " + ("errors" if en else "Fehler")
        + f", {stats['warnings']} " + ("warnings" if en else "Warnungen"))
    return "\n".join(lines)


def register(cli: click.Group) -> None:
    @cli.command("validate")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
                  show_default=True, help="Ausgabe als Text oder als Bericht-JSON")
    @click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
                  help="Sprache der Meldungen")
    def validate_command(file: Path, output: str, lang: str) -> None:
        """Prüft eine Angebotsdatei (CSV/XLSX) offline, ohne Datenbank.

        Exit-Code 0: gültig (Warnungen erlaubt), 1: ungültig, 2: Datei nicht lesbar.
        """
        try:
            result = validate(file, filename=file.name, lang=lang, limits=_limits_from_env())
        except OSError as exc:
            click.echo(f"Fehler: Die Datei {file} kann nicht gelesen werden "
                       f"({exc.strerror or exc.__class__.__name__}).", err=True)
            sys.exit(2)
        report = result.report
        data = report.to_dict()
        if output == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            click.echo(_text(data, file, lang))
        if not report.readable:
            sys.exit(2)
        sys.exit(0 if report.valid else 1)
